import Foundation
import Logging
import PostgresNIO
import TMSCore
import TMSStore

/// The central PostgreSQL's side: its schema, and the function that takes
/// each entry a site sends. Every row is keyed by its site first, so the
/// tables can be distributed by site on Citus (`SELECT
/// create_distributed_table('tmsd_entry', 'site')`, and so for the others).
enum Central {
    static let schema: [String] = [
        // (The function before it took whole entries only.)
        "DROP FUNCTION IF EXISTS tmsd_accept(text, bigint, text, bigint, text, bigint, text, bigint, bigint, bigint, text, text, text, text, text)",
        """
        CREATE TABLE IF NOT EXISTS tmsd_site (
          site text PRIMARY KEY,
          refused_at timestamptz,
          refused_reason text
        )
        """,
        // An entry of a site's change log, as the site's chain holds it.
        """
        CREATE TABLE IF NOT EXISTS tmsd_entry (
          site text NOT NULL,
          seq bigint NOT NULL,
          at text NOT NULL,
          uid bigint NOT NULL,
          "user" text NOT NULL,
          pid bigint NOT NULL,
          method text NOT NULL,
          patient_id bigint,
          course_id bigint,
          session_id bigint,
          summary text NOT NULL,
          error text,
          changes jsonb,
          prev_hash text NOT NULL,
          hash text NOT NULL,
          received_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (site, seq)
        )
        """,
        // Each record of a site as its latest entry left it: (site, table, id).
        """
        CREATE TABLE IF NOT EXISTS tmsd_record (
          site text NOT NULL,
          tbl text NOT NULL,
          id bigint NOT NULL,
          seq bigint NOT NULL,
          row jsonb NOT NULL,
          PRIMARY KEY (site, tbl, id)
        )
        """,
        // A text as the change log's canonical JSON writes it: quote and backslash escaped, every other
        // character below U+0020 as \u00XX (lowercase hex), nothing else escaped.
        """
        CREATE OR REPLACE FUNCTION tmsd_canonical(t text) RETURNS text IMMUTABLE STRICT LANGUAGE plpgsql AS $$
        DECLARE r text := replace(replace(t, E'\\\\', E'\\\\\\\\'), '"', E'\\\\"');
        BEGIN
          FOR i IN 1..31 LOOP
            r := replace(r, chr(i), E'\\\\u00' || lpad(to_hex(i), 2, '0'));
          END LOOP;
          RETURN '"' || r || '"';
        END $$
        """,
        // An entry's hash, computed here as the site computes it: SHA-256 over the JSON array of its fields.
        """
        CREATE OR REPLACE FUNCTION tmsd_entry_hash(
          p_seq bigint, p_at text, p_uid bigint, p_user text, p_pid bigint, p_method text, p_patient bigint, p_course bigint,
          p_session bigint, p_summary text, p_error text, p_changes text, p_prev text
        ) RETURNS text IMMUTABLE LANGUAGE sql AS $$
          SELECT encode(sha256(convert_to('[' || p_seq || ',' || tmsd_canonical(p_at) || ',' || p_uid || ',' ||
            tmsd_canonical(p_user) || ',' || p_pid || ',' || tmsd_canonical(p_method) || ',' ||
            coalesce(p_patient::text, 'null') || ',' || coalesce(p_course::text, 'null') || ',' || coalesce(p_session::text, 'null') ||
            ',' || coalesce(tmsd_canonical(p_summary), 'null') || ',' || coalesce(tmsd_canonical(p_error), 'null') || ',' ||
            coalesce(tmsd_canonical(p_changes), 'null') || ',' || coalesce(tmsd_canonical(p_prev), 'null') || ']', 'UTF8')), 'hex')
        $$
        """,
        // Takes one entry of a site's: NULL when it is applied (or was, the same entry, before); else why the
        // site is refused (an entry that differs from the one received, or does not follow the last), which
        // is kept, so the site is refused from then on, and raised as a warning in the server's log.
        """
        CREATE OR REPLACE FUNCTION tmsd_accept(
          p_site text, p_seq bigint, p_at text, p_uid bigint, p_user text, p_pid bigint, p_method text, p_patient bigint,
          p_course bigint, p_session bigint, p_summary text, p_error text, p_changes text, p_prev text, p_hash text,
          p_whole boolean
        ) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE
          known text; last_seq bigint; last_hash text; reason text; rec jsonb;
        BEGIN
          INSERT INTO tmsd_site (site) VALUES (p_site) ON CONFLICT (site) DO NOTHING;
          SELECT refused_reason INTO reason FROM tmsd_site WHERE site = p_site FOR UPDATE;
          IF reason IS NOT NULL THEN RETURN reason; END IF;
          SELECT hash INTO known FROM tmsd_entry WHERE site = p_site AND seq = p_seq;
          IF FOUND THEN
            IF known = p_hash THEN RETURN NULL; END IF;
            reason := format('entry %s differs from the one received before: the site''s history was rewritten', p_seq);
          ELSE
            SELECT seq, hash INTO last_seq, last_hash FROM tmsd_entry WHERE site = p_site ORDER BY seq DESC LIMIT 1;
            IF coalesce(last_seq, 0) + 1 <> p_seq THEN
              reason := format('entry %s does not follow entry %s, the last received', p_seq, coalesce(last_seq, 0));
            ELSIF coalesce(last_hash, '') <> p_prev THEN
              reason := format('entry %s does not link to entry %s as received: the site''s history was rewritten', p_seq, last_seq);
            ELSIF p_whole AND tmsd_entry_hash(p_seq, p_at, p_uid, p_user, p_pid, p_method, p_patient, p_course, p_session, p_summary,
                                              p_error, p_changes, p_prev) <> p_hash THEN
              reason := format('entry %s was edited: its contents do not give its hash', p_seq);
            END IF;
          END IF;
          IF reason IS NOT NULL THEN
            UPDATE tmsd_site SET refused_at = now(), refused_reason = reason WHERE site = p_site;
            RAISE WARNING 'tmsd: site % refused: %', p_site, reason;
            RETURN reason;
          END IF;
          INSERT INTO tmsd_entry VALUES (p_site, p_seq, p_at, p_uid, p_user, p_pid, p_method, p_patient, p_course, p_session,
                                         p_summary, p_error, p_changes::jsonb, p_prev, p_hash);
          FOR rec IN SELECT value FROM jsonb_array_elements(coalesce(p_changes::jsonb, '[]'::jsonb)) LOOP
            IF jsonb_typeof(rec->'row') IS DISTINCT FROM 'object' THEN
              DELETE FROM tmsd_record WHERE site = p_site AND tbl = rec->>'table' AND id = (rec->>'id')::bigint;
            ELSE
              INSERT INTO tmsd_record VALUES (p_site, rec->>'table', (rec->>'id')::bigint, p_seq, rec->'row')
              ON CONFLICT (site, tbl, id) DO UPDATE SET seq = excluded.seq, row = excluded.row;
            END IF;
          END LOOP;
          RETURN NULL;
        END $$
        """,
        // A batch of a site's entries in one call: each taken by tmsd_accept in turn, up to the first it refuses
        // (why it refused, or NULL). The entries come as a JSON array of objects, their texts exactly the site's.
        """
        CREATE OR REPLACE FUNCTION tmsd_accept_batch(p_site text, p_entries text, p_whole boolean) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE e jsonb; reason text;
        BEGIN
          FOR e IN SELECT value FROM jsonb_array_elements(p_entries::jsonb) LOOP
            reason := tmsd_accept(p_site, (e->>'seq')::bigint, e->>'at', (e->>'uid')::bigint, e->>'user', (e->>'pid')::bigint,
                                  e->>'method', (e->>'patient')::bigint, (e->>'course')::bigint, (e->>'session')::bigint,
                                  e->>'summary', e->>'error', e->>'changes', e->>'prev', e->>'hash', p_whole);
            IF reason IS NOT NULL THEN RETURN reason; END IF;
          END LOOP;
          RETURN NULL;
        END $$
        """,
        // The network's figures, over every site's records as they stand.
        """
        CREATE OR REPLACE VIEW tmsd_sessions_per_day AS
        SELECT site, row->>'service_date' AS day, count(*) AS sessions,
               sum((row->>'pulses_delivered')::bigint) AS pulses
        FROM tmsd_record WHERE tbl = 'session' AND row->>'status' = 'completed'
        GROUP BY site, row->>'service_date'
        """,
        """
        CREATE OR REPLACE VIEW tmsd_course_outcomes AS
        SELECT c.site, c.id AS course_id, c.row->>'protocol_id' AS protocol_id, o.scale,
               (SELECT (b.row->>'total')::int FROM tmsd_record b WHERE b.site = c.site AND b.tbl = 'outcome'
                  AND (b.row->>'course_id')::bigint = c.id AND b.row->>'scale' = o.scale AND b.row->>'timepoint' = 'baseline'
                ORDER BY b.row->>'date' LIMIT 1) AS baseline,
               (SELECT (l.row->>'total')::int FROM tmsd_record l WHERE l.site = c.site AND l.tbl = 'outcome'
                  AND (l.row->>'course_id')::bigint = c.id AND l.row->>'scale' = o.scale
                ORDER BY l.row->>'date' DESC, l.id DESC LIMIT 1) AS latest
        FROM tmsd_record c
        JOIN (SELECT DISTINCT site, (row->>'course_id')::bigint AS course_id, row->>'scale' AS scale
              FROM tmsd_record WHERE tbl = 'outcome') o ON o.site = c.site AND o.course_id = c.id
        WHERE c.tbl = 'course'
        """,
        """
        CREATE OR REPLACE VIEW tmsd_authorization_use AS
        SELECT a.site, (a.row->>'course_id')::bigint AS course_id, a.row->>'payer' AS payer,
               (a.row->>'sessions')::int + coalesce((SELECT sum((e.row->>'sessions')::int) FROM tmsd_record e
                  WHERE e.site = a.site AND e.tbl = 'authorization_extension' AND (e.row->>'authorization_id')::bigint = a.id), 0)
                 AS authorized,
               (SELECT count(*) FROM tmsd_record s WHERE s.site = a.site AND s.tbl = 'session'
                  AND (s.row->>'course_id')::bigint = (a.row->>'course_id')::bigint AND s.row->>'status' = 'completed') AS used
        FROM tmsd_record a WHERE a.tbl = 'payer_authorization'
        """,
        // A course's first delivered session (in the order given) is its initial one, which bills
        // the mapping and the MT's determination; which later one bills a re-determination is the
        // site's [billing] rule, in its own report.
        """
        CREATE OR REPLACE VIEW tmsd_sessions_billed AS
        SELECT site, left(day, 7) AS month, count(DISTINCT course_id) AS courses,
               count(*) FILTER (WHERE n = 1) AS initial, count(*) FILTER (WHERE n > 1) AS later
        FROM (SELECT site, (row->>'course_id')::bigint AS course_id, coalesce(row->>'service_date', row->>'scheduled_date') AS day,
                     row_number() OVER (PARTITION BY site, row->>'course_id'
                                        ORDER BY coalesce(row->>'started_at', row->>'scheduled_at'), id) AS n
              FROM tmsd_record WHERE tbl = 'session' AND row->>'status' = 'completed') delivered
        GROUP BY site, left(day, 7)
        """,
    ]

