// Diagnosis of the first-year effect (README "The synthetic province"): for every pensioner
// alive at the end, the day their certification fell due (registry lastCertifiedAt + cycle −
// reminder months) against the arrival of the first file carrying a strong record of theirs
// in the year. Run: npx tsx bench/first-year.ts --pensioners 10000 --seed 1 [--start legacy|steady]
// Prints the shares, and writes one line per person (id, due, first strong arrival) to --out.
// With --acted bench-results/province-acted.tsv (written by `npm run bench` of the same province),
// the same split for those who had to act.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { addMonths } from '../src/domain/calendar.ts';
import { SimulationContext, STRONG_KINDS, type StartMode } from '../src/simulate/model.ts';

const { values } = parseArgs({
  options: {
    pensioners: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: 'steady' },
    out: { type: 'string' },
    acted: { type: 'string' },
  },
});
const ctx = new SimulationContext({ pensioners: Number(values.pensioners), seed: Number(values.seed), startCertifications: values.start as StartMode });
const DUE_AFTER_MONTHS = 10; // policy/default.json: cycleMonths 12 − reminderMonths 2
let living = 0;
let dueInYear = 0;
let dueBeforeFirstStrong = 0;
let dueNoStrong = 0;
let strongFirst = 0;
let neverDue = 0;
/** Due at some point in the year although a strong record arrived in it: a gap of more than the due delay between records. */
let dueBetweenStrong = 0;
/** Never due in the year: a strong record arrived before each due date (the records alone kept them certified). */
let keptByRecords = 0;
const rows: string[] = [];
const acted = values.acted
  ? new Map(
      readFileSync(values.acted, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    )
  : null;
const actedSplit = { n: 0, dueBeforeFirstStrong: 0, noStrong: 0, dueBetweenStrong: 0, otherwise: 0 };
ctx.resetPass();
for (let i = 0; i < ctx.total; i++) {
  const p = ctx.generatePerson(i);
  if (!p.truth || !p.registry || !p.truth.aliveAtEnd || p.truth.custodialPeriods.length) continue;
  living++;
  const last = p.registry.lastCertifiedAt;
  const due = last === undefined ? ctx.start : addMonths(last, DUE_AFTER_MONTHS);
  let first: string | null = null;
  const strong: { occurred: string; arrives: string }[] = [];
  for (const l of p.lines) {
    const e = l.event;
    if (l.cls !== 'event' || !STRONG_KINDS.has(e.kind) || (e.check !== 'biometric' && e.check !== 'id_document')) continue;
    const arr = ctx.date(l.arrival);
    strong.push({ occurred: ctx.date(e.day), arrives: arr });
    if (first === null || arr < first) first = arr;
  }
  // After the first strong record: due again if the next one arrives more than the due delay after the last.
  strong.sort((a, b) => (a.arrives < b.arrives ? -1 : a.arrives > b.arrives ? 1 : 0));
  let cert = last ?? ctx.start;
  let dueLater = false;
  for (const x of strong) {
    if (first !== null && x.arrives > first && addMonths(cert, DUE_AFTER_MONTHS) < x.arrives) dueLater = true;
    if (x.occurred > cert) cert = x.occurred;
  }
  if (strong.length && addMonths(cert, DUE_AFTER_MONTHS) < ctx.end) dueLater = true;
  const dueWithin = due < ctx.end;
  if (!dueWithin) neverDue++;
  else {
    dueInYear++;
    if (first === null) dueNoStrong++;
    else if (first > due) dueBeforeFirstStrong++;
    else strongFirst++;
    if (first !== null && !(first > due) && dueLater) dueBetweenStrong++;
  }
  if (first !== null && !(first > due) && !dueLater) keptByRecords++;
  rows.push(`${p.nationalId}\t${due}\t${first ?? ''}`);
  if (acted?.has(p.nationalId)) {
    actedSplit.n++;
    if (first === null) actedSplit.noStrong++;
    else if (first > due) actedSplit.dueBeforeFirstStrong++;
    else if (dueLater) actedSplit.dueBetweenStrong++;
    else actedSplit.otherwise++;
  }
}
const pct = (n: number) => `${((100 * n) / living).toFixed(2)}%`;
console.log(`start certifications: ${values.start}; living (never in custody): ${living}`);
console.log(`fall due before the end of the year unless a strong record arrives first: ${dueInYear} = ${pct(dueInYear)}`);
console.log(`  due before their first strong record of the year arrived: ${dueBeforeFirstStrong} = ${pct(dueBeforeFirstStrong)}`);
console.log(`  due with no strong record in the year at all: ${dueNoStrong} = ${pct(dueNoStrong)}`);
console.log(`  first strong record arrived before due: ${strongFirst} = ${pct(strongFirst)}`);
console.log(
  `    of whom due later in the year (a gap of more than ${DUE_AFTER_MONTHS} months between strong records): ${dueBetweenStrong} = ${pct(dueBetweenStrong)}`,
);
console.log(`not due within the year: ${neverDue} = ${pct(neverDue)}`);
if (acted) {
  const a = actedSplit;
  const of = (n: number) => `${n} = ${((100 * n) / Math.max(1, a.n)).toFixed(1)}%`;
  console.log(
    `of the ${a.n} living who had to act (${pct(a.n)} of the living): due before their first strong record arrived ${of(a.dueBeforeFirstStrong)}; no strong record in the year ${of(a.noStrong)}; due later, between strong records ${of(a.dueBetweenStrong)}; none of these ${of(a.otherwise)}`,
  );
  // Issue 13's "living with at least one strong record in their window", read strictly: every
  // due date of the year had a strong record arrive before it. Only the service can make these act.
  console.log(
    `kept certified by their strong records alone (never due): ${keptByRecords} = ${pct(keptByRecords)}; of them did not have to act: ${keptByRecords - a.otherwise} = ${((100 * (keptByRecords - a.otherwise)) / Math.max(1, keptByRecords)).toFixed(2)}%`,
  );
}
if (values.out) writeFileSync(values.out, rows.join('\n') + '\n');
