import { type Kysely, sql } from 'kysely';

// Evidence partitioned by month, so that the policy's retention drops whole months (a DROP of
// one partition: no row-by-row delete, no bloat, no vacuum) and the table of a 10M province stays
// a set of tables of a month each.
//
// The partition key is occurred_at, the day the evidence is of: it is what ages out of the
// policy (retention counts from the day a thing happened, not from when a department got round
// to sending it), what the score decays by, and what the reports count by month. received_at
// would put a late file of last year's records into this month's partition, to be kept a year
// too long. Months are Shanghai's (the bureau's calendar), so a partition is one payroll month.
//
// Exactly once. A unique constraint of a partitioned table must include its partition key, so
// (source, source_ref) can no longer be unique on events itself: (source, source_ref,
// occurred_at) would store a department's corrected record twice, once in each month. The
// identities move to their own unpartitioned table, event_identities, whose primary key is
// (source, source_ref): a merge inserts the identities first (ON CONFLICT DO NOTHING, in one
// order for every writer) and stores only the events whose identity it inserted. Concurrent
// merges of the same event wait on that one index, as they waited on the old unique index,
// which goes (so ingestion still maintains one unique btree per event). Identities outlive
// their partition: a file re-sent after its month was dropped stays a duplicate instead of
// coming back.
//
// Outliers: a default partition takes what has no month (dates older than the oldest month or
// beyond those made ahead). Retention never drops it: an old death certificate arriving late is
// kept. When a month is made later, its rows move out of the default partition first.
//
// Retention (evidence_retire_month, run by the scheduled job as the service role through
// SECURITY DEFINER: only the tables' owner may drop a partition) copies the month's events
// that a stored decision was taken from into decision_events, then drops the partition. One
// event is known to many decisions and decisions are never updated by the service, so the copy
// is kept once per event, found by the decision's known_event_ids (20261126T000000).
const MONTHS_AHEAD = 3;
/** Months before the present given a partition at migration; older rows go to the default partition. */
const MONTHS_BACK = 60;
const COLUMNS = 'id, pensioner_id, source, kind, source_ref, occurred_at, identity_check, location, death_date, batch_id, received_at, received_via';
const RECEIVED_VIA = `received_via IS NOT NULL AND received_via ~ '^(key:[0-9a-f-]{36}|pull:.+|match:.+|import:.+)$'`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(db);
  await sql`
    CREATE TABLE event_identities (source text NOT NULL, source_ref text NOT NULL, PRIMARY KEY (source, source_ref));
    INSERT INTO event_identities (source, source_ref) SELECT source, source_ref FROM events;
    ALTER TABLE events RENAME TO events_unpartitioned;
    ALTER TABLE events_unpartitioned DROP CONSTRAINT events_received_via;
  `.execute(db);
  // Events stored before received_via existed have none (20261202T021000); they keep none, and
  // the check stays valid on every partition (a NOT VALID one would stop rows moving between them).
  const legacy = await sql<{ max: string | null }>`SELECT max(id)::text AS max FROM events_unpartitioned WHERE received_via IS NULL`.execute(db);
  const legacyMax = legacy.rows[0]?.max;
  const check = legacyMax ? `(${RECEIVED_VIA}) OR (received_via IS NULL AND id <= ${BigInt(legacyMax)})` : RECEIVED_VIA;
  await sql
    .raw(
      `CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS,
        CONSTRAINT events_received_via CHECK (${check}))
      PARTITION BY RANGE (occurred_at);
      CREATE TABLE events_default PARTITION OF events DEFAULT;`,
    )
    .execute(db);
  await createFunctions(db);
  // A partition for each month that has evidence (up to MONTHS_BACK before this one) and for
  // this month and those ahead: an empty month of long ago would only be another table that every
  // pensioner's read of the evidence looks into.
  await sql`
    WITH this AS (SELECT date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AS m)
    SELECT evidence_ensure_month(m::date) FROM (
      SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'Asia/Shanghai') AS m FROM events_unpartitioned, this
      WHERE occurred_at AT TIME ZONE 'Asia/Shanghai' >= this.m - make_interval(months => ${MONTHS_BACK})
      UNION SELECT generate_series(this.m, this.m + make_interval(months => ${MONTHS_AHEAD}), interval '1 month') FROM this
    ) months ORDER BY m`.execute(db);
  await sql.raw(`INSERT INTO events (${COLUMNS}) SELECT ${COLUMNS} FROM events_unpartitioned`).execute(db);
  await sql`
    ALTER SEQUENCE events_id_seq OWNED BY events.id;
    DROP TABLE events_unpartitioned;
    ALTER TABLE events ADD PRIMARY KEY (id, occurred_at);
    CREATE INDEX events_pensioner_cover ON events (pensioner_id, occurred_at) INCLUDE (id, source, kind, received_at, identity_check, location, death_date);
    CREATE INDEX events_occurred_brin ON events USING brin (occurred_at);
    ALTER TABLE events ADD CONSTRAINT events_pensioner_id_fkey FOREIGN KEY (pensioner_id) REFERENCES pensioners(id) ON DELETE CASCADE;

    CREATE TABLE decision_events (
      id bigint PRIMARY KEY,
      pensioner_id bigint NOT NULL REFERENCES pensioners(id) ON DELETE CASCADE,
      source text NOT NULL, kind text NOT NULL, source_ref text NOT NULL, occurred_at timestamptz NOT NULL,
      identity_check text NOT NULL, location text, death_date date, batch_id uuid, received_at timestamptz NOT NULL, received_via text,
      retired_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX decision_events_pensioner ON decision_events (pensioner_id);
    ANALYZE events;
  `.execute(db);
  await grant(db);
}

