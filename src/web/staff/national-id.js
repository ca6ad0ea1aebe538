// 公民身份号码校验（GB 11643，ISO 7064 MOD 11-2），在浏览器中随输入检查。
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** 前17位对应的校验码。 */
export function checkCharacter(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

export function normalise(raw) {
  return raw.replace(/\s+/g, '').toUpperCase();
}

function validBirth(y, m, d, today) {
  if (y < 1870) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return date.getTime() <= today.getTime();
}

/**
 * 检查正在输入或已输入完的号码。
 * state: 'empty' 未输入；'partial' 还没输完（目前无误）；'invalid' 有错；'valid' 正确。
 */
export function checkNationalId(raw, today = new Date()) {
  const id = normalise(raw);
  if (id === '') return { state: 'empty', id, message: '请输入18位公民身份号码。' };
  const bad = id.search(/[^0-9X]/);
  if (bad >= 0) return { state: 'invalid', id, message: `第${bad + 1}位“${id[bad]}”不是数字：身份号码只能由数字组成，最后一位可以是X。` };
  const x = id.indexOf('X');
  if (x >= 0 && x !== 17) return { state: 'invalid', id, message: `X只能出现在第18位（最后一位），这里出现在第${x + 1}位。` };
  if (id[0] === '0') return { state: 'invalid', id, message: '身份号码的第1位不能是0。' };
  if (id.length > 18) return { state: 'invalid', id, message: `身份号码应为18位，现在是${id.length}位，多了${id.length - 18}位。` };
  if (id.length >= 14) {
    const y = Number(id.slice(6, 10));
    const m = Number(id.slice(10, 12));
    const d = Number(id.slice(12, 14));
    if (!validBirth(y, m, d, today)) return { state: 'invalid', id, message: `第7到14位应是出生日期，“${id.slice(6, 14)}”不是一个有效的日期。` };
  }
  if (id.length < 18) return { state: 'partial', id, message: `已输入${id.length}位，还差${18 - id.length}位。` };
  const expected = checkCharacter(id.slice(0, 17));
  if (expected !== id[17]) return { state: 'invalid', id, message: '最后一位校验码不对，号码可能有输错的数字，请与证件逐位核对。' };
  return { state: 'valid', id, message: '号码格式正确。' };
}
