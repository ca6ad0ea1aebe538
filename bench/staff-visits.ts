// The province's service-point staff, played by the province benchmark: in each county a
// member of staff works the manual-check queue in the service's priority order, up to a
// capacity, and records what a visit finds. They work the checks the service says are worth a
// visit today (`?ready=true`: a due check waits while the reminders work on the person), or,
// with `visitWhenDue`, every open check as before. The benchmark is the world, so "what staff find"
// comes from the simulation's truth; the service only ever sees the outcomes staff record,
// through the public staff API (claim, resolve), with keys scoped to the county.
import { hash32 } from '../src/simulate/prng.ts';

export interface CountyStaff {
  regionCode: string;
  pensioners: number;
  /** Staff key scoped to the county: claims and resolves. */
  staffKey: string;
  /**
   * Bureau key scoped to the same county: reads the queue unmasked. Staff responses mask the
   * national ID; in the world the staff page's person is a real person at a real address, and
   * the benchmark needs the full ID only to look that person up in the truth.
   */
  bureauKey: string;
}

/** What the world knows about a pensioner at the time of the visits. */
export interface WorldPerson {
  deathDate: string | null;
  inCustody: boolean;
}

export interface StaffOptions {
  base: string;
  counties: CountyStaff[];
  /** Visits each month per 1000 pensioners of the county. */
  visitsPerThousandPerMonth: number;
  /** Months of staff work credited (one at a time: bench/province/year.ts works the queue each month). */
  months: number;
  /** Visits already made to each person in the period (kept across months: staff give up after MAX_ATTEMPTS). */
  attempts?: Map<string, number>;
  /** Chance that a visit finds nobody at home (the check goes back, higher up the queue). */
  unreachable: number;
  seed: number;
  /** Calendar date of the visits (Asia/Shanghai), to tell who had died by then. */
  today: string;
  world: (nationalId: string) => WorldPerson;
  /** Counties worked at the same time. */
  concurrency?: number;
  /** Visits under way at the same time in one county. */
  staffPerCounty?: number;
  onVisit?: () => void;
  /** Visit every open check, also those the service says are waiting for the reminders (the behaviour before `ready`). */
  visitWhenDue?: boolean;
  /** How requests reach the service (tests pass the app's inject). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export interface StaffResult {
  capacity: number;
  visits: number;
  foundAlive: number;
  foundDeceased: number;
  unreachable: number;
  /** Checks resolved by an earlier visit to the same person (no visit spent). */
  alreadyResolved: number;
  errors: number;
  firstErrors: string[];
  /** People whose certification a visit changed (found alive or dead). */
  touched: Set<string>;
  seconds: number;
}

/** Staff stop trying to reach a person after this many visits in the period. */
export const MAX_ATTEMPTS = 3;

interface QueueItem {
  id: string;
  nationalId: string;
}

/** Capacity of one county over the period: whole visits, rounded. */
export function countyCapacity(pensioners: number, perThousandPerMonth: number, months: number): number {
  return Math.round((pensioners * perThousandPerMonth * months) / 1000);
}

