import type { Clock } from '../clock/clock.ts';
import type { EtcdGateway } from '../etcd/etcd-gateway.ts';
import { oneLine } from '../errors/agent-error.ts';

// The leases a restored member holds, kept alive while events are replayed into it.
export interface LeaseKeeper {
  // Decimal lease ids the member had when the keeper started.
  readonly leases: ReadonlySet<string>;
  // Why keeping them alive failed, if it did (the replay checks the revision it reaches anyway).
  readonly failure: string | undefined;
  stop(): Promise<void>;
}

// How often the keeper looks for leases due: well inside the shortest TTL etcd grants (1.5 s by default).
const TICK_MS = 250;
// Leases asked about at once when their TTLs are read.
const BATCH = 64;

// Renews leases with one LeaseKeepAlive call of the gateway (one JSON request per line, one answer per line).
const renew = async (gateway: Pick<EtcdGateway, 'post'>, ids: readonly string[]): Promise<void> => {
  await gateway.post('/v3/lease/keepalive', ids.map((ID) => `{"ID":"${ID}"}`).join('\n'), 1024);
};

// Lists the member's leases and their TTLs, then renews each at a third of its TTL (at least every TICK_MS) over the
// gateway's LeaseKeepAlive, so none expires mid-replay: an expiry deletes its keys at a revision of its own and the
// member would drift off the original revisions. Many leases with long TTLs cost few renewals.
export const keepLeasesAlive = async (gateway: Pick<EtcdGateway, 'post' | 'call'>, clock: Clock): Promise<LeaseKeeper> => {
  const listed = await gateway.call<{ leases?: { ID?: string }[] }>('/v3/lease/leases', '{}');
  const ids = (listed.leases ?? []).map((l) => String(l.ID ?? '')).filter((ID) => /^\d+$/.test(ID));
  const leases = new Set(ids);
  let failure: string | undefined;
  if (ids.length === 0) return { leases, failure, stop: async () => undefined };
  // Renewed at once (the member started moments ago and gave each its full TTL), then due by TTL.
  const due = new Map<string, number>();
  const every = new Map<string, number>();
  const now = (): number => clock.now().getTime();
  await renew(gateway, ids);
  for (const ID of ids) {
    due.set(ID, now() + TICK_MS);
    every.set(ID, TICK_MS);
  }
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await clock.sleep(TICK_MS);
      if (stopped || failure !== undefined) continue;
      const at = now();
      const dueNow = [...due].filter(([, when]) => when <= at).map(([ID]) => ID);
      for (const ID of dueNow) due.set(ID, at + (every.get(ID) ?? TICK_MS));
      if (dueNow.length > 0) {
        await renew(gateway, dueNow).catch((error: unknown) => {
          failure ??= oneLine(error);
        });
      }
    }
  })();
  // The loop already renews every lease at TICK_MS; as TTLs are learnt, long ones are renewed less often.
  try {
    for (let i = 0; i < ids.length; i += BATCH) {
      await Promise.all(ids.slice(i, i + BATCH).map(async (ID) => {
        const ttl = Number((await gateway.call<{ grantedTTL?: string }>('/v3/lease/timetolive', `{"ID":"${ID}"}`)).grantedTTL ?? 0);
        if (ttl > 0) every.set(ID, Math.max(TICK_MS, (ttl * 1000) / 3));
      }));
    }
  } catch (error) {
    stopped = true;
    await loop;
    throw error;
  }
  return {
    leases,
    get failure() {
      return failure;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
};
