import Foundation
import GRDB
import GRDBSQLite
import TMSCore

/// A statement's column positions by name.
final class Columns {
    // Names in the statement's order. A decoder reads columns mostly in that
    // order, so each lookup starts after the last one found: one comparison
    // of short (small, inline) strings, usually, rather than a hash per read.
    private let names: [String]
    private var next = 0

    init(_ statement: Statement) {
        names = statement.columnNames
    }

    subscript(_ name: String) -> Int {
        let count = names.count
        for step in 0..<count {
            let position = (next + step) % count
            if names[position] == name {
                next = position + 1 == count ? 0 : position + 1
                return position
            }
        }
        fatalError("no column \(name) in the statement")  // a defect of the query
    }
}

/// A row read by column name, straight from the statement SQLite stepped to it.
struct NamedRow {
    let statement: SQLiteStatement
    let columns: Columns

    // As GRDB's own row[index]: any value (an optional one reads NULL as nil), and the fast path for
    // column types; a value that does not convert is a defect of the query, as it is there.
    subscript<V: DatabaseValueConvertible>(_ name: String) -> V {
        let index = CInt(columns[name])
        guard let value = V.fromDatabaseValue(DatabaseValue(sqliteStatement: statement, index: index)) else {
            fatalError("column \(name) does not hold a \(V.self)")
        }
        return value
    }

    subscript<V: DatabaseValueConvertible & StatementColumnConvertible>(_ name: String) -> V {
        let index = CInt(columns[name])
        guard let value = V.fromStatement(statement, atUncheckedIndex: index) else {
            fatalError("column \(name) does not hold a \(V.self)")
        }
        return value
    }
}

// Rows as records, decoded by column name.
extension ClinicStore {
    static func patientRecord(_ row: NamedRow) -> PatientRecord {
        PatientRecord(
            id: row["id"], mrn: row["mrn"], familyName: row["family_name"], givenName: row["given_name"],
            birthDate: CivilDate(row["birth_date"] as String)!, createdAt: Timestamp.parse(row["created_at"])!,
            active: row["active"])
    }

    static func courseRecord(_ row: NamedRow) -> CourseRecord {
        CourseRecord(
            id: row["id"], patientId: row["patient_id"], protocolId: row["protocol_id"], protocolName: row["protocol_name"],
            status: (row["held_since"] as String?) != nil ? .onHold
                : (row["paused_from"] as String?) != nil ? .paused : CourseStatus(rawValue: row["status"])!,
            statusReason: (row["held_since"] as String?).map { "on hold since \($0): \(row["hold_reason"] as String? ?? "")" }
                ?? (row["paused_from"] as String?).map { "paused from \($0)" } ?? row["status_reason"],
            startDate: CivilDate(row["start_date"] as String)!, sessionTime: LocalTime(row["session_time"] as String)!,
            timeZone: row["time_zone"], prescriber: row["prescriber"],
            target: TargetSite(
                method: TargetSite.Method(rawValue: row["target_method"])!, label: row["target_label"],
                x: row["target_x"], y: row["target_y"], z: row["target_z"], coordinateSystem: row["coordinate_system"]),
            dose: PrescribedDose(
                frequencyHz: row["frequency_hz"], intensityPercentMT: row["intensity_pct_mt"],
                pulsesPerTrain: row["pulses_per_train"], trainDurationSeconds: row["train_duration_s"],
                interTrainIntervalSeconds: row["inter_train_interval_s"], trains: row["trains"],
                pulsesPerSession: row["pulses_per_session"]),
            sessionsPerDay: row["sessions_per_day"], intervalMinutes: row["interval_minutes"],
            totalSessions: row["total_sessions"],
            phases: (row["phases"] as String).split(separator: ";").compactMap(CoursePhase.init(encoded:)),
            createdAt: Timestamp.parse(row["created_at"])!,
            coil: row["coil"] ?? ProtocolLibrary.find(row["protocol_id"])?.coil ?? "figure-8",
            slotMinutes: row["slot_minutes"] ?? 60)
    }

    /// Reads a row of `sessionSelect`.
    static func sessionRecord(_ row: NamedRow) -> SessionRecord {
        let status = SessionStatus(rawValue: row["status"])!
        var delivery: Delivery?
        if status == .completed {
            delivery = Delivery(
                motorThreshold: row["motor_threshold"], intensityPercentMT: row["intensity_pct_mt"], frequencyHz: row["frequency_hz"],
                pulsesPerTrain: row["pulses_per_train"], trainDurationSeconds: row["train_duration_s"],
                interTrainIntervalSeconds: row["inter_train_interval_s"], trains: row["trains"], pulsesDelivered: row["pulses_delivered"],
                coil: row["coil"], target: row["target"], notes: row["notes"] ?? "")
        }
        return SessionRecord(
            id: row["id"], courseId: row["course_id"], patientId: row["patient_id"], number: row["number"],
            total: row["total_sessions"], phase: row["phase"], date: CivilDate(row["scheduled_date"] as String)!,
            time: LocalTime(row["scheduled_time"] as String)!, scheduledAt: Timestamp.parse(row["scheduled_at"])!,
            status: status, startedAt: (row["started_at"] as String?).flatMap(Timestamp.parse),
            finishedAt: (row["finished_at"] as String?).flatMap(Timestamp.parse), delivery: delivery,
            pulsesDelivered: row["pulses_delivered"], reason: row["reason"], replaces: row["replaces"],
            replacedBy: row["replaced_by"], chair: row["chair"], minutes: row["slot_minutes"], medications: row["medications"],
            serviceDate: (row["service_date"] as String?).flatMap { CivilDate($0) })
    }
}
