import Foundation
import NianbaoTestSupport
import Testing
import NianbaoEncode
import NianbaoNormalize
@testable import NianbaoStore
import NianbaoSQL


/// The golden records of Snapshots/, as a loader sees them.
func goldenRecords() throws -> [LoadableRecord] {
    let (records, problems) = RecordReader.read([packageRoot.appendingPathComponent("Snapshots").path])
    #expect(problems.isEmpty, "\(problems)")
    return records
}

/// A golden record as nianbao 0.1 wrote it before schema `nianbao.report/2`: `carried_over` and
/// `unclear_after_correction`, checks with id/status/expected/actual only, no `source.path`/`file_name`.
func asSchema1(_ record: JSONValue) -> JSONValue {
    guard case .object(var root) = record else { return record }
    func renamedBack(_ path: String) -> String {
        for r in RecordUpgrade.renamedPaths where path == r.new || path.hasPrefix(r.new + ".") { return r.old + path.dropFirst(r.new.count) }
        return path
    }
    func move(_ v: JSONValue, _ prefix: String) -> JSONValue {
        guard case .object(let o) = v else { return v }
        var out = JSONObject()
        for (k, x) in o {
            let full = renamedBack(prefix + "." + k)
            out[String(full.split(separator: ".").last!)] = move(x, prefix + "." + k)
        }
        return .object(out)
    }
    root["tables"] = move(root["tables"]!, "tables")
    var quality = root["quality"]!.objectValue!
    var cells = JSONObject()
    for (k, v) in quality["cells"]!.objectValue! { cells[renamedBack(k)] = v }
    quality["cells"] = .object(cells)
    quality["checks"] = .array(quality["checks"]!.arrayValue!.map { c in
        let id = c[path: "id"]!.stringValue!
        let oldID = id == "applications.row_total.brought_forward" ? "applications.row_total.carried_over"
            : (id == "applications.row_total.outcome.unavailable.still_unclear" ? "applications.row_total.outcome.unavailable.unclear_after_correction" : id)
        return .object(["id": .string(oldID), "status": c[path: "status"]!, "expected": c[path: "expected"]!, "actual": c[path: "actual"]!])
    })
    root["quality"] = .object(quality)
    var source = root["source"]!.objectValue!
    source["path"] = nil
    source["file_name"] = nil
    root["source"] = .object(source)
    root["schema"] = .string("nianbao.report/1")
    return .object(root)
}

/// Writes one report into `store` (migrated to schema 3) the way nianbao 0.1 did: old column names,
/// `carried_over` rows, old check ids. Returns its id.
func writeSchema3Report(_ store: RecordStore, _ record: LoadableRecord) throws -> String {
    let old = CanonicalJSON.encode(asSchema1(record.record))
    let json = String(decoding: old.dropLast(), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
    let id = record.id
    _ = try store.select("""
        INSERT INTO reports (report_id, version, is_current, content_sha256, source_sha256, input_format, template, year, agency, record_json)
        VALUES ('\(id)', 1, 1, '\(LoadableRecord.contentDigest(old))', '\(record.record[path: "source.content_sha256"]!.stringValue!)', 'html', '2021', 2023, 'old agency', '\(json)')
        """)
    for (row, column, value) in [("carried_over", "total", 3), ("outcome.unavailable.unclear_after_correction", "natural_person", 1), ("new_received", "total", 5)] {
        _ = try store.select("INSERT INTO cells (report_id, version, table_name, row_path, column_name, value, status) VALUES ('\(id)', 1, 'applications', '\(row)', '\(column)', \(value), 'reported')")
    }
    _ = try store.select("INSERT INTO checks (report_id, version, check_id, status, expected, actual) VALUES ('\(id)', 1, 'applications.row_total.carried_over', 'fail', 2, 3)")
    return id
}

/// Opens a database that nianbao 0.1 wrote (schema 3) with this version, and checks what migration 4
/// did: renamed columns, rows and check ids, the wide view by the new names, the old record read in the
/// new schema as a new version.
func checkSchema3Upgrade(open: () throws -> RecordStore, old: RecordStore) throws {
    let record = try goldenRecords().first { $0.record[path: "report.template"]?.stringValue == "2021" }!
    let id = try writeSchema3Report(old, record)
    let store = try open()
    #expect(try store.schemaVersion() == StoreSchema.latestVersion)
    #expect(try store.select("SELECT record_sha256 IS NOT NULL, source_content_sha256 FROM current_reports WHERE report_id = '\(id)'")
            .first?.last == record.record[path: "source.content_sha256"]?.stringValue)
    #expect(try store.select("SELECT row_path FROM cells WHERE report_id = '\(id)' ORDER BY row_path") ==
            [["brought_forward"], ["new_received"], ["outcome.unavailable.still_unclear"]])
    #expect(try store.select("SELECT check_id, message_zh FROM checks WHERE report_id = '\(id)'") == [["applications.row_total.brought_forward", nil]])
    // The wide table (schema 5) is written from the stored record itself, in the new schema's names
    // (this hand-made old database's cells do not match its record on purpose: the record wins).
    func value(_ path: String) -> String? { record.record[path: "tables.applications"]?.objectValue.flatMap { a in
        var v: JSONValue? = .object(a)
        for k in path.split(separator: ".") { v = v?.objectValue?[String(k)] }
        return v?.intValue.map(String.init)
    } }
    #expect(value("brought_forward.total") != nil)
    #expect(try store.select("SELECT \"brought_forward.total\", \"outcome.unavailable.still_unclear.natural_person\", checks_failed, agency_key FROM report_cells_wide WHERE report_id = '\(id)'")
            == [[value("brought_forward.total"), value("outcome.unavailable.still_unclear.natural_person"),
                String((record.record[path: "quality.checks"]?.arrayValue ?? []).filter { $0[path: "status"]?.stringValue == "fail" }.count),
                record.record[path: "report.agency_key"]?.stringValue]])
    // The old record, read again from its JSON, is the golden record (with no path) as a second version.
    let reread = try LoadableRecord(record: asSchema1(record.record))
    #expect(try store.load([reread]) == LoadSummary(updated: 1))
    #expect(try store.select("SELECT version, is_current FROM reports WHERE report_id = '\(id)' ORDER BY version") == [["1", "0"], ["2", "1"]])
    let checks = try store.select("SELECT count(*), count(message_zh), count(formula) FROM checks WHERE report_id = '\(id)' AND version = 2").first!
    #expect(checks[0] == checks[1] && checks[1] == checks[2] && checks[0] != "0")
}

