// Phase 11: status lookups through the service against a bare Fastify + pg peer (bench/lib.ts),
// and the processes' peak memory after the whole run.
import { compareLookups, log, rssOf, waitForQueuesIdle, type LookupComparison } from '../lib.ts';
import type { Options } from './options.ts';
import type { Service } from './service.ts';

export interface Rss {
  apiPeakBytes: number;
  workerPeakBytes: number;
}

export async function measureLookups(o: Options, s: Service, nationalIds: string[]): Promise<{ lookups: LookupComparison; rss: Rss }> {
  // Measured on a quiet service, as the bare peer is: the visits' rescoring finishes first.
  await waitForQueuesIdle(s.queues, ['ingest-batch', 'rescore', 'daily-sweep']);
  const lookups = await compareLookups({
    databaseUrl: s.url,
    serviceBase: s.base,
    secret: s.bureauKey,
    pick: () => nationalIds[Math.floor(Math.random() * nationalIds.length)]!,
    seconds: o.lookupSeconds,
    connections: o.lookupConnections,
    barePort: o.port + 2,
    servicePid: s.api().child.pid,
    log,
  });
  const rss = { apiPeakBytes: rssOf(s.api().child.pid!), workerPeakBytes: Math.max(...s.workers().map((w) => rssOf(w.child.pid!))) };
  return { lookups, rss };
}
