import NianbaoNormalize
import NianbaoSQL

/// How many cross-year checks a load left, by status.
public struct CrossYearSummary: Sendable, Equatable {
    /// All checks.
    public var checks = 0
    /// Hard checks that fail (carry-over).
    public var failing = 0
    /// Soft checks that do not hold.
    public var warnings = 0

    /// Creates one.
    public init(checks: Int = 0, failing: Int = 0, warnings: Int = 0) {
        self.checks = checks
        self.failing = failing
        self.warnings = warnings
    }
}

/// The cross-year checks of a database: the facts they need, read from `reports` and `cells` (the
/// current record of every report key with an agency key and a year, and the latest version of every
/// copy), and the `cross_year_checks` table rewritten from ``CrossYearChecks``.
public enum CrossYearStore {
    /// The facts of every report with an agency key and a year.
    static func facts(_ c: SQLConnection) throws -> [YearReport] {
        var latest: [String: (version: Int, current: Bool, key: String, year: Int, template: String, tables: String)] = [:]
        for row in try c.query("SELECT report_id, version, is_current, agency_key, year, template, tables_sha256 FROM reports WHERE agency_key IS NOT NULL AND year IS NOT NULL", []) {
            guard let id = row[0], let v = row[1].flatMap({ Int($0) }), let key = row[3], let year = row[4].flatMap({ Int($0) }) else { continue }
            if v > latest[id]?.version ?? 0 { latest[id] = (v, row[2] == "1", key, year, row[5] ?? "unknown", row[6] ?? "") }
        }
        var carried: [String: [Int?]] = [:], brought: [String: [Int?]] = [:], stock: [String: [String: [Int?]]] = [:]
        let columnIndex = Dictionary(uniqueKeysWithValues: ReportTemplate.applicantColumns.enumerated().map { ($1, $0) })
        let stockIndex = ["issued": 0, "repealed": 1, "in_force": 2]
        let sql = """
            SELECT c.report_id, c.table_name, c.row_path, c.column_name, c.value FROM reports r
            JOIN cells c ON c.report_id = r.report_id AND c.version = r.version
            WHERE r.is_current = 1 AND r.agency_key IS NOT NULL AND r.year IS NOT NULL
              AND c.row_path IN ('carried_forward', 'brought_forward', 'rules', 'normative_documents')
            """
        for row in try c.query(sql, []) {
            guard let id = row[0], let table = row[1], let path = row[2], let column = row[3] else { continue }
            let value = row[4].flatMap { Int($0) ?? Double($0).map { Int($0) } }
            if table == "applications", let k = columnIndex[column] {
                if path == "carried_forward" { carried[id, default: Array(repeating: nil, count: 7)][k] = value }
                if path == "brought_forward" { brought[id, default: Array(repeating: nil, count: 7)][k] = value }
            } else if table == "proactive", let k = stockIndex[column] {
                stock[id, default: [:]][path, default: [nil, nil, nil]][k] = value
            }
        }
        return latest.map { id, r in
            YearReport(reportID: id, agencyKey: r.key, year: r.year, template: r.template, isCurrent: r.current, tablesDigest: r.tables,
                       carriedForward: carried[id] ?? Array(repeating: nil, count: 7), broughtForward: brought[id] ?? Array(repeating: nil, count: 7),
                       stock: stock[id] ?? [:])
        }
    }

    /// Computes the checks again and rewrites `cross_year_checks` (inside the caller's transaction).
    @discardableResult
    static func refresh(_ c: SQLConnection) throws -> [CrossYearCheck] {
        let checks = CrossYearChecks.run(try facts(c))
        try c.exec("DELETE FROM cross_year_checks")
        let rows: [[SQLValue]] = checks.map { k in
            [.text(k.agencyKey), .int(k.year), k.nextYear.map { .int($0) } ?? .null, .text(k.checkID), k.expected.map { .int($0) } ?? .null,
             k.actual.map { .int($0) } ?? .null, .text(k.status), .text(k.messageZh), .text(k.messageEn),
             k.reportID.map { .text($0) } ?? .null, k.nextReportID.map { .text($0) } ?? .null]
        }
        try c.bulkInsert("cross_year_checks", columns: ["agency_key", "year", "next_year", "check_id", "expected", "actual", "status", "message_zh",
                                                       "message_en", "report_id", "next_report_id"], rows: rows)
        return checks
    }

    /// The counts of the checks in `cross_year_checks` as they stand.
    static func storedSummary(_ c: SQLConnection) throws -> CrossYearSummary {
        var out = CrossYearSummary()
        for row in try c.query("SELECT status, count(*) FROM cross_year_checks GROUP BY status", []) {
            let n = row[1].flatMap { Int($0) } ?? 0
            out.checks += n
            if row[0] == "fail" { out.failing += n }
            if row[0] == "warn" { out.warnings += n }
        }
        return out
    }

    static func summary(_ checks: [CrossYearCheck]) -> CrossYearSummary {
        CrossYearSummary(checks: checks.count, failing: checks.filter { $0.status == "fail" }.count, warnings: checks.filter { $0.status == "warn" }.count)
    }
}

extension RecordStore {
    /// The cross-year checks the last load left in `cross_year_checks` (read, not computed again).
    public func storedCrossYearChecks() throws -> [CrossYearCheck] {
        let sql = """
            SELECT agency_key, year, next_year, check_id, expected, actual, status, message_zh, message_en, report_id, next_report_id
            FROM cross_year_checks ORDER BY agency_key, year, check_id
            """
        return try connection.query(sql, []).compactMap { row in
            guard let key = row[0], let year = row[1].flatMap({ Int($0) }), let id = row[3], let status = row[6] else { return nil }
            return CrossYearCheck(agencyKey: key, year: year, nextYear: row[2].flatMap { Int($0) }, checkID: id, expected: row[4].flatMap { Int($0) },
                                  actual: row[5].flatMap { Int($0) }, status: status, messageZh: row[7] ?? "", messageEn: row[8] ?? "",
                                  reportID: row[9], nextReportID: row[10])
        }
    }

    /// Computes the cross-year checks again (in one transaction, under the load lock) and returns them.
    public func checkYears() throws -> [CrossYearCheck] {
        var checks: [CrossYearCheck] = []
        try connection.transaction {
            try connection.serialize(Self.loadLock)
            checks = try CrossYearStore.refresh(connection)
        }
        return checks
    }
}