/// A record made from `r` for another id (and URL), year and cell values: a copy, another year or a version.
func variant(_ r: LoadableRecord, id: String, year: Int? = nil, cells: [String: JSONValue] = [:]) throws -> LoadableRecord {
    func set(_ v: JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) -> JSONValue {
        guard let head = path.first, case .object(var o) = v else { return value }
        o[head] = set(o[head] ?? .null, path.dropFirst(), value)
        return .object(o)
    }
    var record = set(r.record, ["id"], .string(id))
    record = set(record, ["source", "url"], .string("https://mirror.example/\(id).html"))
    if let year {
        record = set(record, ["report", "year"], .int(year))
        let key = record[path: "report"]!.objectValue!["agency_key"]!.stringValue!
        record = set(record, ["report", "report_key"], .string("\(key)|\(year)|\(record[path: "report.template"]!.stringValue!)"))
    }
    for (path, value) in cells { record = set(record, ArraySlice(path.split(separator: ".").map(String.init)), value) }
    return try LoadableRecord(record: record)
}

/// Copies of one report (same tables, other ids) stay beside its current record; a record with other
/// tables replaces it as current, with its differences listed; the cross-year checks follow every load.
func checkCopiesVersionsAndYears(_ store: RecordStore) throws {
    let base = try goldenRecords().first { $0.record[path: "source.path"]?.stringValue == "Snapshots/jiangyin-2023-html-gbk/input.html" }!
    #expect(base.reportKey == "org:01404053X|2023|2021")
    let mirror = try variant(base, id: "0000000000000000aaaa")
    #expect(mirror.tablesDigest == base.tablesDigest && mirror.digest != base.digest)
    #expect(try store.load([base]) == LoadSummary(inserted: 1))
    #expect(try store.load([mirror, base]) == LoadSummary(inserted: 1, unchanged: 1, copies: 1))
    #expect(try store.select("SELECT report_id FROM current_reports WHERE report_key = '\(base.reportKey)'") == [[base.id]])
    #expect(try store.select("SELECT report_id, is_current, same_tables_as_current FROM report_copies WHERE report_key = '\(base.reportKey)' ORDER BY report_id")
            == [[mirror.id, "0", "1"], [base.id, "1", "1"]])
    #expect(try store.select("SELECT count(*) FROM report_cells_wide") == [["1"]])
    #expect(try store.load([mirror, base]) == LoadSummary(unchanged: 2))
    // Another copy with one number different: a version; it becomes current and its difference is listed.
    let other = try variant(base, id: "0000000000000000bbbb", cells: ["tables.applications.new_received.natural_person": .int(17)])
    #expect(try store.load([other]) == LoadSummary(inserted: 1, replaced: 1))
    #expect(try store.select("SELECT report_id FROM current_reports WHERE report_key = '\(base.reportKey)'") == [[other.id]])
    #expect(try store.select("SELECT previous_report_id, path, value, previous_value FROM report_differences WHERE report_id = '\(other.id)'")
            == [[base.id, "tables.applications.new_received.natural_person", "17", "16"]])
    #expect(try store.select("SELECT status, actual FROM cross_year_checks WHERE check_id = 'year.published_twice'") == [["warn", "2"]])

    // Three years of one agency, continuous: every carry-over and stock check passes.
    func year(_ y: Int, brought: Int, carried: Int, issued: Int, repealed: Int, inForce: Int) throws -> LoadableRecord {
        try variant(base, id: "00000000000000\(y)00", year: y, cells: [
            "tables.applications.brought_forward.natural_person": .int(brought), "tables.applications.brought_forward.total": .int(brought),
            "tables.applications.carried_forward.natural_person": .int(carried), "tables.applications.carried_forward.total": .int(carried),
            "tables.proactive.rules.issued": .int(issued), "tables.proactive.rules.repealed": .int(repealed), "tables.proactive.rules.in_force": .int(inForce),
        ])
    }
    let series = [try year(2020, brought: 0, carried: 2, issued: 1, repealed: 0, inForce: 5), try year(2021, brought: 2, carried: 3, issued: 1, repealed: 0, inForce: 6),
                  try year(2022, brought: 3, carried: 0, issued: 0, repealed: 1, inForce: 5)]
    _ = try store.load(series)
    let carry = try store.select("SELECT year, next_year, status FROM cross_year_checks WHERE check_id = 'carry_over.natural_person' ORDER BY year")
    #expect(carry == [["2020", "2021", "pass"], ["2021", "2022", "pass"], ["2022", "2023", "pass"]])
    #expect(try store.select("SELECT count(*) FROM cross_year_checks WHERE check_id LIKE 'carry_over.%' AND status <> 'pass'") == [["0"]])
    // 规章 in force: 5 + 1 − 0 = 6, 6 + 0 − 1 = 5, then the 2023 report says 0 (5 + 0 − 0 expected): a soft warning.
    #expect(try store.select("SELECT year, expected, actual, status FROM cross_year_checks WHERE check_id = 'stock.rules' ORDER BY year")
            == [["2020", "6", "6", "pass"], ["2021", "5", "5", "pass"], ["2022", "5", "0", "warn"]])
    // 2020 is a 2021-template report of a year that calls for 2019.
    #expect(try store.select("SELECT year, status FROM cross_year_checks WHERE check_id = 'template.year' AND status = 'warn'") == [["2020", "warn"]])
    // 2021 republished with another carried-forward figure: the 2021 → 2022 pair fails, in words.
    let changed = try year(2021, brought: 2, carried: 4, issued: 1, repealed: 0, inForce: 6)
    #expect(try store.load([changed]) == LoadSummary(updated: 1))
    let failing = try store.select("SELECT year, next_year, expected, actual, message_zh FROM cross_year_checks WHERE status = 'fail' AND check_id = 'carry_over.natural_person'")
    #expect(failing == [["2021", "2022", "4", "3", "2021年 四、结转下年度继续办理 ≠ 2022年 二、上年结转（自然人）: 4 ≠ 3"]])
    try expectWideTableIsThePivotOfTheCurrentCells(store)
}

