import Foundation

/// A CSV file as RFC 4180 writes it, read strictly: a header line of column
/// names, then one record a line; a field in double quotes may hold commas,
/// line breaks and doubled quotes; lines end in CRLF or LF. Blank lines are
/// skipped.
public struct CSVTable: Sendable, Equatable {
    /// A record and the line it starts on (the header is line 1).
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    /// What keeps the file from being read at all.
    public struct Unreadable: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public var header: [String]
    public var records: [Record]

    public init(parsing text: String) throws(Unreadable) {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, start = 1
        var quoted = false, wasQuoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        func endRecord() {
            fields.append(field)
            // A blank line is no record.
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { records.append(Record(line: start, fields: fields)) }
            fields = []
            field = ""
            wasQuoted = false
        }
        while let c = pending {
            pending = scalars.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = scalars.next()
                    } else {
                        quoted = false
                        if let next = pending, next != ",", next != "\n", next != "\r" {
                            throw Unreadable(line: line, reason: "text after a closing quote; a quote inside a quoted field is doubled (\"\")")
                        }
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field)
                field = ""
                wasQuoted = false
            case "\"":
                guard field.isEmpty, !wasQuoted else {
                    throw Unreadable(line: line, reason: "a quote inside an unquoted field; quote the whole field and double the quote")
                }
                quoted = true
                wasQuoted = true
            case "\r":
                guard pending == "\n" else { throw Unreadable(line: line, reason: "a carriage return not followed by a line feed") }
            case "\n":
                endRecord()
                line += 1
                start = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw Unreadable(line: start, reason: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        guard let first = records.first else { throw Unreadable(line: 1, reason: "the file is empty: it needs its header line") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        self.records = Array(records.dropFirst())
        for (index, name) in header.enumerated() where header[..<index].contains(name) {
            throw Unreadable(line: 1, reason: "the column \(name) is named twice")
        }
    }
}
