// Kysely table types; one interface per table in migrations/. A column with a default (or
// that may be null) may be left out of an INSERT, no other; test/integration/db-types.test.ts
// holds every table and column here to a migrated database's.
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DateCol = ColumnType<string, string, string>; // YYYY-MM-DD (pg date parsed as text)
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
/** A column of a frozen payroll run: written once, then refused any UPDATE by a trigger. */
type Frozen<S, I = S> = ColumnType<S, I, never>;

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  role: 'admin' | 'bureau' | 'staff' | 'feed';
  region_prefix: string | null;
  sources: string[] | null;
  key_hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export interface PensionersTable {
  id: Generated<Int8>;
  national_id: string;
  name: string;
  region_code: string;
  birth_date: DateCol;
  benefit_start_date: DateCol;
  monthly_benefit_fen: Int8;
  pension_type: Generated<string>;
  phone: string | null;
  legacy_certified_at: DateCol | null;
  address_village: string | null;
  address_street: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CertificationsTable {
  pensioner_id: Int8;
  national_id: string;
  region_code: string;
  state: 'active' | 'death_reported' | 'deceased' | 'detained' | 'ineligible' | 'under_review';
  status: Generated<string>;
  certified_at: DateCol | null;
  certified_until: DateCol | null;
  due_from: DateCol | null;
  method: string | null;
  score: Generated<number>;
  score_at: Timestamp | null;
  policy_version: string;
  evidence: ColumnType<unknown, string | undefined, string>;
  death_date: DateCol | null;
  since: DateCol | null;
  updated_at: Generated<Date>;
}

export interface DecisionsTable {
  id: Generated<Int8>;
  pensioner_id: Int8;
  decided_at: Timestamp;
  status: string;
  certified_at: DateCol | null;
  certified_until: DateCol | null;
  method: string | null;
  score: number;
  policy_version: string;
  evidence: ColumnType<unknown, string, string>;
  actor: string;
  detail: ColumnType<unknown, string | null, string | null> | null;
  known_event_ids: string[] | null;
}

export interface BatchesTable {
  id: string;
  source: string;
  content_type: string;
  charset: string;
  sha256: string | null;
  bytes: Generated<Int8>;
  status: 'uploading' | 'received' | 'processing' | 'completed' | 'failed';
  lines: Generated<Int8>;
  accepted: Generated<Int8>;
  duplicates: Generated<Int8>;
  unmatched: Generated<Int8>;
  rejected: Generated<Int8>;
  rejects: ColumnType<unknown, string | undefined, string>;
  error: string | null;
  key_id: string | null;
  received_at: Generated<Date>;
  completed_at: Date | null;
  /** Records merged so far: a re-run resumes after them. */
  records_done: Generated<Int8>;
  region_prefix: string | null;
  processing_started_at: Date | null;
  /** The interface mapping the file is read with (its canonical definition), null for snake_case headers. */
  mapping: ColumnType<unknown, string | null | undefined, string | null>;
  /** The match interface (FEEDS_FILE) whose run this is; null for uploaded files. */
  interface: Generated<string | null>;
}

export interface BatchChunksTable {
  batch_id: string;
  seq: number;
  data: Buffer;
}

export interface EventsTable {
  id: Generated<Int8>;
  pensioner_id: Int8;
  source: string;
  kind: string;
  source_ref: string;
  occurred_at: Timestamp;
  identity_check: string;
  location: string | null;
  death_date: DateCol | null;
  batch_id: string | null;
  received_at: Generated<Date>;
  /** `key:<api key id>`, `pull:<interface>` or `import:<label>`; null only on rows stored before it existed. */
  received_via: string | null;
}

export interface FeedCursorsTable {
  feed: string;
  cursor: string | null;
  updated_at: Generated<Date>;
}

export interface ManualChecksTable {
  id: Generated<string>;
  pensioner_id: Int8;
  region_code: string;
  reason: string;
  priority: number;
  status: 'open' | 'claimed' | 'resolved';
  opened_at: Generated<Date>;
  opened_by: string;
  claimed_by: string | null;
  claimed_at: Date | null;
  claim_expires_at: Date | null;
  resolved_at: Date | null;
  outcome: string | null;
  note: string | null;
  attempts: Generated<number>;
  service_point_id: string | null;
  resolved_by: string | null;
  priority_reasons: Generated<string[]>;
  visit_from: DateCol | null;
}

export interface RemindersTable {
  pensioner_id: Int8;
  due_from: DateCol;
  status: 'pending' | 'sent' | 'failed';
  attempts: Generated<number>;
  sent_at: Date | null;
  round: Generated<number>;
  code_salt: Buffer | null;
  code_hash: Buffer | null;
  code_expires_at: Date | null;
  pending_code: string | null;
  answered_at: Date | null;
  answered_event_id: Int8 | null;
}

/** Whom each many-person audit row named, indexed by the audit-index job (append-only). */
export interface AuditPersonIndexTable {
  pensioner_id: Int8;
  /** The newest moment of the rows in `audit_ids`. */
  last_at: Date;
  /** The many-person audit rows naming the person, of one run of the job. */
  audit_ids: ColumnType<string[], string[], never>;
}

/** How far the audit-index job got: every many-person row before `indexed_before` is indexed. */
export interface AuditIndexProgressTable {
  only_row: Generated<boolean>;
  indexed_before: Date;
}

export interface AuditLogTable {
  id: Generated<Int8>;
  at: Generated<Date>;
  key_id: string | null;
  role: string | null;
  action: string;
  pensioner_id: Int8 | null;
  detail: ColumnType<unknown, string | null, never> | null;
  /** The people of a read that named many at once (then `pensioner_id` is null). */
  pensioner_ids: ColumnType<string[], string[] | null, never> | null;
}

export interface ProposalsTable {
  id: Generated<Int8>;
  action: string;
  subject: string;
  region_code: string;
  pensioner_id: Int8 | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  proposed_by: string;
  proposed_at: Timestamp;
  checked_by: string | null;
  checked_at: Timestamp | null;
  check_payload: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface RescorePendingTable {
  pensioner_id: Int8;
  since: Generated<Date>;
}

export interface BatchTouchedTable {
  batch_id: string;
  seq: number;
  /** bigint[]: the driver gives text. */
  pensioner_ids: ColumnType<string[], (string | number | bigint)[], (string | number | bigint)[]>;
}

/** Which (source, source_ref) were ever stored: exactly-once across the evidence partitions. */
export interface EventIdentitiesTable {
  source: string;
  source_ref: string;
}

/** Events a stored decision was taken from, kept when their month is retired: the event's columns as they were, its id no longer generated here. */
export type DecisionEventsTable = Omit<EventsTable, 'id' | 'received_at'> & {
  id: Int8;
  received_at: Timestamp;
  retired_at: Generated<Date>;
};

export interface AppealsTable {
  id: Generated<string>;
  pensioner_id: Int8;
  region_code: string;
  filed_by: 'pensioner' | 'heir' | 'agent';
  grounds: string;
  decision_at: Timestamp;
  contested_status: string;
  status: 'open' | 'decided';
  filed_at: Timestamp;
  filed_key: string;
  deadline: DateCol;
  outcome: 'upheld' | 'overturned' | null;
  reason: string | null;
  decided_at: Timestamp | null;
  decided_key: string | null;
}

export interface BenefitHistoryTable {
  pensioner_id: Int8;
  /** YYYY-MM */
  effective_month: string;
  amount_fen: Int8;
  recorded_at: ColumnType<Date, Date | string | undefined, Date | string>;
  recorded_by: string;
}

export interface ClaimsTable {
  id: Generated<Int8>;
  pensioner_id: Int8;
  region_code: string;
  reason: 'death' | 'custody';
  /** "death", or the sentence's start date. */
  period_key: string;
  amount_fen: Int8;
  repaid_fen: Generated<Int8>;
  offset_fen: Generated<Int8>;
  written_off_fen: Generated<Int8>;
  status: 'open' | 'notified' | 'recovered' | 'written_off' | 'cancelled';
  basis: ColumnType<unknown, string, string>;
  opened_at: Timestamp;
  notified_at: Timestamp | null;
  closed_at: Timestamp | null;
  updated_at: Timestamp;
}

/** A claim's history: appended, never changed. */
export interface ClaimEventsTable {
  id: Generated<Int8>;
  claim_id: Int8;
  at: Timestamp;
  kind: string;
  amount_fen: Int8 | null;
  reason: string | null;
  actor: string;
  detail: ColumnType<unknown, string | null | undefined, never>;
}

export interface PayrollRunsTable {
  /** YYYY-MM */
  month: Frozen<string>;
  frozen_at: Frozen<Date, Date | string>;
  frozen_by: Frozen<string>;
  holds: Frozen<number, number | undefined>;
  resumptions: Frozen<number, number | undefined>;
  stops: Frozen<number, number | undefined>;
  paid: Frozen<number, number | undefined>;
}

export interface PayrollRunLinesTable {
  month: Frozen<string>;
  pensioner_id: Frozen<string, string | number | bigint>;
  national_id: Frozen<string>;
  region_code: Frozen<string>;
  action: Frozen<'pay' | 'hold' | 'resumption' | 'stop'>;
  status: Frozen<string | null, string | null | undefined>;
  since: Frozen<string | null, string | null | undefined>;
  months: Frozen<number | null, number | null | undefined>;
  /** bigint: the driver gives text. */
  amount_fen: Frozen<string, string | number | bigint | undefined>;
  death_date: Frozen<string | null, string | null | undefined>;
  /** A stop's back pay owed to the estate (migration 20261205T010000). */
  back_pay_months: Frozen<number | null, number | null | undefined>;
  back_pay_fen: Frozen<string, string | number | bigint | undefined>;
  /** Of the line's back pay, how much the freeze set against the person's claims. */
  offset_fen: Frozen<string, string | number | bigint | undefined>;
}

export interface DB {
  api_keys: ApiKeysTable;
  pensioners: PensionersTable;
  certifications: CertificationsTable;
  decisions: DecisionsTable;
  batches: BatchesTable;
  batch_chunks: BatchChunksTable;
  events: EventsTable;
  feed_cursors: FeedCursorsTable;
  manual_checks: ManualChecksTable;
  reminders: RemindersTable;
  audit_log: AuditLogTable;
  audit_person_index: AuditPersonIndexTable;
  audit_index_progress: AuditIndexProgressTable;
  proposals: ProposalsTable;
  rescore_pending: RescorePendingTable;
  batch_touched: BatchTouchedTable;
  event_identities: EventIdentitiesTable;
  decision_events: DecisionEventsTable;
  appeals: AppealsTable;
  benefit_history: BenefitHistoryTable;
  claims: ClaimsTable;
  claim_events: ClaimEventsTable;
  payroll_runs: PayrollRunsTable;
  payroll_run_lines: PayrollRunLinesTable;
}