/// `report_cells_wide` (a table the loads keep) holds exactly the current reports, and its values,
/// failing checks and flagged cells are what the `cells` and `checks` tables say of them.
func expectWideTableIsThePivotOfTheCurrentCells(_ store: RecordStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let current = try store.select("SELECT report_id, version FROM current_reports ORDER BY report_id")
    #expect(!current.isEmpty, sourceLocation: sourceLocation)
    #expect(try store.select("SELECT report_id, version FROM report_cells_wide ORDER BY report_id") == current, sourceLocation: sourceLocation)
    let pivot = WideColumns.cells.map { "MAX(CASE WHEN c.table_name = '\($0.table)' AND c.row_path = '\($0.rowPath)' AND c.column_name = '\($0.column)' THEN c.value END)" }
    let fromCells = try store.select("""
        SELECT r.report_id, \(pivot.joined(separator: ", ")) FROM current_reports r LEFT JOIN cells c ON c.report_id = r.report_id AND c.version = r.version
        GROUP BY r.report_id ORDER BY r.report_id
        """)
    let fromTable = try store.select("SELECT report_id, \(WideColumns.cells.map { "\"\($0.name)\"" }.joined(separator: ", ")) FROM report_cells_wide ORDER BY report_id")
    #expect(fromTable == fromCells, "the wide table differs from the pivot of the cells", sourceLocation: sourceLocation)
    for row in try store.select("SELECT w.report_id, w.checks_failed, w.flagged_cells, w.agency_key, r.agency_key FROM report_cells_wide w JOIN current_reports r ON r.report_id = w.report_id") {
        let id = row[0]!
        let failing = try store.select("SELECT count(*) FROM checks k JOIN current_reports r ON r.report_id = k.report_id AND r.version = k.version WHERE k.report_id = '\(id)' AND k.status = 'fail'")
        #expect(row[1] == failing.first?.first ?? nil, "\(id)", sourceLocation: sourceLocation)
        let flagged = try store.select("""
            SELECT c.row_path || '.' || c.column_name || ':' || c.status FROM cells c JOIN current_reports r ON r.report_id = c.report_id AND r.version = c.version
            WHERE c.report_id = '\(id)' AND c.status NOT IN ('reported', 'derived')
            """).compactMap { $0[0] }
        #expect(Set((row[2] ?? "").split(separator: " ").map(String.init)) == Set(flagged), "\(id)", sourceLocation: sourceLocation)
        #expect(row[3] == row[4], sourceLocation: sourceLocation)
    }
}

/// The same record with one cell changed (a new content digest for the same id).
func edited(_ r: LoadableRecord, cell: String, to value: Int) throws -> LoadableRecord {
    func set(_ v: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
        guard let head = path.first, case .object(var o) = v else { return .int(value) }
        o[head] = set(o[head] ?? .null, path.dropFirst())
        return .object(o)
    }
    return try LoadableRecord(record: set(r.record, ArraySlice(cell.split(separator: ".").map(String.init))))
}

/// Every cell of every version, as text keyed by report/version/table/row/column, values normalised.
func cellMap(_ store: RecordStore) throws -> [String: String] {
    var out: [String: String] = [:]
    for row in try store.select("SELECT report_id, version, table_name, row_path, column_name, value, status, raw, rule FROM cells") {
        let key = row[0..<5].map { $0 ?? "∅" }.joined(separator: "|")
        let value = row[5].map { v -> String in
            guard let d = Double(v) else { return v }
            return d == d.rounded() ? String(Int(d)) : String(format: "%.4f", d)
        } ?? "null"
        out[key] = [value, row[6] ?? "∅", row[7] ?? "∅", row[8] ?? "∅"].joined(separator: "|")
    }
    return out
}

