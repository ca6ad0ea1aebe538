// Service-point staff work the manual-check queue month by month through the simulated year
// (bench/staff-visits.ts plays them; bench/province/year.ts calls them once a month, with the
// service clock on the month's end): a person held before a visit is counted as held.
import type { IsoDate } from '../../src/domain/calendar.ts';
import { countyCapacity, workManualChecks, type CountyStaff, type StaffResult, type WorldPerson } from '../staff-visits.ts';
import { createKeys, log } from '../lib.ts';
import { bar } from './progress.ts';
import type { Options } from './options.ts';
import type { Service } from './service.ts';

export interface StaffWork {
  /** Null when --visits 0: nobody works the queue. */
  staff: StaffResult | null;
  months: number;
  today: IsoDate;
}

/** Largest county first, so that the longest queue starts earliest. */
export async function countyStaff(s: Service, pensionersByCounty: Map<string, number>): Promise<CountyStaff[]> {
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

/** One month of visits, on `today` (the service's date), as the world stands that day. */
export async function visitMonth(
  o: Options,
  s: Service,
  counties: CountyStaff[],
  world: (nationalId: string) => WorldPerson,
  today: IsoDate,
  attempts: Map<string, number>,
): Promise<StaffResult> {
  const b = bar(
    'staff visits [{bar}] {value}/{total} visits',
    counties.reduce((n, c) => n + countyCapacity(c.pensioners, o.visits, 1), 0),
  );
  const staff = await workManualChecks({
    base: s.base,
    counties,
    visitsPerThousandPerMonth: o.visits,
    months: 1,
    attempts,
    unreachable: o.unreachable,
    seed: o.seed,
    today,
    world,
    visitWhenDue: o.visitWhenDue,
    onVisit: () => b.increment(),
  });
  b.stop();
  log(
    `staff ${today}: ${staff.visits.toLocaleString()} visits of ${staff.capacity.toLocaleString()} possible (alive ${staff.foundAlive}, deceased ${staff.foundDeceased}, unreachable ${staff.unreachable}, errors ${staff.errors})`,
  );
  for (const e of staff.firstErrors) log(`  staff error: ${e}`);
  return staff;
}

/** The year's visits as one result. */
export function addStaff(a: StaffResult | null, b: StaffResult): StaffResult {
  if (a === null) return { ...b, touched: new Set(b.touched), firstErrors: [...b.firstErrors] };
  for (const id of b.touched) a.touched.add(id);
  a.capacity += b.capacity;
  a.visits += b.visits;
  a.foundAlive += b.foundAlive;
  a.foundDeceased += b.foundDeceased;
  a.unreachable += b.unreachable;
  a.alreadyResolved += b.alreadyResolved;
  a.errors += b.errors;
  a.firstErrors = [...a.firstErrors, ...b.firstErrors].slice(0, 5);
  a.seconds += b.seconds;
  return a;
}
