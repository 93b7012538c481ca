import { AgentError } from '../errors/agent-error.ts';
import type { DeltaUploadStore } from './delta-store.ts';
import type { UploadStore } from './snapshot-store.ts';

// A store whose every call fails with an AgentError naming the store, the call and the reason:
// the stand-in for an unreachable or misconfigured store in tests.
export const failingStore = (reason = 'the store is unavailable', location = 'failing'): UploadStore => {
  const fail = (what: string): Promise<never> => Promise.reject(new AgentError(`${what} in store ${location} failed: ${reason}`));
  return {
    location,
    list: () => fail('listing snapshots'),
    fetch: (name) => fail(`fetching ${name}`),
    save: (name, source) => {
      source.destroy();
      return fail(`saving ${name}`);
    },
    delete: (name) => fail(`removing ${name}`),
  };
};

// A delta segment store whose every call fails like failingStore's: the stand-in for an unreachable store in tests.
export const failingDeltaStore = (reason = 'the store is unavailable', location = 'failing'): DeltaUploadStore => {
  const fail = (what: string): Promise<never> => Promise.reject(new AgentError(`${what} in store ${location} failed: ${reason}`));
  return {
    location,
    listSegments: () => fail('listing delta segments'),
    fetchSegment: (name) => fail(`fetching ${name}`),
    deleteSegment: (name) => fail(`removing ${name}`),
    saveSegment: (name, source) => {
      source.destroy();
      return fail(`saving ${name}`);
    },
  };
};
