import type { Etcd3 } from 'etcd3';
import type { Clock } from '../clock/clock.ts';
import { oneLine } from '../errors/agent-error.ts';

// The leases a restored member holds, kept alive while events are replayed into it.
export interface LeaseKeeper {
  // Decimal lease ids the member had when the keeper started.
  readonly leases: ReadonlySet<string>;
  // Why keeping them alive failed, if it did (the replay checks the revision it reaches anyway).
  readonly failure: string | undefined;
  stop(): Promise<void>;
}

// How often every lease is renewed: well inside the shortest TTL etcd grants (its minimum is 1.5 s by default).
const RENEW_EVERY_MS = 250;

// Lists the member's leases and renews them all every RENEW_EVERY_MS over one LeaseKeepAlive stream, so none
// expires mid-replay: an expiry deletes its keys at a revision of its own and the member would drift off the
// original revisions.
export const keepLeasesAlive = async (client: Etcd3, clock: Clock): Promise<LeaseKeeper> => {
  const listed = await client.leaseClient.leaseLeases();
  const leases = new Set(listed.leases.map((l) => String(l.ID)));
  let failure: string | undefined;
  if (leases.size === 0) return { leases, failure, stop: async () => undefined };
  const stream = await client.leaseClient.leaseKeepAlive();
  stream.on('error', (error: unknown) => {
    failure ??= oneLine(error);
  });
  // Responses only confirm; reading them keeps the stream flowing.
  stream.on('data', () => undefined);
  const renew = (): void => {
    for (const ID of leases) stream.write({ ID });
  };
  renew();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await clock.sleep(RENEW_EVERY_MS);
      if (!stopped && failure === undefined) renew();
    }
  })();
  return {
    leases,
    get failure() {
      return failure;
    },
    async stop() {
      stopped = true;
      await loop;
      stream.end();
    },
  };
};