/** What the service does to these tables (20261202T020000): evidence is never updated or deleted by it. */
async function grant(db: Kysely<unknown>): Promise<void> {
  await sql`
    GRANT SELECT, INSERT ON events, event_identities TO pension_app;
    GRANT SELECT ON decision_events, events_default TO pension_app;
    REVOKE ALL ON FUNCTION evidence_ensure_month(date), evidence_retire_month(date), evidence_months() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION evidence_ensure_month(date), evidence_retire_month(date), evidence_months() TO pension_app;
  `.execute(db);
}

async function createFunctions(db: Kysely<unknown>): Promise<void> {
  // The partition of a month, made if missing; rows already parked in the default partition for
  // that month move into it (creating it over them would fail). Grants the service's reads
  // (every table of the schema is readable by it: 20261202T020000).
  await sql`
    CREATE FUNCTION evidence_ensure_month(month date) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      m date := date_trunc('month', month)::date;
      lo timestamptz := m::timestamp AT TIME ZONE 'Asia/Shanghai';
      hi timestamptz := (m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai';
      part text := 'events_p' || to_char(m, 'YYYYMM');
    BEGIN
      IF to_regclass(part) IS NOT NULL THEN RETURN false; END IF;
      IF EXISTS (SELECT FROM events_default WHERE occurred_at >= lo AND occurred_at < hi) THEN
        CREATE TEMP TABLE evidence_moving ON COMMIT DROP AS
          WITH moved AS (DELETE FROM events_default WHERE occurred_at >= lo AND occurred_at < hi RETURNING *) SELECT * FROM moved;
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        INSERT INTO events SELECT * FROM evidence_moving;
        DROP TABLE evidence_moving;
      ELSE
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
      END IF;
      EXECUTE format('GRANT SELECT ON %I TO pension_app', part);
      RETURN true;
    END $$;
  `.execute(db);
  // The months that have a partition, oldest first.
  await sql`
    CREATE FUNCTION evidence_months() RETURNS SETOF date
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
      SELECT to_date(substr(c.relname, 9), 'YYYYMM') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'events'::regclass AND c.relname ~ '^events_p[0-9]{6}$' ORDER BY 1
    $$;
  `.execute(db);
  // Retires a month: the events of it that a stored decision was taken from are copied into
  // decision_events (decisions from before known_event_ids: those received by the decision),
  // then the partition is dropped, in one transaction. Returns the events copied, or null when
  // the month has no partition.
  await sql`
    CREATE FUNCTION evidence_retire_month(month date) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    DECLARE
      part text := 'events_p' || to_char(date_trunc('month', month), 'YYYYMM');
      copied bigint;
    BEGIN
      IF NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = to_regclass(part) AND i.inhparent = 'events'::regclass) THEN RETURN NULL; END IF;
      EXECUTE format($q$
        INSERT INTO decision_events (${sql.raw(COLUMNS)})
        SELECT ${sql.raw(
          COLUMNS.split(', ')
            .map((c) => `e.${c}`)
            .join(', '),
        )} FROM %I e
        WHERE EXISTS (SELECT FROM decisions d WHERE d.pensioner_id = e.pensioner_id
          AND (e.id = ANY (d.known_event_ids) OR (d.known_event_ids IS NULL AND e.received_at <= d.decided_at)))
        ON CONFLICT (id) DO NOTHING$q$, part);
      GET DIAGNOSTICS copied = ROW_COUNT;
      EXECUTE format('DROP TABLE %I', part);
      RETURN copied;
    END $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Back to one table: retired events come back from decision_events (those no decision knew are gone).
  await sql`
    CREATE TABLE events_flat (LIKE events INCLUDING DEFAULTS);
    INSERT INTO events_flat SELECT * FROM events;
    INSERT INTO events_flat (${sql.raw(COLUMNS)}) SELECT ${sql.raw(COLUMNS)} FROM decision_events;
    ALTER SEQUENCE events_id_seq OWNED BY events_flat.id;
    DROP TABLE events;
    DROP TABLE decision_events, event_identities;
    DROP FUNCTION evidence_ensure_month(date), evidence_retire_month(date), evidence_months();
    ALTER TABLE events_flat RENAME TO events;
    ALTER TABLE events ADD PRIMARY KEY (id), ADD UNIQUE (source, source_ref),
      ADD FOREIGN KEY (pensioner_id) REFERENCES pensioners(id) ON DELETE CASCADE;
    CREATE INDEX events_pensioner_cover ON events (pensioner_id, occurred_at) INCLUDE (id, source, kind, received_at, identity_check, location, death_date);
    CREATE INDEX events_occurred_brin ON events USING brin (occurred_at);
    GRANT SELECT, INSERT ON events TO pension_app;
  `.execute(db);
  await sql.raw(`ALTER TABLE events ADD CONSTRAINT events_received_via CHECK (${RECEIVED_VIA}) NOT VALID`).execute(db);
}
