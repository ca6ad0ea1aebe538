// The flags of `npm run bench` (usage in bench/province.ts), read once into numbers.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { START_MODES, type StartMode } from '../../src/simulate/model.ts';

export interface Options {
  pensioners: number;
  seed: number;
  /** The registry's certifications: as the service left them after a year (steady), or a first year (legacy). */
  start: StartMode;
  /** Where the simulation is written, or found again: simulating is the slow part at large sizes. */
  dir: string;
  /** Undefined with --no-redis: the service then queues on PostgreSQL. */
  redisUrl: string | undefined;
  parallelUploads: number;
  lookupSeconds: number;
  lookupConnections: number;
  port: number;
  keepDb: boolean;
  /** Staff visits per 1000 pensioners per month (0: nobody works the manual-check queue). */
  visits: number;
  /** Worker processes (a deployment runs one per core). */
  workers: number;
  /** Chance that a visit finds nobody at home. */
  unreachable: number;
  /** Staff visit every open check, not only those the service says are ready (`?ready=true`): the behaviour before visitFrom. */
  visitWhenDue: boolean;
  /** The service's VISIT_LEAD_DAYS (undefined: its default). */
  visitLeadDays: number | undefined;
  /** Skip the raw COPY + merge ceiling (a quarter hour at 1M) when only the year's decisions are wanted. */
  noCeiling: boolean;
}

export function parseOptions(): Options {
  const { values: args } = parseArgs({
    options: {
      pensioners: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      start: { type: 'string', default: 'steady' },
      dir: { type: 'string' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'no-redis': { type: 'boolean', default: false },
      parallel: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '15' },
      connections: { type: 'string', default: '50' },
      port: { type: 'string', default: '3111' },
      'keep-db': { type: 'boolean', default: false },
      visits: { type: 'string', default: '25' },
      workers: { type: 'string', default: '1' },
      unreachable: { type: 'string', default: '0.05' },
      'visit-when-due': { type: 'boolean', default: false },
      'visit-lead-days': { type: 'string' },
      'no-ceiling': { type: 'boolean', default: false },
    },
  });
  const pensioners = Number(args.pensioners);
  const seed = Number(args.seed);
  const start = args.start as StartMode;
  if (!START_MODES.includes(start)) throw new Error(`--start must be one of ${START_MODES.join(', ')}`);
  return {
    pensioners,
    seed,
    start,
    dir: path.resolve(args.dir ?? `/tmp/pc-province-${pensioners}-s${seed}-${start}`),
    redisUrl: args['no-redis'] ? undefined : args.redis,
    parallelUploads: Math.max(1, Number(args.parallel)),
    lookupSeconds: Number(args.seconds),
    lookupConnections: Number(args.connections),
    port: Number(args.port),
    keepDb: args['keep-db'],
    visits: Number(args.visits),
    workers: Math.max(1, Number(args.workers)),
    unreachable: Number(args.unreachable),
    visitWhenDue: args['visit-when-due'],
    visitLeadDays: args['visit-lead-days'] === undefined ? undefined : Number(args['visit-lead-days']),
    noCeiling: args['no-ceiling'],
  };
}
