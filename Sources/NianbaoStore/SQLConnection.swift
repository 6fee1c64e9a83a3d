import CLibPQ
import CSQLite
import Foundation

/// The few database operations the loader needs, implemented for SQLite (C API) and PostgreSQL (libpq).
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs statements without results.
    func exec(_ sql: String) throws
    /// Runs one statement with `$1`-style (PostgreSQL) or `?` (SQLite) parameters; returns rows as text.
    func query(_ sql: String, _ params: [SQLValue]) throws -> [[String?]]
    /// Appends many rows to a table as fast as the database allows (COPY, or a reused prepared INSERT).
    func bulkInsert(_ table: String, columns: [String], rows: [[SQLValue]]) throws
}

extension SQLConnection {
    /// A parameter placeholder for position `i` (1-based).
    func placeholder(_ i: Int) -> String { dialect == .postgres ? "$\(i)" : "?" }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try exec("BEGIN")
        do {
            let r = try body()
            try exec("COMMIT")
            return r
        } catch {
            try? exec("ROLLBACK")
            throw error
        }
    }
}

/// A SQLite database file.
final class SQLiteConnection: SQLConnection {
    let dialect = SQLDialect.sqlite
    private var db: OpaquePointer?

    init(path: String) throws {
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard rc == SQLITE_OK else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw StoreError.database("\(path): \(msg)")
        }
        sqlite3_busy_timeout(db, 10_000)
        try exec("PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
    }

    deinit { sqlite3_close(db) }

    private func error(_ what: String) -> StoreError {
        .database("\(what): \(String(cString: sqlite3_errmsg(db)))")
    }

    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(err)
            throw StoreError.database(msg)
        }
    }

    private func prepare(_ sql: String) throws -> OpaquePointer? {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { throw error("prepare") }
        return stmt
    }

    private func bind(_ stmt: OpaquePointer?, _ params: [SQLValue]) throws {
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch p {
            case .null: rc = sqlite3_bind_null(stmt, idx)
            case .int(let v): rc = sqlite3_bind_int64(stmt, idx, Int64(v))
            case .decimal(let d): rc = sqlite3_bind_double(stmt, idx, Double(d) ?? 0)
            case .text(let t): rc = nianbao_sqlite3_bind_text(stmt, idx, t, -1)
            }
            guard rc == SQLITE_OK else { throw error("bind") }
        }
    }

    func query(_ sql: String, _ params: [SQLValue]) throws -> [[String?]] {
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        try bind(stmt, params)
        var rows: [[String?]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error("step") }
            let n = sqlite3_column_count(stmt)
            rows.append((0..<n).map { i in
                guard sqlite3_column_type(stmt, i) != SQLITE_NULL, let t = sqlite3_column_text(stmt, i) else { return nil }
                return String(cString: t)
            })
        }
        return rows
    }

    func bulkInsert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        for row in rows {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
            try bind(stmt, row)
            guard sqlite3_step(stmt) == SQLITE_DONE else { throw error("insert into \(table)") }
        }
    }
}

/// A PostgreSQL connection through libpq.
final class PostgresConnection: SQLConnection {
    let dialect = SQLDialect.postgres
    private let conn: OpaquePointer?

    init(url: String) throws {
        conn = PQconnectdb(url)
        guard PQstatus(conn) == CONNECTION_OK else {
            let msg = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(conn)
            throw StoreError.database("cannot connect to PostgreSQL: \(msg)")
        }
        try exec("SET client_min_messages = warning")
    }

    deinit { PQfinish(conn) }

    private func check(_ res: OpaquePointer?, _ ok: ExecStatusType...) throws {
        let status = PQresultStatus(res)
        if !ok.contains(status) {
            let msg = String(cString: PQresultErrorMessage(res)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQclear(res)
            throw StoreError.database(msg.isEmpty ? String(cString: PQerrorMessage(conn)) : msg)
        }
    }

    func exec(_ sql: String) throws {
        let res = PQexec(conn, sql)
        try check(res, PGRES_COMMAND_OK, PGRES_TUPLES_OK)
        PQclear(res)
    }

    func query(_ sql: String, _ params: [SQLValue]) throws -> [[String?]] {
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
                PQexecParams(conn, sql, Int32(texts.count), nil, texts.isEmpty ? nil : ptr, nil, nil, 0)
            }
        }
        try check(res, PGRES_COMMAND_OK, PGRES_TUPLES_OK)
        defer { PQclear(res) }
        var rows: [[String?]] = []
        for r in 0..<PQntuples(res) {
            rows.append((0..<PQnfields(res)).map { c in
                PQgetisnull(res, r, c) == 1 ? nil : String(cString: PQgetvalue(res, r, c))
            })
        }
        return rows
    }

    /// COPY … FROM STDIN in text format, sent in chunks of about 1 MB.
    func bulkInsert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let res = PQexec(conn, "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN")
        try check(res, PGRES_COPY_IN)
        PQclear(res)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let rc = buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(conn, $0, Int32(b.count)) }
            }
            guard rc == 1 else { throw StoreError.database("COPY \(table): \(String(cString: PQerrorMessage(conn)))") }
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
        guard PQputCopyEnd(conn, nil) == 1 else { throw StoreError.database("COPY \(table): \(String(cString: PQerrorMessage(conn)))") }
        let end = PQgetResult(conn)
        try check(end, PGRES_COMMAND_OK)
        PQclear(end)
        while let extra = PQgetResult(conn) { PQclear(extra) }
    }
}
