import CSQLite
import Foundation

/// The SQL dialects nianbao loads into.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// A value bound to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int)
    /// An exact decimal as text (`4166.2416`); SQLite stores it as REAL, PostgreSQL as NUMERIC.
    case decimal(String)
    case text(String)
}


/// The few database operations the loader needs, implemented for SQLite (C API) and PostgreSQL (libpq).
public protocol SQLConnection: AnyObject {
    /// Which SQL dialect.
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
    public func placeholder(_ i: Int) -> String { dialect == .postgres ? "$\(i)" : "?" }

    /// Runs one statement written with `?` placeholders in either dialect (they become `$1`, `$2` …
    /// on PostgreSQL; the statement must have no `?` inside a string literal).
    public func portableQuery(_ sql: String, _ params: [SQLValue] = []) throws -> [[String?]] {
        guard dialect == .postgres, sql.contains("?") else { return try query(sql, params) }
        var out = "", n = 0
        for ch in sql {
            if ch == "?" { n += 1; out += "$\(n)" } else { out.append(ch) }
        }
        return try query(out, params)
    }

    /// Begins a transaction that will write. SQLite takes the write lock now (`BEGIN IMMEDIATE`), so a
    /// second writer waits for it (busy timeout) instead of failing when a read lock cannot be upgraded.
    public func beginWrite() throws {
        try exec(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN")
    }

    /// In a PostgreSQL transaction, waits for the transaction-scoped advisory lock `key` (released at
    /// commit or rollback), so that work of several processes under one key runs one at a time. A no-op
    /// on SQLite, where ``beginWrite()`` already serializes writers.
    public func serialize(_ key: Int64) throws {
        if dialect == .postgres { _ = try query("SELECT pg_advisory_xact_lock(\(key))", []) }
    }

    /// Runs `body` in a write transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try beginWrite()
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

/// A SQLite database file (C API; WAL journal, foreign keys on, 10 s busy timeout).
public final class SQLiteConnection: SQLConnection {
    public let dialect = SQLDialect.sqlite
    private var db: OpaquePointer?

    /// Opens or creates the database file.
    public init(path: String) throws {
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard rc == SQLITE_OK else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw SQLError.database("\(path): \(msg)")
        }
        sqlite3_busy_timeout(db, 10_000)
        // A load writes hundreds of thousands of index entries in one transaction: 32 MiB of page
        // cache keeps the indexes' pages in memory instead of re-reading and spilling them (the
        // default 2 MB made a 2,000-record load spend a quarter of its time in pread/pwrite). With
        // 16 KiB pages, 128 MiB was no faster and held 760 MB at the peak of a 10,000-record first
        // load (400 MB with 32 MiB).
        try exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        // A new database gets 16 KiB pages (the page size of an existing one stays): rows here are
        // large (a record's JSON is ~90 KB, a wide-table row ~2 KB), and 4 KiB pages made a
        // 2,000-record load spend a fifth of its time in the kernel writing pages one by one; 16 KiB
        // took a fifth off its CPU time and a tenth off the file.
        try exec("PRAGMA page_size = 16384")
        // Switching a new file to WAL takes an exclusive lock, and SQLite answers "database is locked"
        // without waiting when another process holds one: retry for as long as the busy timeout.
        var waited = 0
        while true {
            do {
                try exec("PRAGMA journal_mode = WAL")
                break
            } catch {
                guard sqlite3_errcode(db) == SQLITE_BUSY || sqlite3_errcode(db) == SQLITE_LOCKED, waited < 10_000 else {
                    sqlite3_close(db)
                    db = nil
                    throw error
                }
                usleep(20_000)
                waited += 20
            }
        }
    }

    deinit { sqlite3_close(db) }

    private func error(_ what: String) -> SQLError {
        .database("\(what): \(String(cString: sqlite3_errmsg(db)))")
    }

    public func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(err)
            throw SQLError.database(msg)
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
            case .text(let t):
                // The string's own UTF-8 bytes with their length (SQLite copies them): no C-string copy,
                // no scan for the terminator, and a U+0000 inside is kept rather than ending the text.
                var text = t
                rc = text.withUTF8 { b in
                    guard let base = b.baseAddress, b.count > 0 else { return nianbao_sqlite3_bind_text(stmt, idx, "", 0) }
                    return base.withMemoryRebound(to: CChar.self, capacity: b.count) { nianbao_sqlite3_bind_text(stmt, idx, $0, Int32(b.count)) }
                }
            }
            guard rc == SQLITE_OK else { throw error("bind") }
        }
    }

    public func query(_ sql: String, _ params: [SQLValue]) throws -> [[String?]] {
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

    public func bulkInsert(_ table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let sql = "INSERT INTO \(table) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
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


/// A database error, with the database's own message.
public enum SQLError: Error, Equatable, CustomStringConvertible {
    case database(String)
    public var description: String {
        switch self { case .database(let m): return "database error: \(m)" }
    }
}
