// The first bytes of a stream (at least `want`, unless it ends first), and the whole stream again from its start,
// those bytes included, to read on: what is peeked at is never lost.
export const peek = async (source: AsyncIterator<Buffer>, want: number): Promise<{ head: Buffer; all: AsyncGenerator<Buffer> }> => {
  const first: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < want) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    first.push(next.value);
    length += next.value.length;
  }
  const all = async function* (): AsyncGenerator<Buffer> {
    yield* first;
    while (!ended) {
      const next = await source.next();
      if (next.done) return;
      yield next.value;
    }
  };
  return { head: Buffer.concat(first), all: all() };
};
