/// What the cross-year checks need of one report (a record, or a row of the stores).
public struct YearReport: Sendable, Equatable {
    /// Record id.
    public var reportID: String
    /// `report.agency_key`.
    public var agencyKey: String
    /// `report.year`.
    public var year: Int
    /// `report.template`.
    public var template: String
    /// True for the current report of its report key (copies and earlier versions are false).
    public var isCurrent: Bool
    /// A digest of the record's `tables` (two reports with the same digest have the same tables).
    public var tablesDigest: String
    /// 四、结转下年度继续办理, per applicant column (``ReportTemplate/applicantColumns`` order).
    public var carriedForward: [Int?]
    /// 二、上年结转, per applicant column.
    public var broughtForward: [Int?]
    /// 表二 (2021) 规章 and 行政规范性文件: block → (本年制发, 本年废止, 现行有效).
    public var stock: [String: [Int?]]

    /// Creates one.
    public init(reportID: String, agencyKey: String, year: Int, template: String, isCurrent: Bool, tablesDigest: String,
                carriedForward: [Int?], broughtForward: [Int?], stock: [String: [Int?]]) {
        self.reportID = reportID
        self.agencyKey = agencyKey
        self.year = year
        self.template = template
        self.isCurrent = isCurrent
        self.tablesDigest = tablesDigest
        self.carriedForward = carriedForward
        self.broughtForward = broughtForward
        self.stock = stock
    }

    /// The facts of a record (nil when it has no agency key or year). `tablesDigest` is supplied by
    /// the caller (the stores use the SHA-256 of the canonical `tables`).
    public init?(record r: JSONValue, isCurrent: Bool, tablesDigest: String) {
        guard let id = r[path: "id"]?.stringValue, let report = r[path: "report"]?.objectValue,
              let key = report["agency_key"]?.stringValue, let year = report["year"]?.intValue else { return nil }
        let apps = r[path: "tables"]?.objectValue?["applications"]?.objectValue
        let proactive = r[path: "tables"]?.objectValue?["proactive"]?.objectValue
        func row(_ name: String) -> [Int?] { ReportTemplate.applicantColumns.map { apps?[name]?.objectValue?[$0]?.intValue } }
        var stock: [String: [Int?]] = [:]
        for block in CrossYearChecks.stockBlocks {
            if let b = proactive?[block]?.objectValue { stock[block] = ["issued", "repealed", "in_force"].map { b[$0]?.intValue } }
        }
        self.init(reportID: id, agencyKey: key, year: year, template: report["template"]?.stringValue ?? "unknown", isCurrent: isCurrent,
                  tablesDigest: tablesDigest, carriedForward: row("carried_forward"), broughtForward: row("brought_forward"), stock: stock)
    }
}

/// One cross-year check: a pair of consecutive years of one agency, or one agency-year.
public struct CrossYearCheck: Sendable, Equatable {
    /// The agency key.
    public var agencyKey: String
    /// The year checked (the earlier one of a pair; the missing year for `years.missing`).
    public var year: Int
    /// The later year of a pair (nil for checks of one year).
    public var nextYear: Int?
    /// Check id (see ``CrossYearChecks``).
    public var checkID: String
    /// What the identity says the value should be (nil when it cannot be computed or is not a number).
    public var expected: Int?
    /// What the report says.
    public var actual: Int?
    /// `pass`, `fail`, `warn` (a soft check that does not hold) or `not_assessable`.
    public var status: String
    /// In Chinese, the report's words and the values.
    public var messageZh: String
    /// In English.
    public var messageEn: String
    /// The report of `year` (nil for a missing year).
    public var reportID: String?
    /// The report of `nextYear`.
    public var nextReportID: String?

    /// Creates one.
    public init(agencyKey: String, year: Int, nextYear: Int?, checkID: String, expected: Int?, actual: Int?, status: String,
                messageZh: String, messageEn: String, reportID: String?, nextReportID: String?) {
        self.agencyKey = agencyKey
        self.year = year
        self.nextYear = nextYear
        self.checkID = checkID
        self.expected = expected
        self.actual = actual
        self.status = status
        self.messageZh = messageZh
        self.messageEn = messageEn
        self.reportID = reportID
        self.nextReportID = nextReportID
    }

