// The ordered list of migrations. Static imports (rather than reading the folder at run
// time) so the same list works under tsx, vitest and a bundled build.
import type { Migration } from 'kysely';
import * as m20261125T150000 from './20261125T150000_initial.ts';
import * as m20261125T160000 from './20261125T160000_ingestion.ts';
import * as m20261125T170000 from './20261125T170000_staff.ts';
import * as m20261125T180000 from './20261125T180000_certification_status.ts';
import * as m20261125T190000 from './20261125T190000_text_codes.ts';
import * as m20261125T200000 from './20261125T200000_report_indexes.ts';
import * as m20261125T210000 from './20261125T210000_rescore_pending.ts';
import * as m20261125T220000 from './20261125T220000_drop_next_chunk.ts';
import * as m20261125T230000 from './20261125T230000_national_id_cover.ts';
import * as m20261126T000000 from './20261126T000000_decision_known_events.ts';
import * as m20261126T010000 from './20261126T010000_certification_national_id.ts';
import * as m20261126T020000 from './20261126T020000_events_pensioner_cover.ts';
import * as m20261201T000000 from './20261201T000000_audit_no_truncate.ts';
import * as m20261201T010000 from './20261201T010000_key_revoked_notify.ts';
import * as m20261202T020000 from './20261202T020000_service_role.ts';
import * as m20261202T021000 from './20261202T021000_events_received_via.ts';
import * as m20261202T040000 from './20261202T040000_batch_mapping.ts';
import * as m20261202T050000 from './20261202T050000_match_runs.ts';
import * as m20261202T051000 from './20261202T051000_events_via_match.ts';
import * as m20261202T060000 from './20261202T060000_reminder_loop.ts';
import * as m20261203T010000 from './20261203T010000_check_priority_reasons.ts';
import * as m20261204T000000 from './20261204T000000_proposals.ts';
import * as m20261204T030000 from './20261204T030000_payroll_runs.ts';
import * as m20261204T020000 from './20261204T020000_benefit_history.ts';
import * as m20261204T021000 from './20261204T021000_claims.ts';
import * as m20261204T010000 from './20261204T010000_due_process.ts';
import * as m20261204T040000 from './20261204T040000_evidence_partitions.ts';
import * as m20261204T060000 from './20261204T060000_pensioner_address.ts';
import * as m20261205T000000 from './20261205T000000_payroll_run_statistics.ts';
import * as m20261205T010000 from './20261205T010000_run_line_back_pay.ts';
import * as m20261205T020000 from './20261205T020000_check_visit_from.ts';
import * as m20261206T000000 from './20261206T000000_certification_evidence_json.ts';
import * as m20261207T000000 from './20261207T000000_audit_many_people.ts';
import * as m20261207T010000 from './20261207T010000_certification_status_cover.ts';
import * as m20261208T000000 from './20261208T000000_audit_reads_index.ts';

export const MIGRATIONS: Record<string, Migration> = {
  '20261125T150000_initial': m20261125T150000,
  '20261125T160000_ingestion': m20261125T160000,
  '20261125T170000_staff': m20261125T170000,
  '20261125T180000_certification_status': m20261125T180000,
  '20261125T190000_text_codes': m20261125T190000,
  '20261125T200000_report_indexes': m20261125T200000,
  '20261125T210000_rescore_pending': m20261125T210000,
  '20261125T220000_drop_next_chunk': m20261125T220000,
  '20261125T230000_national_id_cover': m20261125T230000,
  '20261126T000000_decision_known_events': m20261126T000000,
  '20261126T010000_certification_national_id': m20261126T010000,
  '20261126T020000_events_pensioner_cover': m20261126T020000,
  '20261201T000000_audit_no_truncate': m20261201T000000,
  '20261201T010000_key_revoked_notify': m20261201T010000,
  '20261202T020000_service_role': m20261202T020000,
  '20261202T021000_events_received_via': m20261202T021000,
  '20261202T040000_batch_mapping': m20261202T040000,
  '20261202T050000_match_runs': m20261202T050000,
  '20261202T051000_events_via_match': m20261202T051000,
  '20261202T060000_reminder_loop': m20261202T060000,
  '20261203T010000_check_priority_reasons': m20261203T010000,
  '20261204T000000_proposals': m20261204T000000,
  '20261204T030000_payroll_runs': m20261204T030000,
  '20261204T020000_benefit_history': m20261204T020000,
  '20261204T021000_claims': m20261204T021000,
  '20261204T010000_due_process': m20261204T010000,
  '20261204T040000_evidence_partitions': m20261204T040000,
  '20261204T060000_pensioner_address': m20261204T060000,
  '20261205T000000_payroll_run_statistics': m20261205T000000,
  '20261205T010000_run_line_back_pay': m20261205T010000,
  '20261205T020000_check_visit_from': m20261205T020000,
  '20261206T000000_certification_evidence_json': m20261206T000000,
  '20261207T000000_audit_many_people': m20261207T000000,
  '20261207T010000_certification_status_cover': m20261207T010000,
  '20261208T000000_audit_reads_index': m20261208T000000,
};