    /// Marks `site` refused, for a reason the site found itself.
    static func refuse(_ site: String, _ reason: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO tmsd_site (site, refused_at, refused_reason) VALUES (\(site), now(), \(reason))
            ON CONFLICT (site) DO UPDATE SET refused_at = now(), refused_reason = excluded.refused_reason
            """, logger: logger)
    }

    /// The schema, made where it is missing (each statement is idempotent).
    /// Sites that connect at once make it one after another: under a transaction's advisory lock
    /// (CREATE ... IF NOT EXISTS is not safe against itself run concurrently).
    static func prepare(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLock))", logger: logger)
            for statement in schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    /// The advisory lock the schema is made under ("tmsd" in ASCII).
    static let schemaLock: Int64 = 0x746D_7364

    /// The last entry the server holds of `site`'s, and why it refuses the site, if it does.
    static func head(_ connection: PostgresConnection, site: String, logger: Logger) async throws -> (ChainHead?, String?) {
        var head: ChainHead?
        for try await (seq, hash) in try await connection.query(
            "SELECT seq, hash FROM tmsd_entry WHERE site = \(site) ORDER BY seq DESC LIMIT 1", logger: logger
        ).decode((Int, String).self) {
            head = ChainHead(sequence: seq, hash: hash)
        }
        var refusal: String?
        for try await reason in try await connection.query(
            "SELECT refused_reason FROM tmsd_site WHERE site = \(site) AND refused_at IS NOT NULL", logger: logger
        ).decode(String.self) {
            refusal = reason
        }
        return (head, refusal)
    }

    /// Sends `entries` in order, in the caller's transaction: nil when every one was taken, else why the site is refused.
    /// `whole`: the entries are as the site's chain holds them, so the server recomputes each hash (not so de-identified).
    static func accept(
        _ entries: [ChangeLogEntry], site: String, whole: Bool, on connection: PostgresConnection, logger: Logger
    ) async throws -> String? {
        // One round trip for the batch, not one an entry.
        let batch = String(decoding: try JSONEncoder().encode(entries.map(WireEntry.init)), as: UTF8.self)
        let rows = try await connection.query("SELECT tmsd_accept_batch(\(site), \(batch), \(whole))", logger: logger)
        for try await reason in rows.decode(String?.self) {
            if let reason { return reason }
        }
        return nil
    }
}

/// An entry as `tmsd_accept_batch` reads it (absent: NULL).
private struct WireEntry: Encodable {
    let seq: Int, at: String, uid: Int, user: String, pid: Int, method: String
    let patient: Int?, course: Int?, session: Int?
    let summary: String, error: String?, changes: String?, prev: String, hash: String

    init(_ e: ChangeLogEntry) {
        (seq, at, uid, user, pid, method) = (e.sequence, e.at, e.uid, e.user, e.pid, e.method)
        (patient, course, session) = (e.patient, e.course, e.session)
        (summary, error, changes, prev, hash) = (e.summary, e.error, e.changes, e.previousHash, e.hash)
    }
}
