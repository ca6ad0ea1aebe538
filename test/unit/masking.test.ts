// What staff see of free text about a person: no whole ID, phone or full name.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeNationalId } from '../../src/domain/national-id.ts';
import { maskAddress, maskName, maskPersonalText, maskStreet } from '../../src/domain/masking.ts';

describe('maskPersonalText', () => {
  it('masks the name, phone and national ID of a note as the issue reported it', () => {
    const id = makeNationalId('510104', '1950-03-07', 12);
    expect(maskPersonalText(`张三丰 家属来电 13800138000 身份证 ${id}`, '张三丰')).toBe(
      `张* 家属来电 138****8000 身份证 ${id.slice(0, 6)}********${id.slice(-4)}`,
    );
    expect(maskPersonalText('社区电话 028-87654321，邻居010 12345678', '李四')).toBe('社区电话 028****4321，邻居010****5678');
  });

  it('leaves text without personal data as it is', () => {
    expect(maskPersonalText('邻居说老人上月去世', '李秀英')).toBe('邻居说老人上月去世');
    expect(maskPersonalText('reported_death')).toBe('reported_death');
  });

  it('never lets a whole mobile number, national ID or the full name through, whatever surrounds them', () => {
    const mobile = fc.tuple(fc.constantFrom('13', '15', '18', '19'), fc.stringMatching(/^\d{9}$/)).map(([a, b]) => a + b);
    const nationalId = fc.integer({ min: 0, max: 999 }).map((n) => makeNationalId('510104', '1948-11-02', n));
    const name = fc.constantFrom('王秀英', '欧阳修', '张伟', '李娜');
    const filler = fc.string({ unit: fc.constantFrom('家', '属', '来', '电', ' ', '，', 'a', '-') });
    fc.assert(
      fc.property(filler, mobile, filler, nationalId, filler, name, filler, (a, m, b, id, c, n, d) => {
        const out = maskPersonalText(`${a}${m}${b}${id}${c}${n}${d}`, n);
        return !out.includes(m) && !out.includes(id) && !out.includes(n) && out.includes(maskName(n));
      }),
    );
  });
});

describe('maskAddress', () => {
  it('shows the village or community, and hides the street and house number', () => {
    expect(maskAddress({ village: '锦江区春熙路街道红星社区', street: '红星路二段12号3单元' }, '王秀英')).toEqual({
      village: '锦江区春熙路街道红星社区',
      street: '红星******',
    });
    expect(maskAddress({ village: '双流区永安镇白果村', street: null })).toEqual({ village: '双流区永安镇白果村', street: null });
    expect(maskStreet('12号')).toBe('***');
    expect(maskStreet('１２号')).toBe('***');
  });

  it('masks a village written with the person’s name or a phone in it, as notes are', () => {
    expect(maskAddress({ village: '白果村 王秀英家 13800138000', street: null }, '王秀英').village).toBe('白果村 王*家 138****8000');
  });

  it('never shows a digit of the street, nor more than its first two characters, nor its length past eight', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('路', '街', '号', '单', '元', '1', '2', '９', ' ', '-', 'A') }), (street) => {
        const out = maskStreet(street);
        const chars = [...out];
        const shown = chars.every((c, i) => c === '*' || (i < 2 && c === [...street.trim()][i]));
        return !/\p{N}/u.test(out) && chars.length <= 8 && shown;
      }),
    );
  });
});
