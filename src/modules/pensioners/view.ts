import { maskAddress, maskName, maskNationalId, maskPhone } from '../../domain/masking.ts';
import { formatYuan } from '../../domain/money.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import type { Address } from '../../domain/masking.ts';
import type { CertificationRow } from '../certification/repository.ts';
import { certificationView } from '../certification/view.ts';

/** The stored address as the caller may see it (staff: village shown, street masked); null when none is stored. */
export function addressView(row: { address_village: string | null; address_street: string | null; name: string }, masked: boolean): Address | null {
  if (row.address_village === null) return null;
  const a = { village: row.address_village, street: row.address_street };
  return masked ? maskAddress(a, row.name) : a;
}

export function pensionerView(row: CertificationRow, today: IsoDate, masked: boolean) {
  return {
    nationalId: masked ? maskNationalId(row.national_id) : row.national_id,
    name: masked ? maskName(row.name) : row.name,
    regionCode: row.region_code,
    birthDate: masked ? null : row.birth_date,
    benefitStartDate: row.benefit_start_date,
    monthlyBenefit: formatYuan(row.monthly_benefit_fen),
    pensionType: row.pension_type,
    phone: row.phone ? (masked ? maskPhone(row.phone) : row.phone) : null,
    address: addressView(row, masked),
    lastCertifiedAt: row.legacy_certified_at,
    certification: certificationView(row, today, masked),
  };
}
