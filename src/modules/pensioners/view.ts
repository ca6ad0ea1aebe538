import { maskName, maskNationalId, maskPhone } from '../../domain/masking.ts';
import { formatYuan } from '../../domain/money.ts';
import type { IsoDate } from '../../domain/calendar.ts';
import type { CertificationRow } from '../certification/repository.ts';
import { certificationView } from '../certification/view.ts';

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
    lastCertifiedAt: row.legacy_certified_at,
    certification: certificationView(row, today, masked),
  };
}
