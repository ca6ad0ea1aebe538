// What people at counters see: national IDs and phones with their middle hidden, names
// with only the surname. The bureau's own systems get them whole.

/** First 6 and last 4 characters kept: 510104********123X. */
export function maskNationalId(id: string): string {
  if (id.length <= 10) return '*'.repeat(id.length);
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4);
}

/** First 3 and last 4 digits kept: 138****5678. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return '*'.repeat(phone.length);
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}

const COMPOUND_SURNAMES = new Set(['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '令狐', '长孙', '宇文', '夏侯', '端木']);

/** The surname, then one `*`: 张* ; 欧阳*. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '*';
  const two = chars.slice(0, 2).join('');
  const surname = chars.length > 2 && COMPOUND_SURNAMES.has(two) ? two : chars[0]!;
  return `${surname}*`;
}

/** Any national ID inside free text (a URL, a message) replaced by its mask, for logs. */
export function maskIdsInText(text: string): string {
  return text.replace(/\d{17}[\dXx]/g, (m) => maskNationalId(m));
}
