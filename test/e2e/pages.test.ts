// The bureau dashboard (/dashboard) and the service-point page (/staff) in headless Chromium
// at a desktop (1366×768) and a phone (390×844) width, on a small synthetic province: nothing
// runs off the screen, no code such as conflicting_death_record is shown to people, axe-core
// finds no violation, and every asset is the service's own. Screenshots go to
// test/e2e/screenshots/ (not committed) for a person to look at.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createManualCheckRepository } from '../../src/modules/manual-checks/repository.ts';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { registerPensioner, syntheticId } from '../helpers/people.ts';
import { HAVE_CHROMIUM, SCREENSHOTS, axeViolations, horizontalOverflow, launchChromium, rawCodes, warnIfSkipped } from './browser.ts';

warnIfSkipped('test/e2e/pages.test.ts');

const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let t: TestContext;
let browser: Browser;
let base: string;
let bureau: string;
let staff: string;
const foreignRequests: string[] = [];

/** A small province: people in three districts of two cities, a year of evidence, a queue with every kind of check, reminders. */
async function seed() {
  const people: { id: string; region: string }[] = [];
  const regions = ['510104', '510105', '510703'];
  for (let i = 0; i < 18; i++) {
    const region = regions[i % 3]!;
    const id = syntheticId(region, `19${40 + (i % 15)}-0${1 + (i % 9)}-1${i % 9}`);
    people.push({ id, region });
    await registerPensioner(t.app, bureau, id, {
      regionCode: region,
      name: ['王建国', '刘桂兰', '张秀英', '李德明', '陈淑珍', '杨志强'][i % 6],
      lastCertifiedAt: i % 4 === 0 ? '2025-05-20' : '2025-09-01',
      phone: `1391234${String(1000 + i)}`,
      // Most with an address (village or community, street), some without.
      ...(i % 5 !== 4 && { address: { village: ['春熙路街道红星社区', '沙河街道和平村', '永兴镇白果村'][i % 3], street: i % 2 ? `和平路${10 + i}号` : null } }),
    });
  }
  // A year of evidence: each person seen every few months by a different department.
  const kinds = [
    ['hospital', 'discharge'],
    ['travel', 'rail_boarding'],
    ['bank', 'counter'],
    ['bank', 'atm'],
    ['health', 'elderly_checkup'],
    ['medical_insurance', 'pharmacy_purchase'],
  ] as const;
  const rows: unknown[][] = [];
  people.forEach((p, i) => {
    if (i % 4 === 0) return; // lapsed: nothing seen
    for (let m = 0; m < 12; m += 1 + (i % 3)) {
      const [source, kind] = kinds[(i + m) % kinds.length]!;
      const month = new Date(Date.UTC(2025, 6 + m, 3 + (i % 20), 2));
      rows.push([p.id, source, kind, `seed-${i}-${m}`, month.toISOString(), p.region]);
      if (kind === 'atm') rows.push([p.id, source, kind, `seed-${i}-${m}-again`, new Date(month.getTime() + 3_600_000).toISOString(), p.region]);
    }
  });
  const ins = await t.deps.pool.query<{ id: string }>(
    `INSERT INTO events (pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, received_at, received_via)
     SELECT p.id, e.source, e.kind, e.ref, e.at, CASE WHEN e.kind = 'atm' THEN 'card_pin' ELSE 'id_document' END, e.location, e.at + interval '1 day', 'import:pages-test'
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS e(nid, source, kind, ref, at, location)
     JOIN pensioners p ON p.national_id = e.nid RETURNING pensioner_id::text AS id`,
    [0, 1, 2, 3, 4, 5].map((c) => rows.map((r) => r[c])),
  );
  const ids = await t.deps.pool.query<{ id: string; national_id: string; region_code: string }>(
    'SELECT id::text, national_id, region_code FROM pensioners ORDER BY id',
  );
  await t.deps.certification.rescore(t.deps.db, [...new Set(ins.rows.map((r) => r.id))], t.clock.now(), 'test');
  const reasons = [
    ['certification_due', 75],
    ['conflicting_death_record', 85],
    ['suspected_card_misuse', 80],
    ['self_service_failed', 60],
    ['reported_death', 90],
    ['certification_due', 45],
  ] as const;
  const repo = createManualCheckRepository();
  for (const [i, p] of ids.rows.slice(0, 6).entries()) {
    const [reason, priority] = reasons[i]!;
    const opened = new Date(Date.UTC(2026, 5, 14 - i * 12));
    await repo.open(t.deps.db, [{ pensionerId: p.id, regionCode: p.region_code, reason, priority }], opened, 'system:sweep');
  }
  await t.deps.pool.query(
    `UPDATE manual_checks SET attempts = 2, outcome = 'unreachable'
     WHERE id = (SELECT id FROM manual_checks WHERE region_code LIKE '5101%' AND reason = 'certification_due' ORDER BY priority LIMIT 1)`,
  );
  // Reminders of the last months, about half answered with their code.
  await t.deps.pool.query(
    `INSERT INTO reminders (pensioner_id, due_from, status, sent_at, answered_at)
     SELECT p.id, date '2026-01-01' + (n * 20), 'sent', timestamptz '2026-01-05 10:00+08' + make_interval(days => n * 20 + (p.id % 9)::int),
       CASE WHEN (p.id + n) % 2 = 0 THEN timestamptz '2026-01-07 10:00+08' + make_interval(days => n * 20) END
     FROM pensioners p CROSS JOIN generate_series(0, 7) n`,
  );
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
  bureau = await t.key('bureau');
  staff = await t.key('staff', { region: '5101', name: 'jinjiang-counter' });
  await seed();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A new browser context at `vp`, its page's errors collected in `problems` and its requests to other hosts in `foreignRequests`. */
async function watchedPage(vp: (typeof VIEWPORTS)[number], bypassCSP: boolean): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: vp, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', bypassCSP });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Refusals the tests provoke on purpose (a wrong key) are logged by the browser as failed loads.
    if (m.type() === 'error' && !/Failed to load resource: .* (401|403)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  // Which resource a "Failed to load resource" was (the console does not say), including those the
  // browser asks for itself, such as /favicon.ico after a document with no icon of its own.
  const cdp = await context.newCDPSession(page);
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.status >= 400 && e.response.status !== 401 && e.response.status !== 403) problems.push(`response ${e.response.status}: ${e.response.url}`);
  });
  await cdp.send('Network.enable');
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
  });
  return { context, page, problems };
}

