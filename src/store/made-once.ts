// What make() gives, made on the first call and then kept; a failure is not kept, so the next call makes it again
// (the scheduler builds its stores once: a CA file or secret that could not be read yet must not stay an error).
export const madeOnce = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
};
