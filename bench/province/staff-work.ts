// Phase 8: service-point staff work the manual-check queue (bench/staff-visits.ts plays them).
// Visits are action, not data: their outcome is counted apart from what data alone decided.
import { shanghaiDate, type IsoDate } from '../../src/domain/calendar.ts';
import { countyCapacity, workManualChecks, type CountyStaff, type StaffResult, type WorldPerson } from '../staff-visits.ts';
import { createKeys, log } from '../lib.ts';
import { bar } from './progress.ts';
import type { Options } from './options.ts';
import type { Service } from './service.ts';
import { inCustodyAtEnd, truthRecords, type Province } from './simulation.ts';

export interface StaffWork {
  /** Null when --visits 0: nobody works the queue. */
  staff: StaffResult | null;
  months: number;
  /** Status after the visits of everyone a visit changed. */
  statusAfterVisits: Map<string, string>;
  today: IsoDate;
}

/** The world knows who has died (and when) and who is in custody; everyone else is alive and at home. */
async function readWorld(p: Province): Promise<Map<string, WorldPerson>> {
  const world = new Map<string, WorldPerson>();
  for await (const t of truthRecords(p)) {
    const inCustody = inCustodyAtEnd(t, p.manifest.end);
    if (t.deathDate !== null || inCustody) world.set(t.nationalId, { deathDate: t.deathDate, inCustody });
  }
  return world;
}

/** Largest county first, so that the longest queue starts earliest. */
async function countyStaff(s: Service, pensionersByCounty: Map<string, number>): Promise<CountyStaff[]> {
  const counties = [...pensionersByCounty].sort((x, y) => y[1] - x[1]);
  const keys = await createKeys(
    s.url,
    counties.flatMap(([region]) => [
      { role: 'staff', name: `bench-staff-${region}`, region },
      { role: 'bureau', name: `bench-queue-${region}`, region },
    ]),
  );
  return counties.map(([regionCode, pensioners], i) => ({ regionCode, pensioners, staffKey: keys[2 * i]!, bureauKey: keys[2 * i + 1]! }));
}

async function statusesOf(s: Service, nationalIds: string[]): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  for (let i = 0; i < nationalIds.length; i += 1000) {
    const r = await fetch(`${s.base}/v1/certifications/query`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify({ nationalIds: nationalIds.slice(i, i + 1000) }),
    });
    if (!r.ok) throw new Error(`certification query: ${r.status} ${await r.text()}`);
    for (const it of ((await r.json()) as { results: { nationalId: string; status: string }[] }).results) statuses.set(it.nationalId, it.status);
  }
  return statuses;
}

async function visit(o: Options, s: Service, counties: CountyStaff[], world: Map<string, WorldPerson>, months: number, today: IsoDate): Promise<StaffResult> {
  const b = bar(
    'staff visits [{bar}] {value}/{total} visits',
    counties.reduce((n, c) => n + countyCapacity(c.pensioners, o.visits, months), 0),
  );
  const staff = await workManualChecks({
    base: s.base,
    counties,
    visitsPerThousandPerMonth: o.visits,
    months,
    unreachable: o.unreachable,
    seed: o.seed,
    today,
    world: (id) => world.get(id) ?? { deathDate: null, inCustody: false },
    onVisit: () => b.increment(),
  });
  b.stop();
  log(
    `staff: ${staff.visits.toLocaleString()} visits of ${staff.capacity.toLocaleString()} possible in ${staff.seconds.toFixed(1)} s (alive ${staff.foundAlive}, deceased ${staff.foundDeceased}, unreachable ${staff.unreachable}, errors ${staff.errors})`,
  );
  for (const e of staff.firstErrors) log(`  staff error: ${e}`);
  return staff;
}

export async function staffWork(o: Options, p: Province, s: Service, pensionersByCounty: Map<string, number>): Promise<StaffWork> {
  const world = await readWorld(p);
  // Staff capacity is credited for the whole simulated period, in months.
  const months = Math.round((Date.parse(p.manifest.end) - Date.parse(p.manifest.start)) / (30.4375 * 86_400_000));
  const counties = await countyStaff(s, pensionersByCounty);
  const today = shanghaiDate(s.now());
  if (o.visits > 0) {
    const staff = await visit(o, s, counties, world, months, today);
    return { staff, months, statusAfterVisits: await statusesOf(s, [...staff.touched]), today };
  }
  return { staff: null, months, statusAfterVisits: new Map(), today };
}