// bypassCSP only so that axe-core can be injected; the pages' own CSP is tested below and in staff-page.test.ts.
const open = (vp: (typeof VIEWPORTS)[number]) => watchedPage(vp, true);

async function checkPage(page: Page, shot: string) {
  // Open the data tables and hints too: what they show must be plain words as well.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${shot}-open.png`), fullPage: true });
  expect(await horizontalOverflow(page), 'wider than the window').toBeLessThanOrEqual(0);
  expect(await rawCodes(page), 'codes shown to people').toEqual([]);
  expect(await axeViolations(page)).toEqual([]);
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = false)));
}

describe.skipIf(!HAVE_CHROMIUM).each(VIEWPORTS)('at $width×$height', (vp) => {
  it('the dashboard draws every chart from a bureau key, in plain words', async () => {
    const { context, page, problems } = await open(vp);
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#key-status')).toContain('尚未输入密钥');
    await page.fill('#bureau-key', staff);
    await page.press('#bureau-key', 'Enter');
    // A staff key is refused, and the page says so in red, never "read".
    await expect.poll(() => page.textContent('#key-status')).toContain('社保局或管理员密钥');
    expect(await page.getAttribute('#key-status', 'class')).toContain('bad');
    expect(await page.isHidden('#figures')).toBe(true);

    await page.fill('#bureau-key', bureau);
    await page.press('#bureau-key', 'Enter');
    await expect.poll(() => page.textContent('#key-status')).toContain('已读取全部地区');
    await page.waitForSelector('#figures:not([hidden])');
    for (const id of ['c-silent-region', 'c-silent-month', 'c-evidence', 'c-status', 'c-backlog', 'c-claims', 'c-reminders']) {
      expect(await page.locator(`#${id} canvas`).count(), id).toBeGreaterThan(0);
      expect(await page.getAttribute(`#${id}`, 'aria-label'), id).toBeTruthy();
    }
    expect(await page.textContent('#t-backlog')).toBe('6');
    expect(await page.textContent('#pay-claims')).toMatch(/^[0-9,]+ 笔，[0-9]+\.[0-9]{2} 元$/);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SCREENSHOTS, `dashboard-${vp.name}.png`), fullPage: true });
    await checkPage(page, `dashboard-${vp.name}`);
    expect(await page.textContent('#d-backlog')).toContain('已有死亡记录');

    // A region narrows it to its districts.
    await page.fill('#region', '5101');
    await page.press('#region', 'Enter');
    await expect.poll(() => page.textContent('#key-status')).toContain('成都市（5101）');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the staff page: saved key checked with the server, tasks in plain words with what to act on', async () => {
    const { context, page, problems } = await open(vp);
    await page.goto(`${base}/staff`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.screenshot({ path: path.join(SCREENSHOTS, `staff-${vp.name}-start.png`), fullPage: false });
    if (vp.name === 'phone') {
      // The header leaves most of the screen to the work.
      const header = await page.locator('header').boundingBox();
      expect(header!.height).toBeLessThan(vp.height / 3);
    }
    // A wrong key: red, and no green "saved" anywhere.
    await page.fill('#staff-key', 'pk_not_a_real_key');
    await page.press('#staff-key', 'Enter');
    await expect.poll(() => page.textContent('#key-status')).toContain('工作密钥无效');
    expect(await page.getAttribute('#key-status', 'class')).toContain('bad');
    expect(await page.textContent('header')).not.toContain('已保存');

    await page.fill('#staff-key', staff);
    await page.fill('#service-point', 'SP-510104-01');
    await page.press('#service-point', 'Enter');
    await expect.poll(() => page.textContent('#key-status')).toContain('工作密钥有效');
    expect(await page.evaluate(() => localStorage.getItem('servicePointId'))).toBe('SP-510104-01');

    const tasks = page.locator('li.task');
    await expect.poll(() => tasks.count()).toBeGreaterThanOrEqual(5);
    const queue = await page.textContent('#queue');
    expect(queue).toContain('紧急');
    expect(queue).toContain('较急');
    expect(queue).toContain('已有死亡记录，但之后又有本人活动记录'.slice(0, 6));
    expect(queue).toMatch(/139\*{4}\d{4}/);
    // Where they live: the village or community shown, street and house number masked.
    expect(queue).toMatch(/住址(春熙路街道红星社区|沙河街道和平村|永兴镇白果村)/);
    expect(queue).toContain('和平*');
    expect(queue).not.toMatch(/和平路\d+号/);
    expect(queue).toContain('已联系 2 次未联系上');
    expect(queue).toContain('认证截止');
    expect(queue).not.toMatch(/优先级 \d/);
    await page.screenshot({ path: path.join(SCREENSHOTS, `staff-${vp.name}-queue.png`), fullPage: true });
    await checkPage(page, `staff-${vp.name}-queue`);

    // A person looked up: the flag form and the check form stay on the screen.
    const someone = await t.deps.pool.query<{ national_id: string }>(
      `SELECT national_id FROM pensioners WHERE region_code = '510104' ORDER BY id OFFSET 1 LIMIT 1`,
    );
    await page.fill('#lookup-id', someone.rows[0]!.national_id);
    await page.press('#lookup-id', 'Enter');
    await page.waitForSelector('#person:not([hidden])');
    const recent = await page.locator('#p-recent li').allTextContents();
    expect(new Set(recent).size, 'evidence lines repeat').toBe(recent.length);
    await page.screenshot({ path: path.join(SCREENSHOTS, `staff-${vp.name}-person.png`), fullPage: true });
    await checkPage(page, `staff-${vp.name}-person`);
    const form = await page.locator('#flag-form').boundingBox();
    expect(form!.x + form!.width).toBeLessThanOrEqual(vp.width);

    // Remembered on this machine: a new tab has the service-point number already.
    const again = await context.newPage();
    await again.goto(`${base}/staff`);
    await again.waitForSelector('body[data-ready="true"]');
    expect(await again.inputValue('#service-point')).toBe('SP-510104-01');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('under the service’s own CSP (no bypass)', () => {
  const strict = () => watchedPage(VIEWPORTS[0], false);

  it('the dashboard’s charts draw', async () => {
    const { context, page, problems } = await strict();
    await page.goto(`${base}/dashboard`);
    await page.evaluate((key) => sessionStorage.setItem('bureauKey', key), bureau);
    await page.reload();
    await page.waitForSelector('#figures:not([hidden])');
    await expect.poll(() => page.locator('#c-evidence canvas').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the operators’ queue view opens after signing in with an admin key, and not before', async () => {
    const admin = await t.key('admin');
    const { context, page, problems } = await strict();
    const refused = await page.goto(`${base}/admin/queues`);
    expect(refused?.status()).toBe(401);
    await page.goto(`${base}/admin/sign-in`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#admin-key', bureau);
    await page.press('#admin-key', 'Enter');
    await expect.poll(() => page.textContent('#sign-in-status')).toContain('不是管理员密钥');
    await page.fill('#admin-key', admin);
    await page.press('#admin-key', 'Enter');
    await page.waitForURL(`${base}/admin/queues`);
    await expect.poll(() => page.locator('text=rescore').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('text=加载中').count(), { timeout: 15_000 }).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-queues.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!HAVE_CHROMIUM)('every asset is the service’s own', () => {
  it('asked no other host for anything', () => {
    expect(foreignRequests).toEqual([]);
  });
});