@Suite struct SQLiteStoreTests {
    @Test func loadReloadAndNewVersionsKeepHistory() throws {
        let records = try goldenRecords()
        #expect(records.count >= 15)
        let storePath = scratchPath("load", suffix: ".sqlite")
        defer { removeScratch(storePath) }
        let store = try RecordStore.sqlite(path: storePath)
        #expect(try store.schemaVersion() == StoreSchema.latestVersion)
        // The HTML and text copies of the 江阴 report share a report key and differ (the text's ambiguous cells): one replaces the other.
        #expect(try store.load(records) == LoadSummary(inserted: records.count, replaced: 1))
        let counts = try store.rowCounts()
        #expect(counts["reports"] == records.count)
        let cellsPerRecord = records.map { RecordRows($0).cells.count }.reduce(0, +)
        #expect(counts["cells"] == cellsPerRecord)
        #expect(counts["checks"] == records.map { $0.record[path: "quality.checks"]?.arrayValue?.count ?? 0 }.reduce(0, +))

        // Reloading is a no-op.
        let before = try cellMap(store)
        #expect(try store.load(records) == LoadSummary(unchanged: records.count))
        #expect(try store.rowCounts() == counts)
        #expect(try cellMap(store) == before)

        // One report changed: exactly that report gets a second version; the first stays queryable.
        let target = try #require(records.first { $0.record[path: "report.agency"]?.stringValue == "平潭综合实验区" })
        let changed = try edited(target, cell: "tables.applications.new_received.natural_person", to: 152)
        #expect(try store.load(records.map { $0.id == target.id ? changed : $0 }) == LoadSummary(updated: 1, unchanged: records.count - 1))
        let versions = try store.select("SELECT version, is_current FROM reports WHERE report_id = '\(target.id)' ORDER BY version")
        #expect(versions == [["1", "0"], ["2", "1"]])
        #expect(try store.select("SELECT COUNT(*) FROM reports WHERE is_current = 1") == [["\(Set(records.map(\.reportKey)).count)"]])
        let wide = try store.select("SELECT \"new_received.natural_person\" FROM report_cells_wide WHERE report_id = '\(target.id)'")
        #expect(wide == [["152"]])
        let old = try store.select("SELECT value FROM cells WHERE report_id = '\(target.id)' AND version = 1 AND row_path = 'new_received' AND column_name = 'natural_person'")
        #expect(old == [["151"]])
        let after = try cellMap(store)
        #expect(after.count == before.count + RecordRows(changed).cells.count)
    }

    @Test func aFailedLoadLeavesTheDatabaseAsItWas() throws {
        let records = try goldenRecords()
        let storePath = scratchPath("fail", suffix: ".sqlite")
        defer { removeScratch(storePath) }
        let store = try RecordStore.sqlite(path: storePath)
        _ = try store.load(records.prefix(3))
        let counts = try store.rowCounts()
        #expect(throws: StoreError.self) { try store.load(records, failAfter: 9) }
        #expect(try store.rowCounts() == counts)
        // and the store is still usable
        #expect(try store.load(records).inserted == records.count - 3)
    }

    @Test func anOlderDatabaseUpgradesInPlace() throws {
        let path = scratchPath("migrate", suffix: ".sqlite")
        defer { removeScratch(path) }
        let records = try goldenRecords()
        do {
            let v1 = try RecordStore.sqlite(path: path, migrateTo: 1)
            #expect(try v1.schemaVersion() == 1)
            #expect(throws: SQLError.self) { try v1.select("SELECT COUNT(*) FROM report_cells_wide") }
        }
        try checkSchema3Upgrade(open: { try RecordStore.sqlite(path: path) }, old: try RecordStore.sqlite(path: path, migrateTo: 3))
        let v4 = try RecordStore.sqlite(path: path)
        #expect(try v4.load(records).inserted == records.count - 1)
        #expect(try v4.select("SELECT COUNT(*) FROM report_cells_wide") == [["\(Set(records.map(\.reportKey)).count)"]])
        // migration 2 enforces one current version per report
        #expect(try v4.load([try edited(records[0], cell: "tables.review_litigation.review.upheld", to: 9)]) == LoadSummary(updated: 1))
        #expect(throws: SQLError.self) { try v4.select("UPDATE reports SET is_current = 1") }
    }

