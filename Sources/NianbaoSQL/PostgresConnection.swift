import CLibPQ
import Foundation

/// A PostgreSQL connection through libpq (one thread at a time, like the connection it wraps).
public final class PostgresConnection: SQLConnection {
    public let dialect = SQLDialect.postgres
    private let conn: OpaquePointer?

    /// Connects (`postgres://user@host:port/db` or any libpq connection string).
    public init(url: String) throws {
        if let reason = nianbao_pq_load_error() {
            throw SQLError.database("cannot load libpq (\(NIANBAO_LIBPQ_SONAME)) for PostgreSQL: \(String(cString: reason))")
        }
        conn = nianbao_PQconnectdb(url)
        guard nianbao_PQstatus(conn) == CONNECTION_OK else {
            let msg = Self.oneLine(nianbao_PQerrorMessage(conn))
            // No PQfinish here: every property is set, so deinit runs on this throw and finishes it.
            throw SQLError.database("cannot connect to PostgreSQL: \(msg)")
        }
        try exec("SET client_min_messages = warning")
    }

    deinit { nianbao_PQfinish(conn) }

    /// The URL with its password replaced by `***`, for messages and logs.
    public static func redact(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// True for a `postgres://` or `postgresql://` URL.
    public static func isURL(_ s: String) -> Bool { s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") }

    /// libpq's messages span lines ("…Connection refused\n\tIs the server running…", "ERROR: …\n
    /// DETAIL: …"); errors are reported on one line.
    static func oneLine(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "" }
        return String(cString: message).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    private func check(_ res: OpaquePointer?, _ ok: ExecStatusType...) throws {
        let status = nianbao_PQresultStatus(res)
        if !ok.contains(status) {
            let msg = Self.oneLine(nianbao_PQresultErrorMessage(res))
            nianbao_PQclear(res)
            throw SQLError.database(msg.isEmpty ? Self.oneLine(nianbao_PQerrorMessage(conn)) : msg)
        }
    }

    public func exec(_ sql: String) throws {
        let res = nianbao_PQexec(conn, sql)
        try check(res, PGRES_COMMAND_OK, PGRES_TUPLES_OK)
        nianbao_PQclear(res)
    }

    public func query(_ sql: String, _ params: [SQLValue]) throws -> [[String?]] {
        let texts: [String?] = params.map {
            switch $0 {
            case .null: return nil
            case .int(let i): return String(i)
            case .decimal(let d): return d
            case .text(let t): return t
            }
        }
        var cstrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { cstrings.forEach { free($0) } }
        let res: OpaquePointer? = cstrings.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { ptr in
                nianbao_PQexecParams(conn, sql, Int32(texts.count), nil, texts.isEmpty ? nil : ptr, nil, nil, 0)
            }
        }
        try check(res, PGRES_COMMAND_OK, PGRES_TUPLES_OK)
        defer { nianbao_PQclear(res) }
        var rows: [[String?]] = []
        for r in 0..<nianbao_PQntuples(res) {
            rows.append((0..<nianbao_PQnfields(res)).map { c in
                nianbao_PQgetisnull(res, r, c) == 1 ? nil : String(cString: nianbao_PQgetvalue(res, r, c))
            })
        }
        return rows
    }

    /// COPY … FROM STDIN in text format, sent in chunks of about 1 MB.
    public func bulkInsert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let res = nianbao_PQexec(conn, "COPY \(table) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) FROM STDIN")
        try check(res, PGRES_COPY_IN)
        nianbao_PQclear(res)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let rc = buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { nianbao_PQputCopyData(conn, $0, Int32(b.count)) }
            }
            guard rc == 1 else { throw SQLError.database("COPY \(table): \(Self.oneLine(nianbao_PQerrorMessage(conn)))") }
            buffer.removeAll(keepingCapacity: true)
        }
        for row in rows {
            for (i, v) in row.enumerated() {
                if i > 0 { buffer.append(0x09) }
                switch v {
                case .null: buffer.append(contentsOf: [0x5C, 0x4E])
                case .int(let n): buffer.append(contentsOf: Array(String(n).utf8))
                case .decimal(let d): buffer.append(contentsOf: Array(d.utf8))
                case .text(let t):
                    for b in t.utf8 {
                        switch b {
                        case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
                        case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
                        case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
                        case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
                        default: buffer.append(b)
                        }
                    }
                }
            }
            buffer.append(0x0A)
            if buffer.count > 1 << 20 { try flush() }
        }
        try flush()
        guard nianbao_PQputCopyEnd(conn, nil) == 1 else { throw SQLError.database("COPY \(table): \(Self.oneLine(nianbao_PQerrorMessage(conn)))") }
        let end = nianbao_PQgetResult(conn)
        try check(end, PGRES_COMMAND_OK)
        nianbao_PQclear(end)
        while let extra = nianbao_PQgetResult(conn) { nianbao_PQclear(extra) }
    }
}
