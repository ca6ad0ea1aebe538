// The service-point page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against a running service: look up a person, record a check and see the
// status change, flag a doubt, work a queue item. Screenshots go to test/e2e/screenshots/.
import { createManualCheckRepository } from '../../src/modules/manual-checks/repository.ts';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../helpers/context.ts';
import { auth, pensionerBody, syntheticId } from '../helpers/people.ts';
import { HAVE_CHROMIUM, SCREENSHOTS, launchChromium, warnIfSkipped } from './browser.ts';

warnIfSkipped('test/e2e/staff-page.test.ts');

let t: TestContext;
let browser: Browser;
let page: Page;
let base: string;
let staffKey: string;
let walkIn: string; // comes to the counter
let visited: string; // in the manual-check queue
let reminded: string; // due, in the queue, waiting for the reminders
const problems: string[] = [];

async function shot(name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `staff-flow-${name}.png`), fullPage: true });
}

describe.skipIf(!HAVE_CHROMIUM)('the service-point page', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await createTestContext({ now: '2026-06-15T04:00:00Z' });
    const bureau = await t.key('bureau');
    const feed = await t.key('feed', { sources: ['hospital'] });
    staffKey = await t.key('staff', { region: '5101', name: 'jinjiang-counter' });

    walkIn = syntheticId('510104', '1948-02-11');
    visited = syntheticId('510105', '1941-09-30');
    reminded = syntheticId('510105', '1950-03-08');
    for (const [nid, region, name, lastCertifiedAt] of [
      [walkIn, '510104', '王建国', '2025-05-01'],
      [visited, '510105', '刘桂兰', '2025-05-01'],
      [reminded, '510105', '陈秀英', '2025-08-01'], // due since 2026-06-01
    ] as const) {
      const res = await t.app.inject({
        method: 'PUT',
        url: `/v1/pensioners/${nid}`,
        headers: auth(bureau),
        payload: pensionerBody({ name, regionCode: region, lastCertifiedAt }),
      });
      expect(res.statusCode).toBe(201);
    }
    const ev = await t.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth(feed),
      payload: [
        {
          nationalId: walkIn,
          source: 'hospital',
          kind: 'discharge',
          occurredAt: '2026-03-05T10:00:00+08:00',
          sourceRef: 'HIS-2026-0001',
          identityCheck: 'card_pin',
          location: '510104',
        },
      ],
    });
    expect(ev.statusCode, ev.body).toBe(202);
    const pid = async (nid: string) =>
      String((await t.deps.db.selectFrom('pensioners').select('id').where('national_id', '=', nid).executeTakeFirstOrThrow()).id);
    // Opened as the daily sweep opens checks.
    await createManualCheckRepository().open(
      t.deps.db,
      [
        { pensionerId: await pid(visited), regionCode: '510105', reason: 'suspended', priority: 75 },
        { pensionerId: await pid(reminded), regionCode: '510105', reason: 'certification_due', priority: 30, visitFrom: '2026-07-03' },
      ],
      t.clock.now(),
      'system:sweep',
    );

    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads under the strict CSP with everything self-hosted, and fits 1366×768', async () => {
    const res = await page.goto(`${base}/staff`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.title()).toContain('服务网点');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(1366);
    await shot('01-start');
    expect(problems).toEqual([]);
  });

  it('keeps the staff key for the tab and validates the national ID as it is typed', async () => {
    await page.fill('#staff-key', staffKey);
    await page.fill('#service-point', 'SP-510104-01');
    await page.press('#service-point', 'Enter');
    // Said only once the server has accepted the key.
    await expect.poll(() => page.textContent('#key-status')).toContain('工作密钥有效');
    expect(await page.textContent('#key-status')).toContain('已保存');
    expect(await page.evaluate(() => sessionStorage.getItem('staffKey'))).toBe(staffKey);
    // The service-point number is remembered on this machine.
    expect(await page.evaluate(() => localStorage.getItem('servicePointId'))).toBe('SP-510104-01');
    expect(await page.inputValue('#staff-key')).toBe('');

    await page.fill('#lookup-id', walkIn.slice(0, 10));
    expect(await page.textContent('#lookup-hint')).toContain('还差8位');
    const wrong = walkIn.slice(0, 17) + (walkIn[17] === '1' ? '2' : '1');
    await page.fill('#lookup-id', wrong);
    expect(await page.textContent('#lookup-hint')).toContain('校验码不对');
    expect(await page.getAttribute('#lookup-id', 'aria-invalid')).toBe('true');
    await page.press('#lookup-id', 'Enter');
    expect(await page.textContent('#lookup-error')).toContain('身份号码还不正确');
    await shot('02-invalid-id');
    await page.fill('#lookup-id', walkIn.toLowerCase());
    expect(await page.textContent('#lookup-hint')).toContain('号码格式正确');
  });

  it('looks a person up: status, until when, why in plain words, masked', async () => {
    await page.press('#lookup-id', 'Enter');
    await page.waitForSelector('#person:not([hidden])');
    expect(await page.textContent('#p-name')).toBe('王*');
    expect(await page.textContent('#p-id')).toBe(`${walkIn.slice(0, 6)}********${walkIn.slice(-4)}`);
    expect(await page.textContent('#p-region')).toBe('成都市锦江区');
    expect(await page.textContent('#p-status')).toContain('暂停发放');
    expect(await page.textContent('#p-recent')).toContain('2026年3月5日 住院结算，成都市锦江区');
    expect(await page.content()).not.toContain(walkIn);
    // Focus moved to the result, and it is visibly marked.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('person-heading');
    await shot('03-looked-up');
  });

  it('never loses what was typed when a request fails, then records the check and shows the new status', async () => {
    await page.check('input[name=outcome][value=alive]');
    await page.selectOption('#check-method', 'id_document');
    await page.fill('#check-note', '本人持身份证到柜台');
    await page.route('**/in-person-checks', (route) => route.abort('connectionrefused'));
    await page.click('#check-submit');
    await expect.poll(() => page.textContent('#check-error')).toContain('无法连接服务器');
    expect(await page.inputValue('#check-note')).toBe('本人持身份证到柜台');
    expect(await page.inputValue('#check-method')).toBe('id_document');
    await shot('04-request-failed');
    await page.unroute('**/in-person-checks');

    await page.focus('#check-submit');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#check-done')).toContain('已登记');
    expect(await page.isHidden('#check-error')).toBe(true);
    await expect.poll(() => page.textContent('#p-status')).toBe('认证有效');
    expect(await page.textContent('#p-until')).toBe('2027年6月15日');
    expect(await page.textContent('#p-method')).toContain('网点当面核验');
    expect(await page.textContent('#p-recent')).toContain('网点工作人员当面核验，成都市锦江区');
    await shot('05-check-recorded');
  });

  it('flags a doubt, which joins the queue', async () => {
    await page.selectOption('#flag-reason', 'suspected_misuse');
    await page.fill('#flag-note', '家属称老人常年住在外地');
    await page.click('#flag-submit');
    await expect.poll(() => page.textContent('#flag-done')).toContain('已标记疑点');
    await expect.poll(() => page.textContent('#queue')).toContain('疑似他人冒领');
  });

  it('works a queue item by keyboard: claim, then resolve', async () => {
    await page.selectOption('#queue-status', 'open');
    await page.click('#queue-refresh');
    const item = page.locator('li.task', { hasText: '认证已过期' });
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.textContent()).toContain('刘*');
    expect(await item.textContent()).toContain(`${visited.slice(0, 6)}********${visited.slice(-4)}`);
    // A due check the reminders are still working on says from when a visit is wanted.
    const waiting = page.locator('li.task', { hasText: '陈*' });
    expect(await waiting.textContent()).toContain('提醒中，2026年7月3日起可上门');
    expect(await item.textContent()).not.toContain('提醒中');
    await shot('06-queue');

    await item.locator('button.claim').focus();
    const outline = await item.locator('button.claim').evaluate((b) => getComputedStyle(b).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await item.locator('form.resolve').waitFor();
    expect(await item.textContent()).toContain('您已认领');
    // Focus lands in the resolve form; Tab walks its fields in order.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('outcome');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('method');
    await item.locator('select[name=outcome]').selectOption('alive');
    await item.locator('select[name=method]').selectOption('home_visit');
    await item.locator('textarea[name=note]').fill('上门见到本人');
    await shot('07-claimed');
    await item.locator('form.resolve button[type=submit]').press('Enter');
    await expect.poll(() => item.textContent()).toContain('已办结：本人健在');
    expect(await item.textContent()).toContain('认证有效');
    await shot('08-resolved');

    const cert = await t.app.inject({ method: 'GET', url: `/v1/pensioners/${visited}/certification`, headers: auth(staffKey) });
    expect(cert.json()).toMatchObject({ status: 'certified', method: 'home_visit', certifiedAt: '2026-06-15' });
  });

  it('says in plain words when the key is wrong, keeping the typed ID', async () => {
    await page.evaluate(() => sessionStorage.setItem('staffKey', 'pk_not_a_real_key'));
    await page.fill('#lookup-id', visited);
    await page.press('#lookup-id', 'Enter');
    await expect.poll(() => page.textContent('#lookup-error')).toContain('工作密钥无效');
    expect(await page.inputValue('#lookup-id')).toBe(visited);
    // The header says so too, in red: no green "saved" beside the error.
    expect(await page.textContent('#key-status')).toContain('工作密钥无效');
    expect(await page.getAttribute('#key-status', 'class')).toContain('bad');
    await shot('09-bad-key');
    expect(problems).toEqual([]);
  });
});
