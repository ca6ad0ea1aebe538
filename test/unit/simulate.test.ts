import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageOn } from '../../src/domain/calendar.ts';
import { isValidNationalId, parseNationalId } from '../../src/domain/national-id.ts';
import { DEFAULT_OPTIONS, MORTALITY_MULTIPLIER, PERSONAS, annualDeathProbability, personaWeights, type Persona } from '../../src/simulate/model.ts';
import { REGION_NAMES, SICHUAN_REGIONS, regionName } from '../../src/simulate/regions.ts';
import { SimulationContext, directorySink, feedEvent, generatePeople, simulateProvince, type Manifest, type SimPerson } from '../../src/simulate/simulate.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'simulate-'));
  dirs.push(d);
  return d;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(path.join(root, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('simulateProvince: files', () => {
  let a: string;
  let b: string;
  let manifest: Manifest;

  beforeAll(async () => {
    a = tempDir();
    b = tempDir();
    await simulateProvince({ pensioners: 300, seed: 42 }, directorySink(a));
    // Different window width: files are written in a different number of passes.
    await simulateProvince({ pensioners: 300, seed: 42, windowDays: 10 }, directorySink(b));
    manifest = JSON.parse(readFileSync(path.join(a, 'manifest.json'), 'utf8')) as Manifest;
  });

  it('same seed twice gives identical bytes', () => {
    const filesA = listFiles(a);
    const filesB = listFiles(b);
    expect(filesA).toEqual(filesB);
    expect(filesA.length).toBeGreaterThan(100);
    for (const f of filesA) {
      expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f).toBe(true);
    }
  });

  it('a different seed gives a different province', async () => {
    const c = tempDir();
    await simulateProvince({ pensioners: 300, seed: 43 }, directorySink(c));
    expect(readFileSync(path.join(c, 'registry.ndjson')).equals(readFileSync(path.join(a, 'registry.ndjson')))).toBe(false);
  });

  it('manifest lists every feed file with its counts, in arrival order', () => {
    const feedFiles = listFiles(a).filter((f) => f.startsWith('feeds/'));
    expect(manifest.files.map((f) => f.path).sort()).toEqual(feedFiles.sort());
    const arrivals = manifest.files.map((f) => f.arrivesAt);
    expect([...arrivals].sort()).toEqual(arrivals);
    for (const f of manifest.files) {
      const raw = readFileSync(path.join(a, f.path));
      expect(raw.length).toBe(f.bytes);
      const text = f.charset === 'gbk' ? iconv.decode(raw, 'gbk') : raw.toString('utf8');
      const lines = text.split('\n').filter((l) => l !== '');
      const dataLines = f.contentType === 'text/csv' ? lines.length - 1 : lines.length;
      expect(dataLines, f.path).toBe(f.lines);
      const e = f.expected;
      expect(e.accepted + e.duplicates + e.unmatched + e.rejected).toBe(f.lines);
      expect(f.arrivesOn >= manifest.start && f.arrivesOn <= manifest.end).toBe(true);
    }
    expect(manifest.registry.lines).toBe(300);
    expect(manifest.truth.lines).toBe(300);
  });

  it('registry lines carry the PUT body plus nationalId, all valid', () => {
    const lines = readFileSync(path.join(a, 'registry.ndjson'), 'utf8').trim().split('\n');
    const ids = new Set<string>();
    for (const l of lines) {
      const r = JSON.parse(l) as Record<string, unknown>;
      for (const k of Object.keys(r)) {
        expect(['nationalId', 'name', 'regionCode', 'benefitStartDate', 'monthlyBenefit', 'pensionType', 'lastCertifiedAt', 'phone']).toContain(k);
      }
      const id = String(r.nationalId);
      expect(isValidNationalId(id)).toBe(true);
      ids.add(id);
      expect(String(r.monthlyBenefit)).toMatch(/^\d+\.\d{2}$/);
      expect(String(r.benefitStartDate) < manifest.start).toBe(true);
      if (r.lastCertifiedAt !== undefined) expect(String(r.lastCertifiedAt) < manifest.start).toBe(true);
      if (r.phone !== undefined) expect(String(r.phone)).toMatch(/^1\d{10}$/);
      expect(REGION_NAMES[String(r.regionCode)]).toBeDefined();
      const parsed = parseNationalId(id);
      if (!parsed.ok) throw new Error(`invalid ${id}`);
      const age = ageOn(parsed.value.birthDate, manifest.start);
      expect(age).toBeGreaterThanOrEqual(60);
      expect(age).toBeLessThanOrEqual(105);
    }
    expect(ids.size).toBe(300);
  });

  it('national IDs in the feeds are valid except the deliberately bad lines', () => {
    let invalid = 0;
    let bad = 0;
    for (const f of manifest.files) {
      bad += f.expected.rejected;
      const raw = readFileSync(path.join(a, f.path));
      const text = f.charset === 'gbk' ? iconv.decode(raw, 'gbk') : raw.toString('utf8');
      const lines = text.split('\n').filter((l) => l !== '');
      for (const line of f.contentType === 'text/csv' ? lines.slice(1) : lines) {
        const id = f.contentType === 'text/csv' ? (line.split(',')[0] ?? '') : (/"nationalId":"([^"]*)"/.exec(line)?.[1] ?? '');
        if (id !== '' && !isValidNationalId(id)) invalid++;
      }
    }
    expect(invalid).toBeGreaterThan(0);
    expect(invalid).toBeLessThanOrEqual(bad);
  });

  it('bank files are GBK-encoded Chinese text', () => {
    const bank = manifest.files.filter((f) => f.source === 'bank');
    expect(bank.length).toBeGreaterThan(0);
    expect(bank.every((f) => f.charset === 'gbk' && f.contentType === 'text/csv')).toBe(true);
    const raw = readFileSync(path.join(a, bank[0]!.path));
    const text = iconv.decode(raw, 'gbk');
    expect(text.startsWith('national_id,kind,occurred_at,source_ref,identity_check,location,customer_name,branch_name')).toBe(true);
    expect(text).toMatch(/[\u4e00-\u9fff]{2,}/);
    expect(text).toMatch(/银行|助农取款服务点/);
    // Not UTF-8: decoding it so loses characters.
    expect(raw.toString('utf8')).toContain('\uFFFD');
    // Names in the bank file are the registry's names.
    const names = new Set(
      readFileSync(path.join(a, 'registry.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string }).name),
    );
    const rows = text
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.some((r) => names.has(r[6] ?? ''))).toBe(true);
  });

  it('other feeds: hospital CSV, travel NDJSON, weekly death CSV', () => {
    const kinds = new Set(manifest.files.map((f) => `${f.source}:${f.contentType}:${f.charset}`));
    expect(kinds).toContain('hospital:text/csv:utf-8');
    expect(kinds).toContain('travel:application/x-ndjson:utf-8');
    expect(kinds).toContain('death:text/csv:utf-8');
    const travel = manifest.files.find((f) => f.source === 'travel')!;
    const first = JSON.parse(readFileSync(path.join(a, travel.path), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ source: 'travel' });
    expect(String(first.occurredAt)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  });
});

describe('the population and its records', () => {
  const ctx = new SimulationContext({ pensioners: 4000, seed: 9 });
  const people: SimPerson[] = [...generatePeople(ctx)];
  const pensioners = people.filter((p) => p.pensioner);

  it('generates exactly N pensioners and a few non-pensioners, with unique valid IDs', () => {
    expect(pensioners.length).toBe(4000);
    expect(people.length - pensioners.length).toBe(ctx.nonPensioners);
    const ids = new Set(people.map((p) => p.nationalId));
    expect(ids.size).toBe(people.length);
    for (const p of people) expect(isValidNationalId(p.nationalId), p.nationalId).toBe(true);
    for (const p of pensioners) expect(SICHUAN_REGIONS.some((r) => r.code === p.regionCode)).toBe(true);
  });

  it('every generated event has a valid national ID and arrives after it happened, within the period', () => {
    for (const p of people) {
      for (const l of p.lines) {
        const ev = feedEvent(ctx, p, l);
        expect(isValidNationalId(ev.nationalId)).toBe(true);
        expect(ev.occurredAt < `${ctx.date(l.arrival)}T00:00:00`).toBe(true);
        expect(l.arrival).toBeGreaterThan(l.event.day);
        expect(l.arrival).toBeLessThanOrEqual(ctx.days);
      }
    }
  });

  it('persona shares match the configured mix (age-adjusted)', () => {
    const expected: Record<Persona, number> = { urban_active: 0, rural: 0, frail: 0, isolated: 0 };
    const seen: Record<Persona, number> = { urban_active: 0, rural: 0, frail: 0, isolated: 0 };
    for (const p of pensioners) {
      const w = personaWeights(ageOn(p.birthDate, ctx.start), DEFAULT_OPTIONS.personaMix);
      for (const k of PERSONAS) expected[k] += w[k];
      seen[p.persona]++;
    }
    for (const k of PERSONAS) {
      expect(Math.abs(seen[k] - expected[k]) / pensioners.length, k).toBeLessThan(0.03);
      // And roughly the configured base mix.
      expect(Math.abs(seen[k] / pensioners.length - DEFAULT_OPTIONS.personaMix[k]), k).toBeLessThan(0.1);
    }
  });

  it('deaths follow the age-specific mortality', () => {
    let expected = 0;
    let deaths = 0;
    for (const p of pensioners) {
      const age = ageOn(p.birthDate, ctx.start);
      expected += 1 - Math.pow(1 - annualDeathProbability(age + 0.5), MORTALITY_MULTIPLIER[p.persona]);
      if (p.truth!.deathDate !== null) deaths++;
    }
    expect(deaths).toBeGreaterThan(expected * 0.8);
    expect(deaths).toBeLessThan(expected * 1.2);
    expect(annualDeathProbability(60)).toBeCloseTo(0.01, 3);
    expect(annualDeathProbability(70)).toBeCloseTo(0.025, 2);
    expect(annualDeathProbability(80)).toBeCloseTo(0.065, 2);
    expect(annualDeathProbability(90)).toBeCloseTo(0.16, 2);
  });

  it('no event contradicts the truth', () => {
    let cardAfterDeath = 0;
    let fabricated = 0;
    let deathRecords = 0;
    for (const p of pensioners) {
      const t = p.truth!;
      for (const l of p.lines) {
        const e = l.event;
        const date = ctx.date(e.day);
        if (e.source === 'death') {
          deathRecords++;
          expect(t.deathDate).not.toBeNull();
          expect(ctx.date(e.deathDay!)).toBe(t.deathDate);
          expect(date >= t.deathDate!).toBe(true);
          continue;
        }
        if (e.source === 'judicial') continue;
        if (t.deathDate !== null && date >= t.deathDate) {
          // Strictly after the death: relatives with a card (bank, transport), a lagging
          // committee ledger (no identity check), or a fabricated follow-up (the one record
          // after death that claims an ID check: src/simulate/channels.ts).
          expect(date > t.deathDate).toBe(true);
          if (e.source === 'health') {
            expect(e.kind).toBe('family_doctor_visit');
            fabricated++;
            continue;
          }
          expect(['bank', 'transit', 'community']).toContain(e.source);
          expect(['card_pin', 'none']).toContain(e.check);
          if (e.source === 'bank') cardAfterDeath++;
        }
        for (const c of t.custodialPeriods) {
          expect(date >= c.start && (c.end === null || date < c.end)).toBe(false);
        }
        if (p.persona === 'frail') expect(e.source).not.toBe('travel');
      }
      if (t.deathDate === null) expect(t.aliveAtEnd).toBe(true);
      if (t.cardUsedAfterDeath) expect(t.deathDate).not.toBeNull();
    }
    expect(cardAfterDeath).toBeGreaterThan(0);
    expect(deathRecords).toBeGreaterThan(0);
    expect(fabricated).toBeLessThan(deathRecords * 0.05);
  });

  it('non-pensioners make about 5% of lines; bad ≈ 0.5%, duplicates ≈ 1%', () => {
    const lines = people.flatMap((p) => p.lines);
    const share = (cls: string): number => lines.filter((l) => l.cls === cls).length / lines.length;
    expect(share('non_pensioner')).toBeGreaterThan(0.03);
    expect(share('non_pensioner')).toBeLessThan(0.08);
    expect(share('bad')).toBeGreaterThan(0.002);
    expect(share('bad')).toBeLessThan(0.01);
    expect(share('duplicate')).toBeGreaterThan(0.005);
    expect(share('duplicate')).toBeLessThan(0.02);
  });

  it('custodial sentences appear and silence the person', () => {
    const c = new SimulationContext({ pensioners: 400, seed: 3, custodyRate: 0.5 });
    const jailed = [...generatePeople(c)].filter((p) => p.truth !== null && p.truth.custodialPeriods.length > 0);
    expect(jailed.length).toBeGreaterThan(50);
    const withRelease = jailed.filter((p) => p.truth!.custodialPeriods[0]!.end !== null);
    expect(withRelease.length).toBeGreaterThan(0);
    expect(jailed.some((p) => p.lines.some((l) => l.event.kind === 'custodial_sentence_start'))).toBe(true);
  });

  it('regions table names every code', () => {
    expect(regionName('510104')).toBe('锦江区');
    expect(regionName('513401')).toBe('西昌市');
    expect(regionName('999999')).toBe('999999');
  });
});