export async function workManualChecks(o: StaffOptions): Promise<StaffResult> {
  const t0 = Date.now();
  const r: StaffResult = {
    capacity: 0,
    visits: 0,
    foundAlive: 0,
    foundDeceased: 0,
    unreachable: 0,
    alreadyResolved: 0,
    errors: 0,
    firstErrors: [],
    touched: new Set(),
    seconds: 0,
  };
  const fail = (s: string) => {
    r.errors++;
    if (r.firstErrors.length < 5) r.firstErrors.push(s);
  };
  const attempts = o.attempts ?? new Map<string, number>();

  async function call(path: string, key: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res: Response = await (o.fetch ?? fetch)(`${o.base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  }

  /**
   * One visit. Found alive or dead: recorded as an in-person check, which answers every open
   * check on the person at once (one request). Nobody at home: the check is claimed and
   * resolved `unreachable`, which sends it back up the queue. 'skipped' when no visit was
   * needed (answered meanwhile, or given up on).
   */
  async function visit(c: CountyStaff, item: QueueItem): Promise<'answered' | 'unreachable' | 'skipped'> {
    const n = attempts.get(item.nationalId) ?? 0;
    if (n >= MAX_ATTEMPTS) return 'skipped';
    const who = o.world(item.nationalId);
    const servicePointId = `sp-${c.regionCode}`;
    const dead = who.deathDate !== null && who.deathDate <= o.today;
    const away =
      !dead &&
      (who.inCustody ||
        hash32(o.seed ^ hash32(n + 1, 0x51af), hash32(Number(item.nationalId.slice(0, 9)), Number(item.nationalId.slice(9, 17)))) / 2 ** 32 < o.unreachable);
    if (away) {
      const claim = await call(`/v1/manual-checks/${item.id}/claim`, c.staffKey, { servicePointId });
      if (claim.status === 409) {
        r.alreadyResolved++;
        return 'skipped';
      }
      if (claim.status !== 200) {
        fail(`claim ${claim.status} ${JSON.stringify(claim.json)}`);
        return 'skipped';
      }
      attempts.set(item.nationalId, n + 1);
      const res = await call(`/v1/manual-checks/${item.id}/resolve`, c.staffKey, { outcome: 'unreachable', note: 'nobody at home', servicePointId });
      if (res.status !== 200) fail(`resolve unreachable ${res.status} ${JSON.stringify(res.json)}`);
      else r.unreachable++;
      return 'unreachable';
    }
    attempts.set(item.nationalId, n + 1);
    const body = dead
      ? { servicePointId, outcome: 'deceased', method: 'home_visit', deathDate: who.deathDate, note: 'relatives report the death' }
      : { servicePointId, outcome: 'alive', method: 'home_visit' };
    const res = await call(`/v1/pensioners/${item.nationalId}/in-person-checks`, c.staffKey, body);
    if (res.status !== 201) {
      fail(`in-person check ${body.outcome} ${res.status} ${JSON.stringify(res.json)}`);
      return 'answered';
    }
    if (dead) r.foundDeceased++;
    else r.foundAlive++;
    r.touched.add(item.nationalId);
    return 'answered';
  }

  async function workCounty(c: CountyStaff): Promise<void> {
    let left = countyCapacity(c.pensioners, o.visitsPerThousandPerMonth, o.months);
    r.capacity += left;
    // Passes over the queue in priority order; a check nobody answered goes back higher up
    // and is tried again in the next pass, while capacity lasts.
    while (left > 0) {
      let cursor: string | null = null;
      let visited = 0;
      do {
        const ready = o.visitWhenDue ? '' : '&ready=true';
        const q = `/v1/manual-checks?status=open${ready}&limit=${Math.min(1000, Math.max(left, 1))}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call(q, c.bureauKey);
        if (page.status !== 200) {
          fail(`queue ${page.status} ${JSON.stringify(page.json)}`);
          return;
        }
        const { items, nextCursor } = page.json as { items: QueueItem[]; nextCursor: string | null };
        // Several members of staff per county; two checks on one person go to the same one.
        const byPerson = new Map<string, QueueItem[]>();
        for (const item of items) byPerson.set(item.nationalId, [...(byPerson.get(item.nationalId) ?? []), item]);
        const people = [...byPerson.values()];
        await Promise.all(
          Array.from({ length: o.staffPerCounty ?? 4 }, async () => {
            for (let mine = people.shift(); mine && left > 0; mine = people.shift()) {
              for (const item of mine) {
                if (left <= 0) break;
                left--; // reserved before the visit, so staff working together never exceed capacity
                const v = await visit(c, item);
                if (v === 'skipped') {
                  left++;
                  continue;
                }
                visited++;
                r.visits++;
                o.onVisit?.();
                if (v === 'answered') break; // the person's other checks are answered with it
              }
            }
          }),
        );
        cursor = nextCursor;
      } while (cursor && left > 0);
      if (visited === 0) return;
    }
  }

  const todo = [...o.counties];
  await Promise.all(
    Array.from({ length: Math.max(1, o.concurrency ?? 8) }, async () => {
      for (let c = todo.shift(); c; c = todo.shift()) await workCounty(c);
    }),
  );
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}
