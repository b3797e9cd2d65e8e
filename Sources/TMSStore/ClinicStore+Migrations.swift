import Foundation
import GRDB
import TMSCore

// Migrations: named by string, never edited once landed; add new ones at the end.
extension ClinicStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-30 patients, courses, sessions, audit") { db in
            try db.execute(sql: """
                CREATE TABLE patient (
                  id INTEGER PRIMARY KEY,
                  mrn TEXT NOT NULL UNIQUE,
                  family_name TEXT NOT NULL,
                  given_name TEXT NOT NULL,
                  birth_date TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE TABLE course (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  protocol_id TEXT NOT NULL,
                  protocol_name TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'cancelled')),
                  status_reason TEXT,
                  start_date TEXT NOT NULL,
                  session_time TEXT NOT NULL,
                  time_zone TEXT NOT NULL,
                  prescriber TEXT NOT NULL,
                  target_method TEXT NOT NULL,
                  target_label TEXT NOT NULL,
                  target_x REAL, target_y REAL, target_z REAL,
                  coordinate_system TEXT,
                  frequency_hz REAL NOT NULL,
                  intensity_pct_mt REAL NOT NULL,
                  pulses_per_train INTEGER NOT NULL,
                  train_duration_s REAL NOT NULL,
                  inter_train_interval_s REAL NOT NULL,
                  trains INTEGER NOT NULL,
                  pulses_per_session INTEGER NOT NULL CHECK (pulses_per_session = trains * pulses_per_train),
                  sessions_per_day INTEGER NOT NULL,
                  interval_minutes INTEGER NOT NULL,
                  total_sessions INTEGER NOT NULL,
                  phases TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX course_by_patient ON course(patient_id);
                CREATE TABLE session (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  number INTEGER NOT NULL,
                  phase TEXT NOT NULL,
                  scheduled_date TEXT NOT NULL,
                  scheduled_time TEXT NOT NULL,
                  scheduled_at TEXT NOT NULL,
                  status TEXT NOT NULL
                    CHECK (status IN ('scheduled', 'in_progress', 'completed', 'missed', 'aborted')),
                  started_at TEXT,
                  finished_at TEXT,
                  motor_threshold REAL,
                  intensity_pct_mt REAL,
                  frequency_hz REAL,
                  pulses_per_train INTEGER,
                  train_duration_s REAL,
                  inter_train_interval_s REAL,
                  trains INTEGER,
                  pulses_delivered INTEGER,
                  coil TEXT,
                  target TEXT,
                  notes TEXT,
                  reason TEXT,
                  replaces INTEGER UNIQUE REFERENCES session(id),
                  CHECK (status != 'completed' OR (motor_threshold IS NOT NULL AND pulses_delivered IS NOT NULL))
                );
                CREATE INDEX session_by_date ON session(scheduled_date, scheduled_time);
                CREATE INDEX session_by_course ON session(course_id, scheduled_at);
                CREATE TABLE audit (
                  id INTEGER PRIMARY KEY,
                  at TEXT NOT NULL,
                  uid INTEGER NOT NULL,
                  user TEXT NOT NULL,
                  pid INTEGER NOT NULL,
                  method TEXT NOT NULL,
                  patient_id INTEGER,
                  course_id INTEGER,
                  session_id INTEGER,
                  summary TEXT NOT NULL
                );
                CREATE INDEX audit_by_course ON audit(course_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 chairs and slots") { db in
            try db.execute(sql: """
                ALTER TABLE course ADD COLUMN coil TEXT;
                ALTER TABLE course ADD COLUMN slot_minutes INTEGER;
                ALTER TABLE session ADD COLUMN chair TEXT;
                ALTER TABLE session ADD COLUMN start_minute INTEGER;
                ALTER TABLE session ADD COLUMN slot_minutes INTEGER;
                CREATE INDEX session_by_day_and_chair ON session(scheduled_date, chair);
                """)
            for treatment in ProtocolLibrary.builtIn {
                try db.execute(
                    sql: "UPDATE course SET coil = ?, slot_minutes = ? WHERE protocol_id = ?",
                    arguments: [treatment.coil, ClinicResources.stimulationMinutes(treatment) + 10, treatment.id])
            }
            // The last line of defence: no two live bookings overlap on a chair.
            let clash = """
                SELECT RAISE(ABORT, 'chair double-booked') FROM session o
                WHERE o.scheduled_date = NEW.scheduled_date AND o.chair = NEW.chair AND o.id != NEW.id
                  AND o.status IN ('scheduled', 'in_progress', 'completed')
                  AND o.start_minute < NEW.start_minute + NEW.slot_minutes AND NEW.start_minute < o.start_minute + o.slot_minutes;
                """
            try db.execute(sql: """
                CREATE TRIGGER session_chair_free_on_insert BEFORE INSERT ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                CREATE TRIGGER session_chair_free_on_update
                BEFORE UPDATE OF scheduled_date, start_minute, slot_minutes, chair, status ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                """)
        }
        migrator.registerMigration("2026-11-30 pauses and chair outages") { db in
            try db.execute(sql: """
                ALTER TABLE course ADD COLUMN paused_from TEXT;
                CREATE TABLE chair_outage (
                  id INTEGER PRIMARY KEY,
                  chair TEXT NOT NULL,
                  from_date TEXT NOT NULL,
                  to_date TEXT NOT NULL CHECK (to_date >= from_date),
                  reason TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX chair_outage_by_dates ON chair_outage(from_date, to_date);
                """)
        }
        migrator.registerMigration("2026-11-30 outcomes and alerts") { db in
            try db.execute(sql: """
                CREATE TABLE outcome (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  scale TEXT NOT NULL,
                  timepoint TEXT NOT NULL CHECK (timepoint IN ('baseline', 'weekly', 'end')),
                  date TEXT NOT NULL,
                  total INTEGER NOT NULL,
                  items TEXT,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX outcome_by_course ON outcome(course_id, scale, date);
                CREATE TABLE alert (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  outcome_id INTEGER REFERENCES outcome(id),
                  kind TEXT NOT NULL,
                  detail TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  acknowledged_at TEXT,
                  acknowledged_by TEXT,
                  note TEXT
                );
                CREATE INDEX alert_open ON alert(acknowledged_at, id);
                """)
        }
        migrator.registerMigration("2026-11-30 motor thresholds and adverse events") { db in
            try db.execute(sql: """
                CREATE TABLE motor_threshold (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  date TEXT NOT NULL,
                  method TEXT NOT NULL CHECK (method IN ('visual', 'emg', 'algorithm')),
                  muscle TEXT NOT NULL,
                  value REAL NOT NULL CHECK (value >= 1 AND value <= 100),
                  operator TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX motor_threshold_by_course ON motor_threshold(course_id, date);
                CREATE TABLE adverse_event (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  session_id INTEGER REFERENCES session(id),
                  kind TEXT NOT NULL,
                  severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
                  date TEXT NOT NULL,
                  details TEXT NOT NULL,
                  held INTEGER NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX adverse_event_by_course ON adverse_event(course_id, date);
                ALTER TABLE course ADD COLUMN held_since TEXT;
                ALTER TABLE course ADD COLUMN hold_reason TEXT;
                """)
        }
        migrator.registerMigration("2026-11-30 safety screens") { db in
            try db.execute(sql: """
                CREATE TABLE screen (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  date TEXT NOT NULL,
                  answers TEXT NOT NULL,
                  result TEXT NOT NULL CHECK (result IN ('clear', 'relative', 'absolute')),
                  findings TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  signed_off_by TEXT,
                  sign_off_reason TEXT,
                  signed_off_at TEXT
                );
                CREATE INDEX screen_by_course ON screen(course_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 medications") { db in
            try db.execute(sql: """
                CREATE TABLE medication (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  drug TEXT NOT NULL,
                  dose REAL NOT NULL CHECK (dose > 0),
                  unit TEXT NOT NULL CHECK (unit != ''),
                  start_date TEXT NOT NULL,
                  stop_date TEXT CHECK (stop_date IS NULL OR stop_date >= start_date),
                  replaces INTEGER REFERENCES medication(id),
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX medication_by_patient ON medication(patient_id, start_date);
                ALTER TABLE session ADD COLUMN medications TEXT;
                """)
        }
        migrator.registerMigration("2026-11-30 treatment trials") { db in
            try db.execute(sql: """
                CREATE TABLE trial (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  kind TEXT NOT NULL CHECK (kind IN ('medication', 'psychotherapy')),
                  drug TEXT,
                  drug_class TEXT,
                  highest_dose REAL,
                  unit TEXT,
                  weeks_at_dose REAL NOT NULL CHECK (weeks_at_dose >= 0),
                  adherence TEXT NOT NULL CHECK (adherence IN ('good', 'partial', 'poor')),
                  outcome TEXT NOT NULL CHECK (outcome IN ('none', 'partial', 'response', 'remission', 'intolerance')),
                  side_effects TEXT NOT NULL,
                  reason_stopped TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  CHECK (kind = 'psychotherapy' OR (drug IS NOT NULL AND highest_dose > 0 AND unit IS NOT NULL AND unit != ''))
                );
                CREATE INDEX trial_by_patient ON trial(patient_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 payer authorizations") { db in
            try db.execute(sql: """
                CREATE TABLE payer_authorization (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  payer TEXT NOT NULL CHECK (payer != ''),
                  reference TEXT NOT NULL CHECK (reference != ''),
                  sessions INTEGER NOT NULL CHECK (sessions > 0),
                  from_date TEXT NOT NULL,
                  to_date TEXT NOT NULL CHECK (to_date >= from_date),
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX payer_authorization_by_course ON payer_authorization(course_id, id);
                CREATE TABLE authorization_extension (
                  id INTEGER PRIMARY KEY,
                  authorization_id INTEGER NOT NULL REFERENCES payer_authorization(id),
                  sessions INTEGER NOT NULL CHECK (sessions >= 0),
                  to_date TEXT,
                  reason TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  CHECK (sessions > 0 OR to_date IS NOT NULL)
                );
                CREATE INDEX authorization_extension_by_authorization ON authorization_extension(authorization_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 indexes for the daily report") { db in
            // The report reads the courses under way, and the day's events, measurements and medication changes,
            // over years of history.
            try db.execute(sql: """
                CREATE INDEX course_by_status ON course(status);
                CREATE INDEX adverse_event_by_date ON adverse_event(date);
                CREATE INDEX motor_threshold_by_date ON motor_threshold(date);
                CREATE INDEX medication_by_start ON medication(start_date);
                CREATE INDEX medication_by_stop ON medication(stop_date);
                """)
        }
        migrator.registerMigration("2026-12-02 refusals name their error") { db in
            // A refused call's audit row carries the name of the error it got.
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN error TEXT")
        }
        migrator.registerMigration("2026-12-02 the treatment gate") { db in
            // The gate orders by instant wherever a rule says "since" or "after", so what it reads
            // carries the instant it happened; it keeps every finding a treatment went ahead with, the
            // screen's findings with their weights, a clinician's clearance of one, and each session's
            // date of service. Rows from before this migration get their instant from when they were
            // recorded, when that was their own day (UTC), else the start of their day: their order
            // is only as good as that.
            try db.execute(sql: """
                ALTER TABLE motor_threshold ADD COLUMN measured_at TEXT;
                UPDATE motor_threshold
                  SET measured_at = CASE WHEN substr(created_at, 1, 10) = date THEN created_at ELSE date || 'T00:00:00Z' END;
                ALTER TABLE adverse_event ADD COLUMN occurred_at TEXT;
                UPDATE adverse_event
                  SET occurred_at = CASE WHEN substr(created_at, 1, 10) = date THEN created_at ELSE date || 'T00:00:00Z' END;
                ALTER TABLE medication ADD COLUMN started_at TEXT;
                ALTER TABLE medication ADD COLUMN stopped_at TEXT;
                UPDATE medication SET
                  started_at = CASE WHEN substr(created_at, 1, 10) = start_date THEN created_at ELSE start_date || 'T00:00:00Z' END,
                  stopped_at = CASE WHEN stop_date IS NULL THEN NULL ELSE stop_date || 'T00:00:00Z' END;
                ALTER TABLE course ADD COLUMN held_at TEXT;
                UPDATE course SET held_at = held_since || 'T00:00:00Z' WHERE held_since IS NOT NULL;
                ALTER TABLE screen ADD COLUMN judged TEXT;
                CREATE TABLE screen_clearance (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  question TEXT NOT NULL,
                  reason TEXT NOT NULL CHECK (reason != ''),
                  cleared_by TEXT NOT NULL,
                  at TEXT NOT NULL
                );
                CREATE INDEX screen_clearance_by_course ON screen_clearance(course_id, id);
                CREATE TABLE finding (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  session_id INTEGER REFERENCES session(id),
                  rule TEXT NOT NULL,
                  severity TEXT NOT NULL CHECK (severity IN ('override', 'warn')),
                  message TEXT NOT NULL,
                  reason TEXT,
                  recorded_by TEXT NOT NULL,
                  at TEXT NOT NULL,
                  CHECK (severity = 'warn' OR (reason IS NOT NULL AND reason != ''))
                );
                CREATE INDEX finding_by_course ON finding(course_id, id);
                CREATE INDEX finding_by_session ON finding(session_id);
                ALTER TABLE session ADD COLUMN service_date TEXT;
                CREATE INDEX session_by_service_date ON session(service_date);
                """)
            // A session's date of service: the day it was started, in its course's zone.
            let delivered = try Row.fetchAll(db, sql: """
                SELECT s.id, s.started_at, c.time_zone FROM session s JOIN course c ON c.id = s.course_id
                WHERE s.started_at IS NOT NULL
                """)
            let update = try db.makeStatement(sql: "UPDATE session SET service_date = ? WHERE id = ?")
            for row in delivered {
                guard let started = Timestamp.parse(row["started_at"]) else { continue }
                let zone = TimeZone(identifier: row["time_zone"]) ?? TimeZone(secondsFromGMT: 0)!
                try update.execute(arguments: [ClinicCalendar(timeZone: zone).date(at: started).description, row["id"] as Int])
            }
        }
        migrator.registerMigration("2026-12-02 a patient is in one session at a time") { db in
            // The booker keeps clear of the patient's other bookings; this is the last line of defence.
            // (Bookings that overlapped before it stay as they were until one of them moves.)
            let clash = """
                SELECT RAISE(ABORT, 'patient double-booked') FROM session o JOIN course oc ON oc.id = o.course_id
                WHERE o.scheduled_date = NEW.scheduled_date AND o.id != NEW.id AND o.chair IS NOT NULL
                  AND o.status IN ('scheduled', 'in_progress', 'completed')
                  AND oc.patient_id = (SELECT patient_id FROM course WHERE id = NEW.course_id)
                  AND o.start_minute < NEW.start_minute + NEW.slot_minutes AND NEW.start_minute < o.start_minute + o.slot_minutes;
                """
            try db.execute(sql: """
                CREATE TRIGGER session_patient_free_on_insert BEFORE INSERT ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                CREATE TRIGGER session_patient_free_on_update
                BEFORE UPDATE OF scheduled_date, start_minute, slot_minutes, chair ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                """)
        }
        migrator.registerMigration("2026-12-02 a patient's bookings are found through the patient's courses") { db in
            // The same check as above, read from the patient's few courses (course_by_patient,
            // session_by_course) rather than from every booking of the day: the unary + keeps
            // SQLite off the day's index.
            let clash = """
                SELECT RAISE(ABORT, 'patient double-booked') FROM course oc CROSS JOIN session o ON o.course_id = oc.id
                WHERE oc.patient_id = (SELECT patient_id FROM course WHERE id = NEW.course_id)
                  AND +o.scheduled_date = NEW.scheduled_date AND o.id != NEW.id AND +o.chair IS NOT NULL
                  AND o.status IN ('scheduled', 'in_progress', 'completed')
                  AND o.start_minute < NEW.start_minute + NEW.slot_minutes AND NEW.start_minute < o.start_minute + o.slot_minutes;
                """
            try db.execute(sql: """
                DROP TRIGGER session_patient_free_on_insert;
                DROP TRIGGER session_patient_free_on_update;
                CREATE TRIGGER session_patient_free_on_insert BEFORE INSERT ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                CREATE TRIGGER session_patient_free_on_update
                BEFORE UPDATE OF scheduled_date, start_minute, slot_minutes, chair ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                """)
        }
        migrator.registerMigration("2026-12-02 a day's bookings are read from their index alone") { db in
            // What the booker reads of every day it looks at (chair, status, start and length),
            // all in the index it searches, so no booking row is fetched from the table.
            try db.execute(sql: """
                DROP INDEX session_by_day_and_chair;
                CREATE INDEX session_by_day_and_chair ON session(scheduled_date, chair, status, start_minute, slot_minutes);
                """)
        }
        migrator.registerMigration("2026-12-02 the audit trail is a hash chain") { db in
            // The entries before it are chained in the order they were written; they name no
            // changed records (changes is NULL), and are only as good as the file was.
            try db.execute(sql: """
                ALTER TABLE audit ADD COLUMN seq INTEGER;
                ALTER TABLE audit ADD COLUMN changes TEXT;
                ALTER TABLE audit ADD COLUMN prev_hash TEXT;
                ALTER TABLE audit ADD COLUMN hash TEXT;
                """)
            try ClinicStore.chainUnnumberedEntries(db)
            try db.execute(sql: "CREATE UNIQUE INDEX audit_by_seq ON audit(seq)")
        }
        migrator.registerMigration("2026-12-03 a course's baseline found from its own index") { db in
            // Recording an outcome checks for a baseline: from this index, not by reading every score of the scale.
            try db.execute(sql: "CREATE INDEX outcome_baseline ON outcome(course_id, scale) WHERE timepoint = 'baseline'")
        }
        migrator.registerMigration("2026-12-03 the front desk: patients found, corrected, made inactive, and reached") { db in
            // Tables of their own, not columns added to patient: the change log holds each
            // record's row as an entry wrote it, and a column added to a logged table would
            // make every row written before differ from its entry.
            try db.execute(sql: """
                CREATE TABLE patient_search (
                  patient_id INTEGER PRIMARY KEY REFERENCES patient(id) ON DELETE CASCADE,
                  name_key TEXT NOT NULL
                );
                CREATE TABLE patient_status (
                  patient_id INTEGER PRIMARY KEY REFERENCES patient(id),
                  active INTEGER NOT NULL CHECK (active IN (0, 1)),
                  reason TEXT NOT NULL,
                  changed_at TEXT NOT NULL
                );
                CREATE TABLE patient_contact (
                  patient_id INTEGER PRIMARY KEY REFERENCES patient(id),
                  phone TEXT,
                  email TEXT,
                  preferred TEXT CHECK (preferred IN ('phone', 'email')),
                  reminders INTEGER NOT NULL DEFAULT 0 CHECK (reminders IN (0, 1))
                );
                CREATE TABLE patient_correction (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  field TEXT NOT NULL,
                  old_value TEXT NOT NULL,
                  new_value TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  at TEXT NOT NULL,
                  user TEXT NOT NULL
                );
                CREATE INDEX patient_correction_by_patient ON patient_correction(patient_id, id);
                """)
            // The patients registered before are found by name too.
            let insert = try db.makeStatement(sql: "INSERT INTO patient_search (patient_id, name_key) VALUES (?, ?)")
            for row in try Row.fetchAll(db, sql: "SELECT id, family_name, given_name FROM patient") {
                try insert.execute(arguments: [row["id"], PatientQuery.nameKey(familyName: row["family_name"], givenName: row["given_name"])])
            }
        }
        migrator.registerMigration("2026-12-03 no-shows") { db in
            // A session still scheduled at the day's close: missed, and this row says nobody came.
            try db.execute(sql: """
                CREATE TABLE no_show (
                  session_id INTEGER PRIMARY KEY REFERENCES session(id),
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  date TEXT NOT NULL,
                  recorded_at TEXT NOT NULL
                );
                CREATE INDEX no_show_by_date ON no_show(date);
                CREATE INDEX no_show_by_course ON no_show(course_id);
                """)
        }
        migrator.registerMigration("2026-12-03 the path before a course") { db in
            // Referrals, consultations, the pre-TMS evaluation and medication strategies,
            // each in tables of its own (see the front desk's migration).
            try db.execute(sql: """
                CREATE TABLE referral (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  referred_by TEXT NOT NULL,
                  date TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX referral_by_patient ON referral(patient_id, id);
                CREATE TABLE consultation (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  clinician TEXT NOT NULL,
                  room TEXT NOT NULL,
                  date TEXT NOT NULL,
                  start_minute INTEGER NOT NULL,
                  minutes INTEGER NOT NULL CHECK (minutes > 0),
                  outcome TEXT CHECK (outcome IN ('proceed', 'notCandidate', 'referredElsewhere')),
                  outcome_note TEXT,
                  outcome_by TEXT,
                  booked_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX consultation_by_day ON consultation(date, start_minute);
                CREATE INDEX consultation_by_patient ON consultation(patient_id, date);
                CREATE TABLE evaluation_entry (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  item TEXT NOT NULL,
                  result TEXT NOT NULL,
                  instrument TEXT,
                  score REAL,
                  detail TEXT,
                  date TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX evaluation_entry_by_patient ON evaluation_entry(patient_id, id);
                CREATE TABLE strategy (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  kind TEXT NOT NULL CHECK (kind IN ('switch', 'augmentation', 'combination')),
                  base TEXT NOT NULL,
                  drug TEXT NOT NULL,
                  drug_class TEXT,
                  start_date TEXT NOT NULL,
                  stop_date TEXT CHECK (stop_date >= start_date),
                  adherence TEXT NOT NULL,
                  outcome TEXT,
                  reason_stopped TEXT,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX strategy_by_patient ON strategy(patient_id, start_date);
                CREATE TABLE strategy_dose_step (
                  id INTEGER PRIMARY KEY,
                  strategy_id INTEGER NOT NULL REFERENCES strategy(id),
                  date TEXT NOT NULL,
                  dose REAL NOT NULL CHECK (dose > 0),
                  unit TEXT NOT NULL,
                  UNIQUE (strategy_id, date)
                );
                CREATE TABLE strategy_side_effect (
                  id INTEGER PRIMARY KEY,
                  strategy_id INTEGER NOT NULL REFERENCES strategy(id),
                  effect TEXT NOT NULL,
                  severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe'))
                );
                CREATE INDEX strategy_side_effect_by_strategy ON strategy_side_effect(strategy_id, id);
                -- A medication taken as part of a strategy: its drug, or the base it builds on.
                CREATE TABLE strategy_medication (
                  medication_id INTEGER PRIMARY KEY REFERENCES medication(id),
                  strategy_id INTEGER NOT NULL REFERENCES strategy(id),
                  role TEXT NOT NULL CHECK (role IN ('base', 'drug'))
                );
                CREATE INDEX strategy_medication_by_strategy ON strategy_medication(strategy_id);
                """)
        }
        return migrator
    }
}