    /// The cells of the report `id` this check involves, as record paths (none for a check of the
    /// publication record, such as a missing year).
    public func cells(of id: String) -> [String] {
        let column = checkID.hasPrefix("carry_over.") ? String(checkID.dropFirst("carry_over.".count)) : nil
        let block = checkID.hasPrefix("stock.") ? String(checkID.dropFirst("stock.".count)) : nil
        if id == reportID {
            if let column { return ["tables.applications.carried_forward.\(column)"] }
            if let block { return ["tables.proactive.\(block).in_force"] }
        }
        if id == nextReportID {
            if let column { return ["tables.applications.brought_forward.\(column)"] }
            if let block { return ["issued", "repealed", "in_force"].map { "tables.proactive.\(block).\($0)" } }
        }
        return []
    }
}

/// Checks across the years of one agency (templates.md §7.6–7.7 and the publication record):
///
/// - `carry_over.<column>` (hard): year N's 四、结转下年度继续办理 = year N+1's 二、上年结转, per applicant column;
/// - `stock.rules`, `stock.normative_documents` (soft, `warn`): N's 现行有效件数 + N+1's 本年制发件数 −
///   本年废止件数 = N+1's 现行有效件数 (2021 template both years; revisions and clean-ups break it);
/// - `template.year` (soft): the template the year calls for (2021 from 2021, 2019 for 2019–2020,
///   pre2019 before);
/// - `years.missing` (soft): a year with no report between two years that have one;
/// - `year.published_twice` (soft): one year of one agency published more than once with different tables.
///
/// Pairs are taken only between consecutive years that each have exactly one current report.
public enum CrossYearChecks {
    /// 表二 blocks of the stock check.
    public static let stockBlocks = ["rules", "normative_documents"]

    /// The template a report of `year` should follow.
    public static func expectedTemplate(_ year: Int) -> String { year >= 2021 ? "2021" : (year >= 2019 ? "2019" : "pre2019") }

    /// Every check for `reports`, ordered by agency key, year, check id.
    public static func run(_ reports: [YearReport]) -> [CrossYearCheck] {
        var byAgency: [String: [YearReport]] = [:]
        for r in reports { byAgency[r.agencyKey, default: []].append(r) }
        var out: [CrossYearCheck] = []
        for key in byAgency.keys.sorted() {
            let all = byAgency[key]!
            var current: [Int: [YearReport]] = [:]
            for r in all where r.isCurrent { current[r.year, default: []].append(r) }
            var byYear: [Int: [YearReport]] = [:]
            for r in all { byYear[r.year, default: []].append(r) }
            let years = current.keys.sorted()
            for year in years {
                // Published twice: several different tables for one year (copies with equal tables are one).
                let digests = Set(byYear[year]!.map(\.tablesDigest))
                if digests.count > 1 {
                    let ids = byYear[year]!.map(\.reportID).sorted()
                    out.append(CrossYearCheck(agencyKey: key, year: year, nextYear: nil, checkID: "year.published_twice", expected: 1, actual: digests.count,
                                              status: "warn", messageZh: "\(year)年的报告有\(digests.count)种不同的表格（\(ids.joined(separator: "、"))）",
                                              messageEn: "\(year) was published \(digests.count) times with different tables (\(ids.joined(separator: ", ")))",
                                              reportID: current[year]!.first!.reportID, nextReportID: nil))
                }
                for r in current[year]! {
                    let want = expectedTemplate(year)
                    let ok = r.template == want
                    out.append(CrossYearCheck(agencyKey: key, year: year, nextYear: nil, checkID: "template.year", expected: nil, actual: nil,
                                              status: ok ? "pass" : "warn",
                                              messageZh: "\(year)年报告应使用\(want)模板，实际为\(r.template)",
                                              messageEn: "a \(year) report should follow the \(want) template; it follows \(r.template)",
                                              reportID: r.reportID, nextReportID: nil))
                }
            }
            if let first = years.first, let last = years.last, last > first {
                for year in first...last where current[year] == nil {
                    out.append(CrossYearCheck(agencyKey: key, year: year, nextYear: nil, checkID: "years.missing", expected: 1, actual: 0, status: "warn",
                                              messageZh: "\(first)—\(last)年间缺少\(year)年的报告", messageEn: "no report for \(year) between \(first) and \(last)",
                                              reportID: nil, nextReportID: nil))
                }
            }
            for year in years {
                guard let nextList = current[year + 1] else { continue }
                let thisList = current[year]!
                guard thisList.count == 1, nextList.count == 1 else {
                    out.append(CrossYearCheck(agencyKey: key, year: year, nextYear: year + 1, checkID: "carry_over.total", expected: nil, actual: nil,
                                              status: "not_assessable", messageZh: "\(year)或\(year + 1)年有不止一份当前报告，无法配对",
                                              messageEn: "\(year) or \(year + 1) has more than one current report: no pair to check",
                                              reportID: thisList.first?.reportID, nextReportID: nextList.first?.reportID))
                    continue
                }
                out += pair(thisList[0], nextList[0])
            }
        }
        return out
    }

