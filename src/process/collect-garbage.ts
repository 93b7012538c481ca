// A full garbage collection, when the process runs with --expose-gc (the scheduler does), else nothing. The capture
// calls it after each closed segment: the buffers of the events and of the gzip output just written live long enough
// to be promoted, and V8 would otherwise give their memory back only at its next major collection, which it starts
// late (when external memory has grown by 64 MiB or the old generation has doubled), so the RSS would creep up.
export const collectGarbage = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};
