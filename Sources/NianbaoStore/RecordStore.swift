import NianbaoSQL
import Dispatch
import NianbaoEncode
import NianbaoNormalize

/// What a load did.
public struct LoadSummary: Sendable, Equatable {
    /// Reports seen for the first time.
    public var inserted = 0
    /// Reports whose content changed: a new version, the old one kept.
    public var updated = 0
    /// Reports already present with the same content: nothing written.
    public var unchanged = 0
    /// Records of another id with the same tables as their report's current record: stored beside it as copies.
    public var copies = 0
    /// Records that became their report's current one in place of another id's record with other tables.
    public var replaced = 0
    /// Cross-year checks computed after the load (not compared by `==`).
    public var crossYearChecks = CrossYearSummary()
    /// Records the database refused, each alone (report id, the database's reason); the others loaded.
    public var failed: [Failure] = []

    /// A record the database refused.
    public struct Failure: Sendable, Equatable {
        /// The record's id.
        public var id: String
        /// The database's reason, on one line.
        public var reason: String
    }

    /// Creates a summary.
    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0, copies: Int = 0, replaced: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
        self.copies = copies
        self.replaced = replaced
    }

    /// Equal when the loads wrote the same (the cross-year checks, computed over the whole database, aside).
    public static func == (a: LoadSummary, b: LoadSummary) -> Bool {
        a.inserted == b.inserted && a.updated == b.updated && a.unchanged == b.unchanged && a.copies == b.copies && a.replaced == b.replaced && a.failed == b.failed
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

    static func redact(_ url: String) -> String { PostgresConnection.redact(url) }

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
                try StoreSchema.afterMigration(n, connection)
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
///
/// Reports across copies: the database keeps one current record per report key (agency key + year +
/// template; `id:<id>` for a record without one). A record of another id whose tables equal the
/// current record's is a copy: stored beside it, not current. A record whose tables differ becomes
/// the current one (the latest loaded wins; history stays) and its differences from the record it
/// replaces are listed in `report_differences`. After the last record, the cross-year checks are
/// computed again (`cross_year_checks`), in the same transaction.
public final class LoadSession {
    let connection: SQLConnection
    var summary = LoadSummary()
    /// The content digest of each id's latest version (a record with it is unchanged).
    var latestDigest: [String: String] = [:]
    var maxVersion: [String: Int] = [:]
    /// The rows of `check_definitions`, by check id: formula, cells (parsed) and definition id.
    var definitions: [String: [(formula: String?, cells: JSONValue?, id: Int)]] = [:]
    /// The id the next new check definition gets.
    var nextDefinitionID = 1
    /// The current record of each report key.
    var currentByKey: [String: (id: String, version: Int, tables: String)] = [:]
    /// The report key each id is current under.
    var currentKeyOfID: [String: String] = [:]
    var batch = Batch()
    var open = true
    /// The records of the pending batch: a batch the database refuses is written again record by
    /// record, so one bad record fails alone.
    var batchRecords: [[UInt8]] = []
    /// The summary before the pending batch's records were added (restored when the batch is redone).
    var summaryBeforeBatch = LoadSummary()
    /// The batch the writer thread is writing, if any.
    var inFlight: WriteJob?
    /// True while an empty SQLite database is loaded with a rollback journal (see ``init(_:)``).
    var rollbackJournal = false
    /// The writer thread's queue (serial: one batch after another, in order).
    let writer = DispatchQueue(label: "nianbao.load.writer")

    /// Begins a transaction on `store`.
    public init(_ store: RecordStore) throws {
        connection = store.connection
        // The first load into an empty SQLite database writes its pages once, with a rollback journal
        // (which holds nothing for pages that are new), instead of twice (into the WAL, then into
        // the file at the checkpoint that ends the commit). Nobody reads an empty database, so its
        // readers may wait for the load; with another connection open the mode stays WAL. The
        // journal is synced fully meanwhile, and WAL comes back when the load ends.
        if connection.dialect == .sqlite,
           (try? connection.query("SELECT count(*) FROM (SELECT 1 FROM reports LIMIT 1)", []))?.first?.first == "0",
           (try? connection.query("PRAGMA journal_mode = DELETE", []))?.first?.first == "delete" {
            rollbackJournal = true
            try connection.exec("PRAGMA synchronous = FULL")
        }
        // One load at a time per database: the versions it gives depend on what is current.
        try connection.beginWrite()
        do {
            try connection.serialize(RecordStore.loadLock)
            try readState()
            try connection.exec("SAVEPOINT nianbao_batch")
        } catch {
            rollback()
            throw error
        }
    }

    /// What the database holds: latest digests and versions per id, the current record per key.
    func readState() throws {
        latestDigest = [:]
        maxVersion = [:]
        currentByKey = [:]
        currentKeyOfID = [:]
        definitions = [:]
        nextDefinitionID = 1
        for row in try connection.query("SELECT definition_id, check_id, formula, cells FROM check_definitions", []) {
            guard let n = row[0].flatMap({ Int($0) }), let id = row[1] else { continue }
            // Text that is not JSON (none is written so) matches no record's cells: a new definition is made.
            let cells = row[3].map { text in (try? JSONParser.parse(Array(text.utf8))) ?? .string("\u{0}unreadable " + text) }
            definitions[id, default: []].append((row[2], cells, n))
            nextDefinitionID = max(nextDefinitionID, n + 1)
        }
        for row in try connection.query("SELECT report_id, version, record_sha256, is_current, report_key, tables_sha256 FROM reports", []) {
            guard let id = row[0], let v = row[1].flatMap({ Int($0) }) else { continue }
            if v > maxVersion[id] ?? 0 {
                maxVersion[id] = v
                latestDigest[id] = row[2]
            }
            if row[3] == "1", let key = row[4] {
                currentByKey[key] = (id, v, row[5] ?? "")
                currentKeyOfID[id] = key
            }
        }
    }

    /// The digests of every id's latest version when the load began: a record with one of them is
    /// unchanged unless this load gave its id another version since (see ``countUnchanged(digest:)``).
    public var knownDigests: [String: String] {
        var out: [String: String] = [:]
        for (id, d) in latestDigest { out[d] = id }
        return out
    }

    /// True when `digest` is still the latest of `id` (no version of it was added by this load since).
    public func isLatest(digest: String, id: String) -> Bool { latestDigest[id] == digest }

    /// Counts a record found unchanged by its digest alone.
    public func countUnchanged() { summary.unchanged += 1 }

    /// Adds one record: nothing if its content is the latest of its id; else a new version of its id,
    /// current for its report key unless it is a copy of the current record (same tables, other id).
    public func add(_ r: LoadableRecord) throws {
        if latestDigest[r.id] == r.digest { summary.unchanged += 1; return }
        if currentByKey[r.reportKey] != nil || currentKeyOfID[r.id] != nil {
            // This record may retire a stored row or list its differences from one: the rows it
            // touches must be written (not pending, not being written) before it changes any state.
            if batch.pending.contains(r.id) || currentByKey[r.reportKey].map({ batch.pending.contains($0.id) }) == true { try flush() }
            try settle()
            // (A refused batch written again record by record may have changed what is stored.)
            if latestDigest[r.id] == r.digest { summary.unchanged += 1; return }
        }
        let current = currentByKey[r.reportKey]
        let isCopy = current.map { $0.id != r.id && $0.tables == r.tablesDigest } ?? false
        let version = (maxVersion[r.id] ?? 0) + 1
        if maxVersion[r.id] != nil { summary.updated += 1 } else { summary.inserted += 1 }
        maxVersion[r.id] = version
        latestDigest[r.id] = r.digest
        var isCurrent = true
        if isCopy {
            isCurrent = false
            summary.copies += 1
        } else {
            if let current {
                try retire(current.id, current.version)
                if current.id != r.id {
                    summary.replaced += 1
                    try listDifferences(r, version: version, previous: current)
                }
            }
            // The id's current row under another key (its key changed) is current no more.
            if let other = currentKeyOfID[r.id], other != r.reportKey, let row = currentByKey[other], row.id == r.id {
                try retire(row.id, row.version)
                currentByKey[other] = nil
            }
            currentByKey[r.reportKey] = (r.id, version, r.tablesDigest)
            currentKeyOfID[r.id] = r.reportKey
        }
        let rows = r.prepared?.rows ?? RecordRows(r)
        let definitions = rows.checks.map(definitionID)
        batch.add(r, rows: rows, definitions: definitions, version: version, isCurrent: isCurrent)
        batchRecords.append(r.bytes)  // its canonical bytes only: the parsed record and its rows are freed with the batch
        // About 85 records' rows, written while the next 85 are made (peak memory of a 2,000-record
        // SQLite load 347 MB, of a 10,000-record one 397 MB).
        if batch.size > 25_000 { try flush() }
    }

    /// The `check_definitions` row of a check's formula and cells: a known one, or a new one written
    /// with the batch. (A check id has one or two definitions, one per template.)
    private func definitionID(_ check: CheckRow) -> Int {
        if let known = definitions[check.id]?.first(where: { $0.formula == check.formula && $0.cells == check.cells }) { return known.id }
        let n = nextDefinitionID
        nextDefinitionID += 1
        definitions[check.id, default: []].append((check.formula, check.cells, n))
        batch.definitions.append([.int(n), .text(check.id), check.formula.map { .text($0) } ?? .null, check.cellsText.map { .text($0) } ?? .null])
        return n
    }

    /// Marks one stored row as not current (and takes it out of `report_cells_wide`).
    private func retire(_ id: String, _ version: Int) throws {
        try settle()
        _ = try connection.query("UPDATE reports SET is_current = 0 WHERE report_id = \(connection.placeholder(1)) AND version = \(connection.placeholder(2))",
                                 [.text(id), .int(version)])
        _ = try connection.query("DELETE FROM report_cells_wide WHERE report_id = \(connection.placeholder(1)) AND version = \(connection.placeholder(2))",
                                 [.text(id), .int(version)])
    }

    /// The cells in which `r` differs from the record it replaces as its report's current one.
    private func listDifferences(_ r: LoadableRecord, version: Int, previous: (id: String, version: Int, tables: String)) throws {
        try settle()
        var before: [String: String?] = [:]
        for row in try connection.query("SELECT table_name, row_path, column_name, value FROM cells WHERE report_id = \(connection.placeholder(1)) AND version = \(connection.placeholder(2))",
                                        [.text(previous.id), .int(previous.version)]) {
            before["tables.\(row[0] ?? "").\(row[1] ?? "").\(row[2] ?? "")"] = row[3].map(Self.canonicalNumber)
        }
        var after: [String: String?] = [:]
        for c in RecordRows(r).cells {
            switch c.value {
            case .int(let i): after["tables.\(c.table).\(c.rowPath).\(c.column)"] = String(i)
            case .decimal(let d): after["tables.\(c.table).\(c.rowPath).\(c.column)"] = Self.canonicalNumber(d.description)
            default: after["tables.\(c.table).\(c.rowPath).\(c.column)"] = .some(nil)
            }
        }
        for path in Set(before.keys).union(after.keys).sorted() {
            let a = after[path] ?? nil, b = before[path] ?? nil
            if a != b { batch.differences.append([.text(r.reportKey), .text(r.id), .int(version), .text(previous.id), .int(previous.version), .text(path), a.map { .text($0) } ?? .null, b.map { .text($0) } ?? .null]) }
        }
    }

    /// A number as text without trailing fraction zeros (`4166.24160` and `4166.2416` are one value).
    static func canonicalNumber(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.last == "0" { t = t.dropLast() }
        if t.last == "." { t = t.dropLast() }
        return String(t)
    }

    /// Hands the pending batch to the writer thread, which writes it while the next one is made (the
    /// database — a PostgreSQL server or SQLite — works while this thread and the parsers do). One
    /// batch is written at a time: the previous one is settled first.
    func flush() throws {
        try settle()
        guard batch.size > 0 else { return }
        let job = WriteJob(batch: batch, connection: connection, records: batchRecords, summaryBefore: summaryBeforeBatch)
        batch = Batch()
        batchRecords = []
        summaryBeforeBatch = summary
        inFlight = job
        writer.async { job.run() }
    }

    /// Waits for the batch being written. If the database refused it, the batch is undone (to its
    /// savepoint) and its records are written one at a time, each in its own savepoint: a record
    /// refused again is left out and reported in the summary, the others load; the records added
    /// since are then added again. Every use of the connection by this thread comes after this.
    func settle() throws {
        guard let job = inFlight else { return }
        inFlight = nil
        job.done.wait()
        guard job.error != nil else { return }
        try connection.exec("ROLLBACK TO SAVEPOINT nianbao_batch")
        let later = batchRecords
        batchRecords = []
        batch = Batch()
        // The database is as before the batch: so are the state and the counts of what the batch
        // and the records after it wrote (records found unchanged wrote nothing and stay counted).
        try readState()
        let unchanged = summary.unchanged
        summary = job.summaryBefore
        summary.unchanged = unchanged
        for bytes in job.records {
            let r = try LoadableRecord(record: JSONParser.parse(bytes))
            let before = summary
            try connection.exec("SAVEPOINT nianbao_record")
            do {
                try add(r)
                try settle()  // (nothing is handed off for one record's rows; kept for certainty)
                try batch.flush(connection)
                try connection.exec("RELEASE SAVEPOINT nianbao_record")
            } catch {
                try connection.exec("ROLLBACK TO SAVEPOINT nianbao_record")
                try connection.exec("RELEASE SAVEPOINT nianbao_record")
                try readState()
                summary = before
                let reason = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                summary.failed.append(LoadSummary.Failure(id: r.id, reason: reason))
            }
            batch = Batch()
            batchRecords = []
        }
        try connection.exec("RELEASE SAVEPOINT nianbao_batch")
        try connection.exec("SAVEPOINT nianbao_batch")
        summaryBeforeBatch = summary
        for bytes in later { try add(try LoadableRecord(record: JSONParser.parse(bytes))) }
    }

    /// Writes what is pending, computes the cross-year checks again, and commits.
    public func commit() throws -> LoadSummary {
        try flush()
        try settle()
        try connection.exec("RELEASE SAVEPOINT nianbao_batch")
        // A load that wrote nothing leaves the checks as they are (computing them again is most of a no-op reload).
        if summary.inserted + summary.updated > 0 {
            summary.crossYearChecks = CrossYearStore.summary(try CrossYearStore.refresh(connection))
        } else {
            summary.crossYearChecks = try CrossYearStore.storedSummary(connection)
        }
        try connection.exec("COMMIT")
        open = false
        restoreWAL()
        return summary
    }

    /// Back to WAL after a load with a rollback journal (if another connection prevents it now,
    /// the next one to open the database does it).
    func restoreWAL() {
        guard rollbackJournal else { return }
        rollbackJournal = false
        try? connection.exec("PRAGMA synchronous = NORMAL")
        _ = try? connection.query("PRAGMA journal_mode = WAL", [])
    }

    /// Abandons the load: the database is as it was before ``init(_:)``.
    public func rollback() {
        guard open else { return }
        inFlight?.done.wait()
        inFlight = nil
        try? connection.exec("ROLLBACK")
        open = false
        restoreWAL()
    }
}

/// A batch the writer thread writes: its rows, then the savepoint moved past them. Made by the
/// loading thread, run by the writer, read again by the loading thread only after `done`.
final class WriteJob: @unchecked Sendable {
    var batch: Batch
    let connection: SQLConnection
    /// The batch's records, as canonical bytes (written again one by one if the database refuses the batch).
    let records: [[UInt8]]
    /// The summary before the batch's records were added.
    let summaryBefore: LoadSummary
    /// Signalled when the batch is written or refused.
    let done = DispatchSemaphore(value: 0)
    /// Why the database refused the batch.
    var error: Error?

    init(batch: Batch, connection: SQLConnection, records: [[UInt8]], summaryBefore: LoadSummary) {
        self.batch = batch
        self.connection = connection
        self.records = records
        self.summaryBefore = summaryBefore
    }

    func run() {
        do {
            try batch.flush(connection)
            try connection.exec("RELEASE SAVEPOINT nianbao_batch")
            try connection.exec("SAVEPOINT nianbao_batch")
        } catch {
            self.error = error
        }
        batch = Batch()  // its rows are freed on the writer thread
        done.signal()
    }
}

/// Rows of many records gathered for bulk insertion, table by table.
struct Batch {
    var reports: [[SQLValue]] = []
    var metadata: [[SQLValue]] = []
    var sections: [[SQLValue]] = []
    var cells: [[SQLValue]] = []
    /// New `check_definitions` rows (written before the check results that refer to them).
    var definitions: [[SQLValue]] = []
    var checkResults: [[SQLValue]] = []
    var repairs: [[SQLValue]] = []
    var warnings: [[SQLValue]] = []
    var differences: [[SQLValue]] = []
    /// Rows of `report_cells_wide` (current records only).
    var wide: [[SQLValue]] = []
    /// Ids with rows in this batch (a second version of one of them needs the first flushed).
    var pending = Set<String>()
    var size: Int { definitions.count + reports.count + metadata.count + sections.count + cells.count + checkResults.count + repairs.count + warnings.count + differences.count + wide.count }

    static let reportColumns = ["report_id", "version", "is_current", "record_sha256", "url", "retrieved_at", "source_content_sha256",
                                "source_path", "source_file_name", "agency_key", "agency_key_source", "report_key", "tables_sha256",
                                "input_format", "charset", "charset_source", "capture_warc", "capture_offset", "page_title",
                                "breadcrumb", "title", "year", "agency", "template", "period_start", "period_end", "issued",
                                "contact_organization", "contact_address", "contact_phone", "contact_email",
                                "extractor_version", "libxml2_version", "record_json"]

    /// Adds the rows of one record; `definitions` are the `check_definitions` ids of its checks, in order.
    mutating func add(_ r: LoadableRecord, rows: RecordRows, definitions: [Int], version: Int, isCurrent: Bool = true) {
        pending.insert(r.id)
        let key: [SQLValue] = [.text(r.id), .int(version)]
        var byName: [String: SQLValue] = [:]
        for (k, v) in rows.report { byName[k] = Self.sql(v) }
        byName["is_current"] = .int(isCurrent ? 1 : 0)
        byName["record_sha256"] = .text(r.digest)
        reports.append(key + Self.reportColumns.dropFirst(2).map { byName[$0] ?? .null })
        for m in rows.metadata { metadata.append(key + [.text(m.key), .int(m.ordinal), m.value.map { .text($0) } ?? .null]) }
        for s in rows.sections { sections.append(key + [.text(s.0), s.1.map { .text($0) } ?? .null]) }
        for c in rows.cells {
            cells.append(key + [.text(c.table), .text(c.rowPath), .text(c.column), Self.sql(c.value), .text(c.status),
                                c.raw.map { .text($0) } ?? .null, c.rule.map { .text($0) } ?? .null, c.candidates.map { .text($0) } ?? .null])
        }
        for (c, definition) in zip(rows.checks, definitions) {
            checkResults.append(key + [.text(c.id), .text(c.status), c.expected.map { .int($0) } ?? .null, c.actual.map { .int($0) } ?? .null,
                                 .int(definition), c.messageZh.map { .text($0) } ?? .null, c.messageEn.map { .text($0) } ?? .null])
        }
        for (i, x) in rows.repairs.enumerated() { repairs.append(key + [.int(i), .text(x.path), .text(x.raw), .text(x.value), .text(x.rule)]) }
        for (i, w) in rows.warnings.enumerated() { warnings.append(key + [.int(i), .text(w.code), .text(w.message)]) }
        if isCurrent { wide.append(Self.wideRow(r, version: version)) }
    }

    /// The `report_cells_wide` row of a current record, in ``RecordStore/wideColumnNames`` order.
    static func wideRow(_ r: LoadableRecord, version: Int) -> [SQLValue] {
        let w = r.prepared?.wide ?? WideColumns.Row(r.record)
        return [.text(r.id), .int(version)] + w.reportFields.map(sql)
            + [.int(w.failing.count), w.failing.isEmpty ? .null : .text(w.failing.joined(separator: " ")),
               w.flagged.isEmpty ? .null : .text(w.flagged.joined(separator: " "))]
            + w.values.map(sql)
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
        try c.bulkInsert("check_definitions", columns: ["definition_id", "check_id", "formula", "cells"], rows: definitions)
        try c.bulkInsert("check_results", columns: key + ["check_id", "status", "expected", "actual", "definition_id", "message_zh", "message_en"], rows: checkResults)
        try c.bulkInsert("repairs", columns: key + ["ordinal", "path", "raw", "value", "rule"], rows: repairs)
        try c.bulkInsert("warnings", columns: key + ["ordinal", "code", "message"], rows: warnings)
        try c.bulkInsert("report_differences", columns: ["report_key", "report_id", "version", "previous_report_id", "previous_version", "path", "value", "previous_value"], rows: differences)
        try c.bulkInsert("report_cells_wide", columns: RecordStore.wideColumnNames, rows: wide)
        self = Batch()
    }
}