    static func pair(_ a: YearReport, _ b: YearReport) -> [CrossYearCheck] {
        var out: [CrossYearCheck] = []
        for (k, column) in ReportTemplate.applicantColumns.enumerated() {
            let expected = a.carriedForward.indices.contains(k) ? a.carriedForward[k] : nil
            let actual = b.broughtForward.indices.contains(k) ? b.broughtForward[k] : nil
            let status = (expected == nil || actual == nil) ? "not_assessable" : (expected == actual ? "pass" : "fail")
            let rel = CheckWords.relation(status), v = CheckWords.value
            out.append(CrossYearCheck(
                agencyKey: a.agencyKey, year: a.year, nextYear: b.year, checkID: "carry_over.\(column)", expected: expected, actual: actual, status: status,
                messageZh: "\(a.year)年 四、结转下年度继续办理 \(rel) \(b.year)年 二、上年结转（\(ReportTemplate.applicantColumnLabels[k])）: \(v(expected)) \(rel) \(v(actual))",
                messageEn: "\(a.year) carried forward \(rel) \(b.year) brought forward (\(ReportTemplate.applicantColumnEnglish[k])): \(v(expected)) \(rel) \(v(actual))",
                reportID: a.reportID, nextReportID: b.reportID))
        }
        guard a.template == "2021" && b.template == "2021" else { return out }
        for block in stockBlocks {
            let label = block == "rules" ? "规章" : "行政规范性文件"
            guard let s0 = a.stock[block], let s1 = b.stock[block], s0.count == 3, s1.count == 3 else { continue }
            var expected: Int?
            if let stock = s0[2], let issued = s1[0], let repealed = s1[1] { expected = stock + issued - repealed }
            let actual = s1[2]
            let status = (expected == nil || actual == nil) ? "not_assessable" : (expected == actual ? "pass" : "warn")
            let rel = CheckWords.relation(status), v = CheckWords.value
            out.append(CrossYearCheck(
                agencyKey: a.agencyKey, year: a.year, nextYear: b.year, checkID: "stock.\(block)", expected: expected, actual: actual, status: status,
                messageZh: "\(label)：\(a.year)年现行有效 \(v(s0[2])) + \(b.year)年制发 \(v(s1[0])) − 废止 \(v(s1[1])) \(rel) \(b.year)年现行有效 \(v(actual))",
                messageEn: "\(block == "rules" ? "rules" : "normative documents"): \(a.year) in force \(v(s0[2])) + \(b.year) issued \(v(s1[0])) − repealed \(v(s1[1])) \(rel) \(b.year) in force \(v(actual))",
                reportID: a.reportID, nextReportID: b.reportID))
        }
        return out
    }
}
