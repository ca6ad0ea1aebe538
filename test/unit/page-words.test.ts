// What the pages say: codes become plain words (never shown raw), priorities become 紧急/较急/一般
// with why, evidence lines are not repeated; and the pure parts of the dashboard and sign-in.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { childRegionDigits, regionPrefixName } from '../../src/modules/reports/dashboard.ts';
import { cookieValue } from '../../src/http/auth-plugin.ts';

interface Words {
  reasonWords(r: string): string;
  sourceWords(s: string): string;
  kindWords(s: string, k: string): string;
  levelOf(p: number): string;
  urgencyOf(c: Record<string, unknown>): { level: string; cls: string; why: string[] };
  distinctEvidence<T>(items: T[], placeOf: (ev: T) => string | null): T[];
}
// The browser's own module, plain JavaScript: loaded by URL so the type checker does not need its types.
const WORDS = new URL('../../src/web/staff/words.js', import.meta.url).href;
const w = (await import(WORDS)) as Words;
const SNAKE = /[a-z]+_[a-z]+/;

describe('words for codes', () => {
  it('has plain words for every reason the service opens checks with', () => {
    for (const r of ['certification_due', 'self_service_failed', 'conflicting_death_record', 'suspected_card_misuse', 'reported_death', 'suspected_misuse']) {
      expect(w.reasonWords(r)).not.toMatch(SNAKE);
    }
    expect(w.reasonWords('conflicting_death_record')).toContain('死亡');
    expect(w.reasonWords('death_verification')).toContain('死亡');
  });

  it('has plain words, long and short, for every status (STATUSES)', async () => {
    const { STATUSES } = await import('../../src/domain/lifecycle.ts');
    const { STATUS, STATUS_SHORT } = (await import(WORDS)) as { STATUS: Record<string, string>; STATUS_SHORT: Record<string, string> };
    for (const s of STATUSES) {
      expect(STATUS[s], s).toMatch(/[\u4e00-\u9fff]/);
      expect(STATUS_SHORT[s], s).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('never shows an unknown code, but shows what a person wrote', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}(_[a-z]{1,8}){1,3}$/), (code) => {
        expect(w.reasonWords(code)).not.toMatch(SNAKE);
        expect(w.sourceWords(code)).not.toMatch(SNAKE);
        expect(w.kindWords(code, code)).not.toMatch(SNAKE);
      }),
    );
    expect(w.reasonWords('邻居说老人搬去了外地')).toBe('邻居说老人搬去了外地');
    expect(w.reasonWords('__proto__')).toBe('其他原因');
  });
});

describe('priority as words', () => {
  it('cuts at 70 and 45, as the server does', () => {
    expect([95, 70, 69, 45, 44, 10].map(w.levelOf)).toEqual(['紧急', '紧急', '较急', '较急', '一般', '一般']);
  });

  it('says why from the reason, status, deadline and attempts', () => {
    const u = w.urgencyOf({ priority: 85, reason: 'suspected_card_misuse', certificationStatus: 'suspended', deadline: '2026-05-20', attempts: 2 });
    expect(u.level).toBe('紧急');
    expect(u.why.join('；')).toContain('2026年5月20日');
    expect(u.why.join('；')).toContain('已2次联系不上');
    expect(w.urgencyOf({ priority: 40, reason: 'certification_due', attempts: 0 }).why).toEqual(['按到期先后处理']);
  });

  it('takes the server’s explanation when it gives one, in words, never a code from it', () => {
    const u = w.urgencyOf({ priority: 40, reason: 'x', attempts: 0, urgency: { level: 'soon', reasons: ['lapse_near', 'advanced_age', 'age_over_90'] } });
    expect(u).toEqual({ level: '较急', cls: 'high', why: ['认证快到期了', '年纪大'] });
    // Codes it does not know (a newer server) leave the page to say why itself.
    expect(w.urgencyOf({ priority: 80, reason: 'reported_death', attempts: 0, urgency: { level: 'urgent', reasons: ['new_code'] } }).why).toEqual([
      '有人反映本人已去世，可能正在多发养老金',
    ]);
  });
});

describe('evidence lines', () => {
  it('keeps one line per day, thing and place', () => {
    const atm = (t: string) => ({ source: 'bank', kind: 'atm', occurredAt: t });
    const items = [atm('2026-06-01T01:00:00Z'), atm('2026-06-01T09:00:00Z'), atm('2026-05-31T17:00:00Z'), atm('2026-05-31T15:00:00Z')];
    // 17:00Z on 31 May is 1 June in Shanghai; 15:00Z is 23:00 on 31 May.
    expect(w.distinctEvidence(items, () => '成都市锦江区')).toEqual([items[0], items[3]]);
  });
});

describe('the dashboard’s regions', () => {
  it('goes one level down: provinces, prefectures, counties', () => {
    expect([null, '5', '51', '510', '5101', '51010', '510104'].map(childRegionDigits)).toEqual([2, 2, 4, 4, 6, 6, 6]);
    expect([regionPrefixName('51'), regionPrefixName('5101'), regionPrefixName('510104'), regionPrefixName('99')]).toEqual([
      '四川省',
      '成都市',
      '成都市锦江区',
      '990000',
    ]);
  });
});

describe('the sign-in cookie', () => {
  it('is read by name, untouched, and never throws', () => {
    expect(cookieValue('a=1; pension_admin_key=pk_abc-_; b=2', 'pension_admin_key')).toBe('pk_abc-_');
    expect(cookieValue('pension_admin_keyx=1', 'pension_admin_key')).toBeUndefined();
    expect(cookieValue('pension_admin_key=', 'pension_admin_key')).toBeUndefined();
    expect(cookieValue('pension_admin_key=%E0%A4%A', 'pension_admin_key')).toBe('%E0%A4%A');
    expect(cookieValue(undefined, 'x')).toBeUndefined();
    expect(cookieValue('x=1', undefined)).toBeUndefined();
  });
});