    @Test func schemaSixKeepsEachFormulaOnceAndEveryCheckAndCellAsTheyWere() throws {
        let records = try goldenRecords()
        let freshPath = scratchPath("v6", suffix: ".sqlite"), oldPath = scratchPath("v5", suffix: ".sqlite")
        defer { removeScratch(freshPath); removeScratch(oldPath) }
        let fresh = try RecordStore.sqlite(path: freshPath)
        _ = try fresh.load(records)
        let checks = try fresh.select("SELECT * FROM checks ORDER BY report_id, version, check_id")
        let cells = try fresh.select("SELECT * FROM cells ORDER BY report_id, version, table_name, row_path, column_name")
        var distinct = Set<String>()
        for r in records { for c in RecordRows(r).checks { distinct.insert("\(c.id) \(c.formula ?? "-") \(c.cellsText ?? "-")") } }
        #expect(checks.count == records.map { RecordRows($0).checks.count }.reduce(0, +) && checks.allSatisfy { $0[6] != nil && $0[7] != nil })
        #expect(try fresh.select("SELECT count(*) FROM check_definitions") == [["\(distinct.count)"]])
        #expect(distinct.count < checks.count / 10, "\(distinct.count) definitions for \(checks.count) checks")
        // A schema-5 database with the same rows, as its loads wrote them: formula and cells in every row of the table `checks`.
        do {
            let old = try RecordStore.sqlite(path: oldPath, migrateTo: 5)
            _ = try old.select("ATTACH DATABASE '\(freshPath)' AS v6")
            for table in ["reports", "page_metadata", "report_sections", "cells", "checks", "report_cells_wide"] {
                _ = try old.select("INSERT INTO main.\(table) SELECT * FROM v6.\(table)")
            }
            _ = try old.select("DETACH DATABASE v6")
            #expect(try old.select("SELECT count(*), count(formula) FROM checks") == [["\(checks.count)", "\(checks.count)"]])
        }
        let upgraded = try RecordStore.sqlite(path: oldPath)
        #expect(try upgraded.schemaVersion() == 6)
        #expect(try upgraded.select("SELECT * FROM checks ORDER BY report_id, version, check_id") == checks)
        #expect(try upgraded.select("SELECT * FROM cells ORDER BY report_id, version, table_name, row_path, column_name") == cells)
        #expect(try upgraded.select("SELECT count(*) FROM check_definitions") == [["\(distinct.count)"]])
        // Clustered on the primary key: no rowid (and no second b-tree of the same keys).
        #expect(throws: SQLError.self) { try upgraded.select("SELECT rowid FROM cells") }
        #expect(throws: SQLError.self) { try upgraded.select("SELECT rowid FROM check_results") }
        // Loads go on: the same records are unchanged; a changed one is a version whose checks reuse the definitions.
        #expect(try upgraded.load(records) == LoadSummary(unchanged: records.count))
        let changed = try edited(records[0], cell: "tables.review_litigation.review.upheld", to: 9)
        #expect(try upgraded.load([changed]) == LoadSummary(updated: 1))
        #expect(try upgraded.select("SELECT count(*) FROM check_definitions") == [["\(distinct.count)"]])
        #expect(try upgraded.select("SELECT count(*), count(formula), count(message_zh) FROM checks WHERE report_id = '\(changed.id)' AND version = 2")
                == [Array(repeating: "\(RecordRows(changed).checks.count)", count: 3)])
        // The view says the same as the record, check by check.
        let stored = try upgraded.select("SELECT check_id, status, formula, cells, message_en FROM checks WHERE report_id = '\(changed.id)' AND version = 2 ORDER BY check_id")
        let want = RecordRows(changed).checks.sorted { $0.id < $1.id }.map { [$0.id, $0.status, $0.formula, $0.cellsText, $0.messageEn] }
        #expect(stored == want)
    }

    @Test func aNewDatabaseHasSixteenKiBPagesAndAnOlderOneKeepsItsOwn() throws {
        let fresh = scratchPath("pages-new", suffix: ".sqlite"), older = scratchPath("pages-old", suffix: ".sqlite")
        defer { removeScratch(fresh); removeScratch(older) }
        let records = try goldenRecords()
        let store = try RecordStore.sqlite(path: fresh)
        #expect(try store.select("PRAGMA page_size") == [["16384"]])
        // A database another tool made (4 KiB pages, WAL) opens, migrates and loads as it is.
        let made = try runPython(["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE mine (x)'); c.commit()", older])
        #expect(made.status == 0, "\(made.output)")
        let other = try RecordStore.sqlite(path: older)
        #expect(try other.load(records).inserted == records.count)
        #expect(try other.select("PRAGMA page_size") == [["4096"]])
        #expect(try other.select("SELECT count(*) FROM mine") == [["0"]])
    }

    @Test func textWithAZeroCharacterIsStoredWhole() throws {
        let path = scratchPath("nul", suffix: ".sqlite")
        defer { removeScratch(path) }
        guard case .object(var root) = try goldenRecords()[0].record, case .object(var report)? = root["report"] else { Issue.record("no report"); return }
        report["agency"] = .string("甲\u{0}乙")
        root["report"] = .object(report)
        let store = try RecordStore.sqlite(path: path)
        #expect(try store.load([try LoadableRecord(record: .object(root))]).inserted == 1)
        #expect(try store.select("SELECT hex(agency) FROM reports") == [["E794B200E4B999"]])
    }

    @Test func copiesVersionsAndCrossYearChecks() throws {
        let path = scratchPath("copies", suffix: ".sqlite")
        defer { removeScratch(path) }
        try checkCopiesVersionsAndYears(try RecordStore.sqlite(path: path))
    }

    @Test func wideColumnsAreTheRecordPathsUniqueAndFitPostgresNames() {
        let names = RecordStore.wideColumnNames
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.utf8.count <= 63 }, "\(names.filter { $0.utf8.count > 63 })")
        for c in WideColumns.cells { #expect(c.name == c.rowPath + "." + c.column && RecordDictionary.field("tables.\(c.table).\(c.name)") != nil, "\(c.name)") }
    }

    @Test func recordsOfSchemaOneReadAsTheGoldenRecords() throws {
        for r in try goldenRecords() {
            var want = r.record.objectValue!
            var source = want["source"]!.objectValue!
            source["path"] = .null
            source["file_name"] = .null
            want["source"] = .object(source)
            let upgraded = try #require(RecordUpgrade.upgrade(asSchema1(r.record)))
            #expect(CanonicalJSON.encode(upgraded) == CanonicalJSON.encode(.object(want)), "\(r.id)")
        }
        #expect(RecordUpgrade.upgrade(.object(["schema": .string("nianbao.report/9")])) == nil)
    }

    @Test func recordsRoundTripThroughTheParserByteForByte() throws {
        for dir in try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Snapshots").path) {
            let url = packageRoot.appendingPathComponent("Snapshots/\(dir)/expected.json")
            guard let data = try? Data(contentsOf: url) else { continue }
            #expect(CanonicalJSON.encode(try JSONParser.parse([UInt8](data))) == [UInt8](data), "\(dir)")
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("{\"a\": 1,}".utf8)) }
    }

    @Test func linesAcrossTheReadersChunksAndALastLineWithoutNewlineAreRead() throws {
        let dir = scratchPath("chunks")
        defer { removeScratch(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // More than the reader's 4 MiB chunk: some lines begin in one chunk and end in the next.
        let golden = try goldenRecords()
        var text = "", n = 0
        while text.utf8.count < 9 << 20 {
            text += String(decoding: golden[n % golden.count].bytes, as: UTF8.self)
            if n == 3 { text += "  \n" }
            n += 1
        }
        text.removeLast()  // the last line ends the file without a newline
        try text.write(toFile: dir + "/big.ndjson", atomically: true, encoding: .utf8)
        let (records, problems) = RecordReader.read([dir])
        #expect(problems.isEmpty, "\(problems.map(\.reason))")
        #expect(records.count == n)
        #expect(records.map(\.digest) == (0..<n).map { golden[$0 % golden.count].digest })
    }

    @Test func badRecordsAreReportedAndTheRestLoad() throws {
        let dir = scratchPath("records")
        defer { removeScratch(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let good = try goldenRecords().prefix(2).map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
        try (good + "{\"not\": \"a record\"}\nnot json\n").write(toFile: dir + "/batch.ndjson", atomically: true, encoding: .utf8)
        let (records, problems) = RecordReader.read([dir])
        #expect(records.count == 2)
        #expect(problems.map(\.origin) == [dir + "/batch.ndjson:3", dir + "/batch.ndjson:4"])
    }
}

@Suite struct CSVTests {
    @Test func fieldsWithLineBreaksQuotesAndCommasAreQuotedByteForByte() {
        // CR LF is one Character (equal to neither "\r" nor "\n"), and a quote with a combining mark
        // is one Character too: both must still be quoted and doubled.
        let line = WideCSV.line(["a\r\nb", "x\"\u{301}y", "1,5", "plain", nil, "甲"])
        #expect(String(decoding: line, as: UTF8.self) == "\"a\r\nb\",\"x\"\"\u{301}y\",\"1,5\",plain,,甲\r\n")
    }

    @Test func theWideCSVReadsBackWithPythonsCSVModuleAndPandas() throws {
        let records = try goldenRecords()
        let path = scratchPath("wide", suffix: ".csv")
        defer { removeScratch(path) }
        let session = try SinkSession(.csv(path))
        for r in records { try session.add(r) }
        _ = try session.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        let script = """
        import csv, sys, pandas
        path, n = sys.argv[1], int(sys.argv[2])
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == n, (len(rows), n)
        assert len({r["report_id"] for r in rows}) == n
        agencies = {r["agency"] for r in rows}
        assert "平潭综合实验区" in agencies and "临港经济开发区" in agencies, agencies
        pt = next(r for r in rows if r["agency"] == "平潭综合实验区")
        assert pt["new_received.total"] == "154" and pt["fees.amount_wan_yuan"] == "4166.2416", pt["fees.amount_wan_yuan"]
        df = pandas.read_csv(path, encoding="utf-8-sig")
        assert df.shape[0] == n and df["report_id"].is_unique
        # The HTML copy says 16; the text copy cannot place it (ambiguous, empty in the CSV).
        jy = df.loc[df["agency"] == "临港经济开发区", "new_received.natural_person"].tolist()
        assert 16 in jy and all(v == 16 or pandas.isna(v) for v in jy), jy
        assert list(df.columns[:3]) == ["report_id", "version", "url"]
        # The page that contradicts itself names its failing checks; the others have none.
        bad = df.loc[df["checks_failed"] > 0]
        assert len(bad) == 1 and bad.iloc[0]["failing_checks"] == "applications.balance.natural_person applications.row_total.new_received review_litigation.block_total.review", bad.iloc[0]["failing_checks"]
        assert df.loc[df["checks_failed"] == 0, "failing_checks"].isna().all()
        # One name per cell: the wide column is the record path under its table.
        assert "outcome.denied.state_secret.total" in df.columns and "brought_forward.natural_person" in df.columns and "outcome.total.total" in df.columns
        print("ok", df.shape)
        """
        let (status, out) = try runPython(["-c", script, path, String(Set(records.map(\.id)).count)])
        #expect(status == 0, "python csv/pandas check failed (needs pandas: pip install pandas):\n\(out)")
    }
}

@Suite struct CSVInjectionTests {
    /// Page text that starts like a formula is neutralized in the CSV (issue 11 item 10), numbers are
    /// not (a signed 本年增/减 stays -4), and the record itself keeps the text as it is.
    @Test func formulaLikePageTextGetsALeadingQuoteInTheCSVOnly() throws {
        for text in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "＝1+1"] {
            #expect(WideCSV.neutralized(text) == "'" + text, "\(text)")
        }
        for text in ["平潭综合实验区", "2023年报告", ""] { #expect(WideCSV.neutralized(text) == text) }
        var record = try goldenRecords().first { $0.record[path: "report.agency"]?.stringValue == "平潭综合实验区" }!.record
        guard case .object(var root) = record, case .object(var report)? = root["report"] else { Issue.record("no report"); return }
        report["agency"] = .string("=cmd|' /C calc'!A0")
        root["report"] = .object(report)
        record = .object(root)
        let csv = String(decoding: WideCSV.render([try LoadableRecord(record: record)]), as: UTF8.self)
        #expect(csv.contains("'=cmd|' /C calc'!A0"))
        #expect(!csv.contains(",=cmd"))
    }
}

/// The PostgreSQL server the test script started (scripts/pg-test-server.sh).
let postgresURL = ProcessInfo.processInfo.environment["NIANBAO_TEST_PG_URL"]

@Suite struct PostgresStoreTests {
    /// A fresh database on the test server.
    func freshDatabase() throws -> String {
        let base = try #require(postgresURL)
        let admin = try RecordStore.postgres(url: base, migrateTo: 0)
        let name = "nianbao_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        _ = try admin.select("CREATE DATABASE \(name)")
        return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
    }

    @Test func theTestScriptProvidesAServerInCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(postgresURL != nil) }
    }

    @Test(.enabled(if: postgresURL != nil))
    func sameRowsAndValuesAsSQLite() throws {
        let records = try goldenRecords()
        let pg = try RecordStore.postgres(url: try freshDatabase())
        let litePath = scratchPath("cmp", suffix: ".sqlite")
        defer { removeScratch(litePath) }
        let lite = try RecordStore.sqlite(path: litePath)
        // The HTML and text copies of the 江阴 report share a report key and differ (the text's ambiguous cells): one replaces the other.
        #expect(try pg.load(records) == LoadSummary(inserted: records.count, replaced: 1))
        _ = try lite.load(records)
        #expect(try pg.rowCounts() == lite.rowCounts())
        // The golden records have cells of every status: the wide table flags them.
        for store in [pg, lite] { try expectWideTableIsThePivotOfTheCurrentCells(store) }
        #expect(try lite.select("SELECT count(*) FROM report_cells_wide WHERE flagged_cells LIKE '%:ambiguous%'").first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0 > 0)
        let a = try cellMap(pg), b = try cellMap(lite)
        #expect(a.count == b.count && a.count > 3000)
        let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
        #expect(differing.isEmpty, "\(differing.prefix(5).map { "\($0): pg \(a[$0]!) sqlite \(b[$0] ?? "absent")" })")
        let wideColumns = RecordStore.wideColumnNames.map { "\"\($0)\"" }.joined(separator: ", ")
        let pgWide = try pg.select("SELECT \(wideColumns) FROM report_cells_wide ORDER BY report_id")
        #expect(pgWide.count == Set(records.map(\.reportKey)).count)
        #expect(pgWide.first?.count == RecordStore.wideColumnNames.count)
    }

    /// One record the database refuses fails alone (issue 11 item 3): a year out of PostgreSQL's
    /// integer range in the middle of a load; the load commits the others and names the bad one.
    @Test(.enabled(if: postgresURL != nil))
    func oneRecordTheDatabaseRefusesFailsAlone() throws {
        let records = try goldenRecords()
        guard case .object(var root) = records[3].record, case .object(var report)? = root["report"] else { Issue.record("no report"); return }
        report["year"] = .int(99_999_999_999)
        root["report"] = .object(report)
        let bad = try LoadableRecord(record: .object(root))
        var batch = records
        batch[3] = bad
        let pg = try RecordStore.postgres(url: try freshDatabase())
        let summary = try pg.load(batch)
        #expect(summary.failed.map(\.id) == [bad.id])
        #expect(summary.failed.first?.reason.contains("out of range") == true, "\(summary.failed)")
        #expect(summary.inserted == Set(records.map(\.id)).count - 1)
        #expect(try pg.select("SELECT count(*) FROM reports WHERE report_id = '\(bad.id)'") == [["0"]])
        #expect(try pg.select("SELECT count(DISTINCT report_id) FROM reports") == [["\(Set(records.map(\.id)).count - 1)"]])
        // Loaded again, the good ones are unchanged and the bad one is refused again, alone.
        let again = try pg.load(batch)
        #expect(again.unchanged == Set(records.map(\.id)).count - 1 && again.failed.count == 1, "\(again)")
    }

    /// The rows of a report version refer to it as with a foreign key, checked once per statement
    /// (a row-level key ran a query per row a COPY wrote: 40 % of a load's server time).
    @Test(.enabled(if: postgresURL != nil))
    func reportRowsMustReferToAReportVersionCheckedOncePerStatement() throws {
        let records = try goldenRecords()
        let pg = try RecordStore.postgres(url: try freshDatabase())
        _ = try pg.load(records)
        let id = records[0].id
        #expect(try pg.select("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND confrelid = 'reports'::regclass") == [["0"]])
        // A row of a report version that is not in reports is refused, inserted or moved there.
        do {
            _ = try pg.select("INSERT INTO cells (report_id, version, table_name, row_path, column_name, status) VALUES ('ffffffffffffffffffff', 1, 'applications', 'x', 'total', 'reported')")
            Issue.record("an orphan cell was let in")
        } catch {
            #expect("\(error)".contains("cells: a row refers to a report version that is not in reports"), "\(error)")
        }
        #expect(throws: SQLError.self) { try pg.select("UPDATE report_sections SET version = 99 WHERE report_id = '\(id)'") }
        #expect(throws: SQLError.self) { try pg.select("INSERT INTO check_results SELECT 'ffffffffffffffffffff', 1, check_id, status, expected, actual, definition_id, message_zh, message_en FROM check_results LIMIT 1") }
        // A report version's key cannot change while rows refer to it.
        #expect(throws: SQLError.self) { try pg.select("UPDATE reports SET version = 99 WHERE report_id = '\(id)'") }
        // Deleting a report version deletes its rows, and only its.
        let others = try pg.select("SELECT count(*) FROM cells WHERE report_id <> '\(id)'")
        #expect(try pg.select("SELECT count(*) > 0 FROM cells WHERE report_id = '\(id)'") == [["t"]])
        _ = try pg.select("DELETE FROM reports WHERE report_id = '\(id)'")
        for table in StoreSchema.perReportTables {
            #expect(try pg.select("SELECT count(*) FROM \(table) WHERE report_id = '\(id)'") == [["0"]], "\(table)")
        }
        #expect(try pg.select("SELECT count(*) FROM cells WHERE report_id <> '\(id)'") == others)
        // The stored record's JSON is compressed with lz4 where the server has it.
        let lz4 = try pg.select("SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)").first?.first ?? nil
        #expect(try pg.select("SELECT attcompression FROM pg_attribute WHERE attrelid = 'reports'::regclass AND attname = 'record_json'") == [[lz4 == "1" ? "l" : ""]])
    }

    /// A batch is written while the next one is made: when the database refuses it, its records are
    /// written again one by one and the records added since are added again — a version of one of its
    /// records among them, which must find that record stored.
    @Test(.enabled(if: postgresURL != nil))
    func aBatchRefusedWhileTheNextIsMadeIsWrittenAgainAndTheNextOneToo() throws {
        let base = try goldenRecords().first { $0.record[path: "source.path"]?.stringValue == "Snapshots/jiangyin-2023-html-gbk/input.html" }!
        var records = try (0..<420).map { try variant(base, id: String(format: "%020x", 0xb000 + $0), year: 1000 + $0) }
        records[7] = try variant(base, id: records[7].id, year: 99_999_999_999)  // out of PostgreSQL's integer range
        // About 185 records make a batch: the first is being written when this one comes.
        records.insert(try edited(records[9], cell: "tables.review_litigation.review.upheld", to: 9), at: 300)
        let pg = try RecordStore.postgres(url: try freshDatabase())
        let summary = try pg.load(records)
        #expect(summary.failed.map(\.id) == [records[7].id])
        #expect(summary.inserted == 419 && summary.updated == 1, "\(summary)")
        #expect(try pg.select("SELECT count(DISTINCT report_id), count(*) FROM reports") == [["419", "420"]])
        #expect(try pg.select("SELECT version, is_current FROM reports WHERE report_id = '\(records[9].id)' ORDER BY version") == [["1", "0"], ["2", "1"]])
        #expect(try pg.select("SELECT count(*), sum(\"review.upheld\") FROM report_cells_wide WHERE report_id = '\(records[9].id)'") == [["1", "9"]])
        #expect(try pg.select("SELECT count(*) FROM report_cells_wide") == [["419"]])
        #expect(try pg.select("SELECT count(*) FROM cells") == [["\(420 * RecordRows(base).cells.count)"]])
    }

    /// A page-derived string of 1 MB (an agency) loads whole into both stores (issue 11 item 3): no
    /// index keys the whole text.
    @Test(.enabled(if: postgresURL != nil))
    func aMegabyteAgencyLoads() throws {
        let records = try goldenRecords()
        guard case .object(var root) = records[0].record, case .object(var report)? = root["report"] else { Issue.record("no report"); return }
        let huge = String(repeating: "某某县人民政府办公室", count: 35_000)
        report["agency"] = .string(huge)
        root["report"] = .object(report)
        let big = try LoadableRecord(record: .object(root))
        let pg = try RecordStore.postgres(url: try freshDatabase())
        #expect(try pg.load([big]) == LoadSummary(inserted: 1))
        #expect(try pg.select("SELECT length(agency) FROM reports") == [[String(huge.count)]])
        let litePath = scratchPath("big", suffix: ".sqlite")
        defer { removeScratch(litePath) }
        let lite = try RecordStore.sqlite(path: litePath)
        #expect(try lite.load([big]) == LoadSummary(inserted: 1))
        #expect(try lite.select("SELECT length(agency) FROM reports") == [[String(huge.count)]])
    }

    @Test(.enabled(if: postgresURL != nil))
    func reloadIsANoOpAndAChangeMakesOneNewVersion() throws {
        let records = try goldenRecords()
        let pg = try RecordStore.postgres(url: try freshDatabase())
        _ = try pg.load(records)
        let counts = try pg.rowCounts()
        #expect(try pg.load(records) == LoadSummary(unchanged: records.count))
        #expect(try pg.rowCounts() == counts)
        let target = records[0]
        let changed = try edited(target, cell: "tables.review_litigation.review.upheld", to: 7)
        #expect(try pg.load([changed]) == LoadSummary(updated: 1))
        #expect(try pg.select("SELECT version, is_current FROM reports WHERE report_id = '\(target.id)' ORDER BY version") == [["1", "0"], ["2", "1"]])
        #expect(try pg.select("SELECT \"review.upheld\" FROM report_cells_wide WHERE report_id = '\(target.id)'") == [["7"]])
    }

    @Test(.enabled(if: postgresURL != nil))
    func aFailedLoadRollsBackAndOldDatabasesUpgrade() throws {
        let records = try goldenRecords()
        let url = try freshDatabase()
        try checkSchema3Upgrade(open: { try RecordStore.postgres(url: url) }, old: try RecordStore.postgres(url: url, migrateTo: 3))
        let v4 = try RecordStore.postgres(url: url)
        _ = try v4.load(records.prefix(4))
        let counts = try v4.rowCounts()
        #expect(throws: StoreError.self) { try v4.load(records, failAfter: 10) }
        #expect(try v4.rowCounts() == counts)
        let upgraded = records.first { $0.record[path: "report.template"]?.stringValue == "2021" }!.id
        #expect(try v4.select("SELECT COUNT(*) FROM report_cells_wide") == [["\(Set(records.prefix(4).map(\.id) + [upgraded]).count)"]])
    }

    @Test(.enabled(if: postgresURL != nil))
    func copiesVersionsAndCrossYearChecks() throws {
        try checkCopiesVersionsAndYears(try RecordStore.postgres(url: try freshDatabase()))
    }

    @Test(.enabled(if: postgresURL != nil))
    func everyTableViewAndColumnHasAComment() throws {
        let pg = try RecordStore.postgres(url: try freshDatabase())
        let relations = try pg.select("""
            SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') ORDER BY 1
            """)
        #expect(relations.count == StoreDictionary.relations.count)
        for r in relations { #expect(r[1] != nil && !(r[1]!.isEmpty), "table \(r[0] ?? "")") }
        let missing = try pg.select("""
            SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') AND col_description(c.oid, a.attnum) IS NULL
            """)
        #expect(missing.isEmpty, "columns without a comment: \(missing.prefix(5))")
        let wide = try pg.select("SELECT col_description('report_cells_wide'::regclass, a.attnum) FROM pg_attribute a WHERE a.attrelid = 'report_cells_wide'::regclass AND a.attname = 'brought_forward.natural_person'")
        #expect(wide == [["applications brought forward from last year: natural persons (二、上年结转政府信息公开申请数量 · 自然人)"]])
    }
}
