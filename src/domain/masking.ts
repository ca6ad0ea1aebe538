// What people at counters see: national IDs and phones with their middle hidden, names
// with only the surname, addresses down to the village or community. The bureau's own
// systems get them whole.

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

/** A street and house number as staff see it: its first two characters (digits hidden), then a `*` a character, at most six: 红星****** . */
export function maskStreet(street: string): string {
  const chars = [...street.trim()];
  const head = chars.slice(0, 2).map((c) => (/\p{N}/u.test(c) ? '*' : c));
  return head.join('') + '*'.repeat(Math.min(6, Math.max(0, chars.length - 2)));
}

export interface Address {
  /** The village or residents' community, e.g. 锦江区春熙路街道红星社区. */
  village: string;
  /** Street, house number, unit: what finds the door. */
  street: string | null;
}

/** An address as staff see it: the village or community (free text, masked as notes are), the street masked. */
export function maskAddress(a: Address, personName?: string): Address {
  return { village: maskPersonalText(a.village, personName), street: a.street === null ? null : maskStreet(a.street) };
}

const NATIONAL_ID_IN_TEXT = /\d{17}[\dXx]/g;
// Mobile numbers (1 + 10 digits) and landlines with an area code (010-12345678, 028 8765 4321),
// not inside a longer run of digits (a national ID is masked first).
const PHONE_IN_TEXT = /(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}[-\s]?\d{7,8})(?!\d)/g;

/** Any national ID inside free text (a URL, a message) replaced by its mask, for logs. */
export function maskIdsInText(text: string): string {
  return text.replace(NATIONAL_ID_IN_TEXT, (m) => maskNationalId(m));
}

/**
 * Free text written about a person (a note, a reason) as staff see it: national IDs and phone
 * numbers masked, and the person's own name shown as their surname.
 */
export function maskPersonalText(text: string, personName?: string): string {
  let out = maskIdsInText(text).replace(PHONE_IN_TEXT, (m) => maskPhone(m.replace(/[-\s]/g, '')));
  const name = personName?.trim();
  if (name && [...name].length > 1) out = out.split(name).join(maskName(name));
  return out;
}
