// Edit distance between two words (insertions, deletions, substitutions), for "did you mean".
export const editDistance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
};

// The known word nearest a mistyped one, when it is near enough to be what was meant (a third of its length at most).
export const nearest = (word: string, known: readonly string[]): string | undefined => {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
};

// `; did you mean --etcd-endpoints?` for a mistyped name, or '' when nothing is near; prefix goes before the name.
export const suggestion = (word: string, known: readonly string[], prefix = '--'): string => {
  const near = nearest(word, known);
  return near ? `; did you mean ${prefix}${near}?` : '';
};
