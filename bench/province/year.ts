// Phases 5–8: the simulated year, a month at a time. The service clock is stepped to each
// month's first day (the processes restart with CLOCK_START there); at each step:
//   1. the pensioners answer last step's reminders (src/simulate/responses.ts): face checks
//      pushed as `self_service` events carrying the reminder's code, dated within the month;
//   2. the month's department files are uploaded (mapped ones with their interface mapping)
//      and ingested, rescoring drained;
//   3. service-point staff work the queue for the month (bench/province/staff-work.ts);
//   4. the daily sweep runs (lapses, checks, reminders), and the reminders it queued go out
//      through the SMS gateway, which is this bench (it records who got which code).
// Step 0 is the start: the sweep only. The truth is read here only, to play the world.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addDays, addMonths, type IsoDate } from '../../src/domain/calendar.ts';
import type { Persona, TruthRecord } from '../../src/simulate/model.ts';
import type { ManifestFile } from '../../src/simulate/simulate.ts';
import { answerReminder } from '../../src/simulate/responses.ts';
import type { StaffResult, WorldPerson } from '../staff-visits.ts';
import { log, waitForQueuesIdle } from '../lib.ts';
import { ingestFigures, ingestFiles, type BatchStatus, type Ingest, type IngestTimes } from './ingest.ts';
import type { Options } from './options.ts';
import type { Service } from './service.ts';
import { ndjsonLines, truthRecords, type Province } from './simulation.ts';
import { addStaff, countyStaff, visitMonth } from './staff-work.ts';
import { runDailySweep } from './sweep.ts';

interface Sms {
  phone: string;
  code: string;
  round: 1 | 2;
}

