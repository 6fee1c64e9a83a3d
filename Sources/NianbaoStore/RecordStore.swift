import NianbaoSQL
import NianbaoNormalize

/// What a load did.
public struct LoadSummary: Sendable, Equatable {
    /// Reports seen for the first time.
    public var inserted = 0
    /// Reports whose content changed: a new version, the old one kept.
    public var updated = 0
    /// Reports already present with the same content: nothing written.
    public var unchanged = 0
    /// Records the database refused, each alone (report id, the database's reason); the others loaded.
    public var failed: [Failure] = []

    /// A record the database refused.
    public struct Failure: Sendable, Equatable {
        /// The record's id.
        public var id: String
        /// The database's reason, on one line.
        public var reason: String
    }

    /// Creates an empty summary.
    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// A relational database holding records: SQLite (embedded default) or PostgreSQL.
///
/// Opening migrates the schema to ``StoreSchema/latestVersion``. ``load(_:)`` is idempotent: a
/// record whose id and content digest are already current writes nothing; a new digest for a known
/// id becomes a new version (the old one stays, no longer current). A whole load is one transaction,
/// so a failure leaves the database as it was.
public final class RecordStore {
    let connection: SQLConnection
    /// Where it points (a file path or a URL with the password removed).
    public let location: String

    /// Opens (creating if needed) a SQLite database file and migrates it to `version` (0: leave the schema alone).
    public static func sqlite(path: String, migrateTo version: Int = StoreSchema.latestVersion) throws -> RecordStore {
        let s = RecordStore(connection: try SQLiteConnection(path: path), location: path)
        if version > 0 { try s.migrate(to: version) }
        return s
    }

    /// Connects to PostgreSQL (`postgres://user@host:port/db` or any libpq connection string) and
    /// migrates it to `version` (0: leave the schema alone).
    public static func postgres(url: String, migrateTo version: Int = StoreSchema.latestVersion) throws -> RecordStore {
        let s = RecordStore(connection: try PostgresConnection(url: url), location: Self.redact(url))
        if version > 0 { try s.migrate(to: version) }
        return s
    }

