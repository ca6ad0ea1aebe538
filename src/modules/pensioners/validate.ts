// Checks of one pensioner record beyond its JSON shape, shared by PUT and bulk lines.
import { parseNationalId, NATIONAL_ID_MESSAGES } from '../../domain/national-id.ts';
import { isIsoDate, isYearMonth, type IsoDate, type YearMonth } from '../../domain/calendar.ts';
import { assumedCertification, type CycleRules } from '../../domain/cycle.ts';
import { parseYuan } from '../../domain/money.ts';
import type { Address } from '../../domain/masking.ts';
import type { PensionerBodyT } from './schemas.ts';

export interface PensionerRecord {
  nationalId: string;
  name: string;
  regionCode: string;
  birthDate: IsoDate;
  benefitStartDate: IsoDate;
  monthlyBenefitFen: bigint;
  /** The month `monthlyBenefitFen` takes effect, when the sender named one. */
  benefitEffectiveMonth: YearMonth | null;
  pensionType: string;
  phone: string | null;
  legacyCertifiedAt: IsoDate | null;
  /** Left out (undefined): the stored address stays; null: removed. */
  address?: Address | null;
  /** Stored as the last certification when a new person comes without one (domain/cycle.ts). */
  assumedCertifiedAt: IsoDate;
}

export type Checked = { ok: true; value: PensionerRecord } | { ok: false; code: string; message: string };

export function checkPensioner(nationalIdRaw: string, body: PensionerBodyT, today: IsoDate, cycle?: CycleRules): Checked {
  const id = parseNationalId(nationalIdRaw, today);
  if (!id.ok) return { ok: false, code: 'invalid_national_id', message: NATIONAL_ID_MESSAGES[id.error] };
  if (!isIsoDate(body.benefitStartDate)) return { ok: false, code: 'invalid_date', message: 'benefitStartDate is not a real date' };
  if (body.benefitStartDate < id.value.birthDate) return { ok: false, code: 'invalid_date', message: 'benefitStartDate is before the birth date' };
  const legacy = body.lastCertifiedAt ?? null;
  if (legacy !== null) {
    if (!isIsoDate(legacy)) return { ok: false, code: 'invalid_date', message: 'lastCertifiedAt is not a real date' };
    if (legacy > today) return { ok: false, code: 'future_date', message: 'lastCertifiedAt is in the future' };
  }
  const effective = body.benefitEffectiveMonth ?? null;
  if (effective !== null && !isYearMonth(effective))
    return { ok: false, code: 'invalid_month', message: 'benefitEffectiveMonth is not a real month (YYYY-MM)' };
  const address = checkAddress(body.address);
  if (address === false) return { ok: false, code: 'invalid_address', message: "address.village is blank: name the village or residents' community" };
  let fen: bigint;
  try {
    fen = parseYuan(body.monthlyBenefit);
  } catch {
    return { ok: false, code: 'invalid_amount', message: 'monthlyBenefit must be a decimal string in yuan, e.g. "3120.50"' };
  }
  return {
    ok: true,
    value: {
      nationalId: id.value.nationalId,
      name: body.name.trim(),
      regionCode: body.regionCode,
      birthDate: id.value.birthDate,
      benefitStartDate: body.benefitStartDate,
      monthlyBenefitFen: fen,
      benefitEffectiveMonth: effective,
      pensionType: body.pensionType ?? 'enterprise',
      phone: body.phone ?? null,
      legacyCertifiedAt: legacy,
      ...(address !== undefined && { address }),
      assumedCertifiedAt: assumedCertification(body.benefitStartDate, today, cycle),
    },
  };
}

/** The address trimmed (a blank street is none); false when the village is blank. */
function checkAddress(a: PensionerBodyT['address']): Address | null | undefined | false {
  if (a === undefined || a === null) return a;
  const village = a.village.trim();
  if (village === '') return false;
  return { village, street: a.street?.trim() || null };
}