/** The SMS gateway the service sends reminders to: it keeps each message until the bench takes it. */
export async function smsGateway(): Promise<{ url: string; take: () => Sms[]; close: () => Promise<void> }> {
  let inbox: Sms[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      try {
        const m = JSON.parse(body) as { to: string; params: { code: string } };
        // Idempotency-Key remind-<pensioner>-<dueFrom>[-<round>]: round 2 is the only suffix.
        const key = String(req.headers['idempotency-key'] ?? '');
        inbox.push({ phone: m.to, code: m.params.code, round: /-\d{4}-\d{2}-\d{2}-2$/.test(key) ? 2 : 1 });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"queued"}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/messages`,
    take: () => {
      const out = inbox;
      inbox = [];
      return out;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** What the world knows of one pensioner. */
interface Person {
  nationalId: string;
  persona: Persona;
  deathDate: IsoDate | null;
  custodialPeriods: TruthRecord['custodialPeriods'];
}

async function readPeople(p: Province): Promise<{ byId: Map<string, Person>; byPhone: Map<string, string> }> {
  const byId = new Map<string, Person>();
  for await (const t of truthRecords(p)) {
    byId.set(t.nationalId, { nationalId: t.nationalId, persona: t.persona, deathDate: t.deathDate, custodialPeriods: t.custodialPeriods });
  }
  const byPhone = new Map<string, string>();
  for await (const line of ndjsonLines(p, p.manifest.registry.path)) {
    const r = JSON.parse(line) as { nationalId: string; phone?: string };
    if (r.phone && !byPhone.has(r.phone)) byPhone.set(r.phone, r.nationalId);
  }
  return { byId, byPhone };
}

const inCustodyOn = (x: Person, day: IsoDate) => x.custodialPeriods.some((c) => c.start <= day && (c.end === null || c.end > day));

function worldOn(people: Map<string, Person>, today: IsoDate): (id: string) => WorldPerson {
  return (id) => {
    const x = people.get(id);
    if (!x) return { deathDate: null, inCustody: false };
    return { deathDate: x.deathDate, inCustody: inCustodyOn(x, today) };
  };
}

/** Month boundaries from the start to the end (both included). */
export function monthSteps(start: IsoDate, end: IsoDate): IsoDate[] {
  const steps: IsoDate[] = [];
  for (let k = 0; addMonths(start, k) < end; k++) steps.push(addMonths(start, k));
  steps.push(end);
  return steps;
}

const midnight = (d: IsoDate) => new Date(`${d}T00:00:00+08:00`);
const clockOf = (sec: number) => [Math.floor(sec / 3600), Math.floor(sec / 60) % 60, sec % 60].map((n) => String(n).padStart(2, '0')).join(':');

export interface Reminders {
  sent: number;
  sentRound2: number;
  /** Messages whose phone is no pensioner's (never expected). */
  unknownPhone: number;
  answeredFace: number;
  answeredFailed: number;
  /** Reminders not answered because the person had died (or was in custody) by the answer's day. */
  notAnsweredDead: number;
  pushRejected: number;
}

/** Face checks answering last step's messages, dated within the month that followed them. */
function answers(
  seed: number,
  inbox: Sms[],
  sentOn: IsoDate,
  people: { byId: Map<string, Person>; byPhone: Map<string, string> },
  r: Reminders,
  acted: Set<string>,
) {
  const events: Record<string, unknown>[] = [];
  for (const m of inbox) {
    const id = people.byPhone.get(m.phone);
    const x = id === undefined ? undefined : people.byId.get(id);
    if (!x) {
      r.unknownPhone++;
      continue;
    }
    const attempts = answerReminder(seed, x.nationalId, x.persona, m.round);
    attempts.forEach((a, i) => {
      const day = addDays(sentOn, 1 + a.afterDays);
      if ((x.deathDate !== null && x.deathDate <= day) || inCustodyOn(x, day)) {
        if (i === 0) r.notAnsweredDead++;
        return;
      }
      acted.add(x.nationalId);
      if (a.kind === 'face') r.answeredFace++;
      else r.answeredFailed++;
      events.push({
        nationalId: x.nationalId,
        source: 'self_service',
        kind: a.kind,
        occurredAt: `${day}T${clockOf(a.sec)}+08:00`,
        sourceRef: `NCP${sentOn.replaceAll('-', '')}${m.round}${i}${x.nationalId}`,
        identityCheck: 'biometric',
        reminderCode: m.code,
      });
    });
  }
  return events;
}

async function push(s: Service, events: Record<string, unknown>[], r: Reminders): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const res = await fetch(`${s.base}/v1/events`, {
      method: 'POST',
      headers: { ...s.admin, 'content-type': 'application/json' },
      body: JSON.stringify(events.slice(i, i + 1000)),
    });
    const a = (await res.json()) as { rejected?: unknown[] };
    if (res.status !== 202) throw new Error(`self-service push: ${res.status} ${JSON.stringify(a)}`);
    r.pushRejected += a.rejected?.length ?? 0;
    if (a.rejected?.length && r.pushRejected <= a.rejected.length) log(`self-service push rejected: ${JSON.stringify(a.rejected.slice(0, 3))}`);
  }
}

/** Seconds the simulated year spent in each part of the monthly loop (where the bench's time goes). */
export interface PhaseSeconds {
  restart: number;
  answers: number;
  ingest: number;
  staff: number;
  sweep: number;
  reminders: number;
}

export interface Year {
  ingest: Ingest;
  phases: PhaseSeconds;
  /** Seconds of each month's sweep (step 0 first). */
  sweepSeconds: number[];
  staff: StaffResult | null;
  months: number;
  reminders: Reminders;
  /** Living or not, everyone who answered a reminder or was found alive by a visit. */
  acted: Set<string>;
  /** Of those, who answered a reminder (the rest were only visited). */
  answered: Set<string>;
  today: IsoDate;
}

export async function simulateTheYear(
  o: Options,
  p: Province,
  s: Service,
  sms: Awaited<ReturnType<typeof smsGateway>>,
  pensionersByCounty: Map<string, number>,
): Promise<Year> {
  const people = await readPeople(p);
  const counties = o.visits > 0 ? await countyStaff(s, pensionersByCounty) : [];
  const steps = monthSteps(p.manifest.start, p.manifest.end);
  const reminders: Reminders = { sent: 0, sentRound2: 0, unknownPhone: 0, answeredFace: 0, answeredFailed: 0, notAnsweredDead: 0, pushRejected: 0 };
  const acted = new Set<string>();
  const answered = new Set<string>();
  const attempts = new Map<string, number>();
  const final: BatchStatus[] = [];
  const times: IngestTimes = { upload: 0, batches: 0, tail: 0 };
  const sweepSeconds: number[] = [];
  let staff: StaffResult | null = null;
  let inbox: Sms[] = [];
  const phases: PhaseSeconds = { restart: 0, answers: 0, ingest: 0, staff: 0, sweep: 0, reminders: 0 };
  let lap = Date.now();
  const timed = (phase: keyof PhaseSeconds) => {
    const now = Date.now();
    phases[phase] += (now - lap) / 1000;
    lap = now;
  };

  for (let k = 0; k < steps.length; k++) {
    const today = steps[k]!;
    const monthStarted = Date.now();
    lap = monthStarted;
    if (k > 0) await s.restartAt(midnight(today));
    timed('restart');
    log(`— step ${k}: service clock ${today}`);
    if (k > 0) {
      await push(s, answers(o.seed, inbox, steps[k - 1]!, people, reminders, answered), reminders);
      for (const id of answered) acted.add(id);
      timed('answers');
      const last = k === steps.length - 1;
      const files = p.files.filter((f: ManifestFile) => f.arrivesOn >= steps[k - 1]! && (last || f.arrivesOn < today));
      const month = await ingestFiles(p, s, o.parallelUploads, files);
      final.push(...month.final);
      times.upload += month.times.upload;
      times.batches += month.times.batches;
      times.tail += month.times.tail;
      timed('ingest');
      if (o.visits > 0) {
        const world = worldOn(people.byId, today);
        const result = await visitMonth(o, s, counties, world, today, attempts);
        for (const id of result.touched) if (world(id).deathDate === null || world(id).deathDate! > today) acted.add(id);
        staff = addStaff(staff, result);
      }
      timed('staff');
    }
    sweepSeconds.push(await runDailySweep(s));
    timed('sweep');
    await waitForQueuesIdle(s.queues, ['notify']);
    inbox = sms.take();
    timed('reminders');
    log(
      `step ${k} took ${((Date.now() - monthStarted) / 1000).toFixed(0)} s; so far ${Object.entries(phases)
        .map(([x, v]) => `${x} ${v.toFixed(0)} s`)
        .join(', ')}`,
    );
    if (k === steps.length - 1) break; // the year is over: nobody answers these
    reminders.sent += inbox.length;
    reminders.sentRound2 += inbox.filter((m) => m.round === 2).length;
    log(`reminders sent at ${today}: ${inbox.length}`);
  }
  return { ingest: ingestFigures(p, final, times), phases, sweepSeconds, staff, months: steps.length - 1, reminders, acted, answered, today: steps.at(-1)! };
}