    init(connection: SQLConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    static func redact(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    // MARK: schema

    /// The schema version the database is at (0 for an empty database).
    public func schemaVersion() throws -> Int {
        try connection.exec("CREATE TABLE IF NOT EXISTS nianbao_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL)")
        let rows = try connection.query("SELECT COALESCE(MAX(version), 0) FROM nianbao_migrations", [])
        return Int(rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// Advisory-lock keys of the PostgreSQL store (any fixed numbers unlikely to be used by others).
    static let migrationLock: Int64 = 0x6E69_616E_6261_6F01
    static let loadLock: Int64 = 0x6E69_616E_6261_6F02

    /// Applies the missing migrations up to `version`, in one write transaction that re-reads the
    /// version under the lock: processes that open a new database at once migrate it once, the others
    /// wait and find it done (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an advisory lock).
    public func migrate(to version: Int = StoreSchema.latestVersion) throws {
        if try schemaVersionIfPresent() ?? 0 >= version { return }
        try connection.transaction {
            try connection.serialize(Self.migrationLock)
            let current = try schemaVersion()
            guard current < version else { return }
            for n in (current + 1)...version {
                for sql in StoreSchema.migration(n, connection.dialect) { try connection.exec(sql) }
                _ = try connection.query("INSERT INTO nianbao_migrations (version, description) VALUES (\(connection.placeholder(1)), \(connection.placeholder(2)))",
                                         [.int(n), .text("nianbao schema \(n)")])
            }
        }
    }

    /// The schema version, or nil when the database has no migrations table yet (read only).
    func schemaVersionIfPresent() throws -> Int? {
        let exists = connection.dialect == .sqlite
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'nianbao_migrations'"
            : "SELECT count(*) FROM information_schema.tables WHERE table_name = 'nianbao_migrations' AND table_schema = current_schema()"
        guard try connection.query(exists, []).first?.first.flatMap({ $0 }) == "1" else { return nil }
        let rows = try connection.query("SELECT COALESCE(MAX(version), 0) FROM nianbao_migrations", [])
        return Int(rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    // MARK: loading

    /// Loads records in one transaction. `failAfter` (tests only) throws after that many records have
    /// been added, to prove a failed load leaves nothing behind.
    public func load<S: Sequence>(_ records: S, failAfter: Int? = nil) throws -> LoadSummary where S.Element == LoadableRecord {
        let session = try LoadSession(self)
        do {
            for (n, r) in records.enumerated() {
                if let f = failAfter, n == f { throw StoreError.database("injected failure after \(f) records") }
                try session.add(r)
            }
            return try session.commit()
        } catch {
            session.rollback()
            throw error
        }
    }

    /// Row counts per table (for reports and tests).
    public func rowCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for t in ["reports", "page_metadata", "report_sections", "cells", "checks", "repairs", "warnings"] {
            out[t] = Int(try connection.query("SELECT COUNT(*) FROM \(t)", []).first?.first.flatMap { $0 } ?? "0") ?? 0
        }
        return out
    }

    /// Runs a read-only query and returns text cells (tests, CSV export).
    public func select(_ sql: String) throws -> [[String?]] {
        try connection.query(sql, [])
    }

    /// The wide view's column names, in order.
    public static var wideColumnNames: [String] { WideColumns.reportColumns + WideColumns.cells.map(\.name) }
}

/// One load: a transaction that records are added to one by one (bulk-inserted in batches), then
/// committed. Memory stays bounded by the batch, not by the number of records.
public final class LoadSession {
    let connection: SQLConnection
    var summary = LoadSummary()
    var current: [String: String] = [:]
    var maxVersion: [String: Int] = [:]
    var batch = Batch()
    var open = true
    /// The records of the pending batch, with what `current`/`maxVersion` said before each: a batch the
    /// database refuses is written again record by record, so one bad record fails alone.
    var batchRecords: [(record: LoadableRecord, version: Int, previousCurrent: String?, previousMax: Int?)] = []
    /// Savepoints taken so far (their names must be unique only while open).
    var savepoints = 0

    /// Begins a transaction on `store`.
    public init(_ store: RecordStore) throws {
        connection = store.connection
        // One load at a time per database: the versions it gives depend on what is current.
        try connection.beginWrite()
        do {
            try connection.serialize(RecordStore.loadLock)
            for row in try connection.query("SELECT report_id, version, record_sha256, is_current FROM reports", []) {
                guard let id = row[0], let v = row[1].flatMap({ Int($0) }) else { continue }
                maxVersion[id] = max(maxVersion[id] ?? 0, v)
                if row[3] == "1", let d = row[2] { current[id] = d }
            }
            try connection.exec("SAVEPOINT nianbao_batch")
        } catch {
            rollback()
            throw error
        }
    }

    /// Adds one record: nothing if its content is current, else a new version.
    public func add(_ r: LoadableRecord) throws {
        if current[r.id] == r.digest { summary.unchanged += 1; return }
        if batch.pending.contains(r.id) { try flush() }
        let previousCurrent = current[r.id], previousMax = maxVersion[r.id]
        try retire(r.id, if: previousCurrent != nil)
        if previousCurrent != nil { summary.updated += 1 } else { summary.inserted += 1 }
        let version = (previousMax ?? 0) + 1
        maxVersion[r.id] = version
        current[r.id] = r.digest
        batch.add(r, version: version)
        batchRecords.append((r, version, previousCurrent, previousMax))
        if batch.size > 200_000 { try flush() }
    }

    /// Retires the current version of `id` before a new one is inserted (one current version per id).
    private func retire(_ id: String, if present: Bool) throws {
        guard present else { return }
        _ = try connection.query("UPDATE reports SET is_current = 0 WHERE report_id = \(connection.placeholder(1)) AND is_current = 1", [.text(id)])
    }

    /// Writes the pending batch. If the database refuses it, the batch is undone (to its savepoint) and
    /// its records are written one at a time, each in its own savepoint: a record refused again is
    /// left out and reported in the summary, the others load.
    func flush() throws {
        do {
            try batch.flush(connection)
        } catch {
            try connection.exec("ROLLBACK TO SAVEPOINT nianbao_batch")
            batch = Batch()
            for item in batchRecords {
                let r = item.record
                try connection.exec("SAVEPOINT nianbao_record")
                do {
                    try retire(r.id, if: item.previousCurrent != nil)
                    var single = Batch()
                    single.add(r, version: item.version)
                    try single.flush(connection)
                    try connection.exec("RELEASE SAVEPOINT nianbao_record")
                } catch {
                    try connection.exec("ROLLBACK TO SAVEPOINT nianbao_record")
                    try connection.exec("RELEASE SAVEPOINT nianbao_record")
                    current[r.id] = item.previousCurrent
                    maxVersion[r.id] = item.previousMax
                    if item.previousCurrent != nil { summary.updated -= 1 } else { summary.inserted -= 1 }
                    let reason = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                    summary.failed.append(LoadSummary.Failure(id: r.id, reason: reason))
                }
            }
        }
        batchRecords = []
        try connection.exec("RELEASE SAVEPOINT nianbao_batch")
        try connection.exec("SAVEPOINT nianbao_batch")
    }

    /// Writes what is pending and commits.
    public func commit() throws -> LoadSummary {
        try flush()
        try connection.exec("RELEASE SAVEPOINT nianbao_batch")
        try connection.exec("COMMIT")
        open = false
        return summary
    }

    /// Abandons the load: the database is as it was before ``init(_:)``.
    public func rollback() {
        guard open else { return }
        try? connection.exec("ROLLBACK")
        open = false
    }
}

/// Rows of many records gathered for bulk insertion, table by table.
struct Batch {
    var reports: [[SQLValue]] = []
    var metadata: [[SQLValue]] = []
    var sections: [[SQLValue]] = []
    var cells: [[SQLValue]] = []
    var checks: [[SQLValue]] = []
    var repairs: [[SQLValue]] = []
    var warnings: [[SQLValue]] = []
    /// Ids with rows in this batch (a second version of one of them needs the first flushed).
    var pending = Set<String>()
    var size: Int { reports.count + metadata.count + sections.count + cells.count + checks.count + repairs.count + warnings.count }

    static let reportColumns = ["report_id", "version", "is_current", "record_sha256", "url", "retrieved_at", "source_content_sha256",
                                "source_path", "source_file_name",
                                "input_format", "charset", "charset_source", "capture_warc", "capture_offset", "page_title",
                                "breadcrumb", "title", "year", "agency", "template", "period_start", "period_end", "issued",
                                "contact_organization", "contact_address", "contact_phone", "contact_email",
                                "extractor_version", "libxml2_version", "record_json"]

    mutating func add(_ r: LoadableRecord, version: Int) {
        let rows = RecordRows(r)
        pending.insert(r.id)
        let key: [SQLValue] = [.text(r.id), .int(version)]
        var byName: [String: SQLValue] = [:]
        for (k, v) in rows.report { byName[k] = Self.sql(v) }
        byName["is_current"] = .int(1)
        byName["record_sha256"] = .text(r.digest)
        reports.append(key + Self.reportColumns.dropFirst(2).map { byName[$0] ?? .null })
        for m in rows.metadata { metadata.append(key + [.text(m.key), .int(m.ordinal), m.value.map { .text($0) } ?? .null]) }
        for s in rows.sections { sections.append(key + [.text(s.0), s.1.map { .text($0) } ?? .null]) }
        for c in rows.cells {
            cells.append(key + [.text(c.table), .text(c.rowPath), .text(c.column), Self.sql(c.value), .text(c.status),
                                c.raw.map { .text($0) } ?? .null, c.rule.map { .text($0) } ?? .null, c.candidates.map { .text($0) } ?? .null])
        }
        for c in rows.checks {
            checks.append(key + [.text(c.id), .text(c.status), c.expected.map { .int($0) } ?? .null, c.actual.map { .int($0) } ?? .null,
                                 c.formula.map { .text($0) } ?? .null, c.cells.map { .text($0) } ?? .null,
                                 c.messageZh.map { .text($0) } ?? .null, c.messageEn.map { .text($0) } ?? .null])
        }
        for (i, x) in rows.repairs.enumerated() { repairs.append(key + [.int(i), .text(x.path), .text(x.raw), .text(x.value), .text(x.rule)]) }
        for (i, w) in rows.warnings.enumerated() { warnings.append(key + [.int(i), .text(w.code), .text(w.message)]) }
    }

    static func sql(_ v: JSONValue) -> SQLValue {
        switch v {
        case .int(let i): return .int(i)
        case .decimal(let d): return .decimal(d.description)
        case .string(let s): return .text(s)
        case .bool(let b): return .int(b ? 1 : 0)
        default: return .null
        }
    }

    mutating func flush(_ c: SQLConnection) throws {
        let key = ["report_id", "version"]
        try c.bulkInsert("reports", columns: Self.reportColumns, rows: reports)
        try c.bulkInsert("page_metadata", columns: key + ["key", "ordinal", "value"], rows: metadata)
        try c.bulkInsert("report_sections", columns: key + ["section", "text"], rows: sections)
        try c.bulkInsert("cells", columns: key + ["table_name", "row_path", "column_name", "value", "status", "raw", "rule", "candidates"], rows: cells)
        try c.bulkInsert("checks", columns: key + ["check_id", "status", "expected", "actual", "formula", "cells", "message_zh", "message_en"], rows: checks)
        try c.bulkInsert("repairs", columns: key + ["ordinal", "path", "raw", "value", "rule"], rows: repairs)
        try c.bulkInsert("warnings", columns: key + ["ordinal", "code", "message"], rows: warnings)
        self = Batch()
    }
}
