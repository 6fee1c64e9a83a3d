import Foundation
import NianbaoSQL
import Crypto
import NianbaoEncode
import NianbaoNormalize

/// A record ready to be loaded: its canonical bytes, its parsed value and its content digest.
public struct LoadableRecord: Sendable {
    /// The record.
    public var record: JSONValue
    /// Canonical bytes (one line, trailing newline).
    public var bytes: [UInt8]
    /// Hex SHA-256 of the canonical bytes: a new digest for the same id is a new version.
    public var digest: String
    /// The record id.
    public var id: String
    /// The report this record is a copy or version of: `report.report_key`, or `id:<id>` when the
    /// record has none (no agency key or no year). The stores keep one current record per report key.
    public var reportKey: String
    /// Hex SHA-256 of the canonical `tables`: copies of one report with the same tables have the same.
    public var tablesDigest: String
    /// The rows a database load writes, when computed ahead (off the loading thread) by ``prepare()``.
    var prepared: (rows: RecordRows, wide: WideColumns.Row)?

    /// Computes the rows a database load writes, so that the thread that writes them does not.
    public mutating func prepare() {
        prepared = (RecordRows(self), WideColumns.Row(record))
    }

    /// The digest of a record's canonical bytes (a record file holds exactly those): lowercase hex SHA-256.
    public static func contentDigest<D: DataProtocol>(_ bytes: D) -> String {
        Hex.lowercase(SHA256.hash(data: bytes))
    }

    /// Wraps a record; the digest is taken over its canonical encoding, so formatting never matters.
    /// A record of an earlier schema version is read in the current one first (``RecordUpgrade``).
    public init(record given: JSONValue) throws {
        guard let id = given[path: "id"]?.stringValue, !id.isEmpty else { throw StoreError.badRecord("no id") }
        guard let record = RecordUpgrade.upgrade(given) else {
            throw StoreError.badRecord("schema is not one of \(RecordUpgrade.readable.joined(separator: ", "))")
        }
        // The shape the schema requires (schema/report.schema.json): an id is 20 lowercase hex digits
        // (it names files and rows: `../../x` must never get in), the parts are objects.
        guard id.utf8.count == 20, id.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw StoreError.badRecord("id \"\(id.prefix(40))\" is not 20 lowercase hex digits")
        }
        for part in ["source", "page", "report", "tables", "quality", "extractor"] {
            guard case .object? = record[path: part] else { throw StoreError.badRecord("\(part) is missing or not an object") }
        }
        guard let sha = record[path: "source.content_sha256"]?.stringValue, sha.utf8.count == 64,
              sha.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw StoreError.badRecord("source.content_sha256 is not 64 lowercase hex digits")
        }
        guard case .object? = record[path: "quality"]?.objectValue?["cells"], case .array? = record[path: "quality"]?.objectValue?["checks"] else {
            throw StoreError.badRecord("quality.cells or quality.checks is missing")
        }
        self.record = record
        self.bytes = CanonicalJSON.encode(record)
        self.digest = Self.contentDigest(bytes)
        self.id = id
        self.reportKey = record[path: "report"]?.objectValue?["report_key"]?.stringValue ?? "id:" + id
        self.tablesDigest = Self.contentDigest(CanonicalJSON.encode(record[path: "tables"] ?? .null))
    }
}

/// Errors of the storage layer.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// A record that is not a canonical nianbao record.
    case badRecord(String)
    /// The database said no.
    case database(String)
    /// A sink specification that cannot be understood.
    case badSink(String)

    public var description: String {
        switch self {
        case .badRecord(let why): return "not a nianbao record: \(why)"
        case .database(let why): return "database error: \(why)"
        case .badSink(let why): return "bad sink: \(why)"
        }
    }
}

/// One numeric cell of a record in long form.
struct CellRow {
    var table: String
    var rowPath: String
    var column: String
    var value: JSONValue  // .int, .decimal or .null
    var status: String
    var raw: String?
    var rule: String?
    var candidates: String?

    /// The cell's column name in the wide view (see ``WideColumns/name(rowPath:column:)``).
    var wideName: String { WideColumns.name(rowPath: rowPath, column: column) }
}

/// The relational rows of one record (schema in ``StoreSchema``).
struct RecordRows: @unchecked Sendable {
    var report: [(String, JSONValue)]
    var metadata: [(key: String, ordinal: Int, value: String?)]
    var sections: [(String, String?)]
    var cells: [CellRow]
    var checks: [(id: String, status: String, expected: Int?, actual: Int?, formula: String?, cells: String?, messageZh: String?, messageEn: String?)]
    var repairs: [(path: String, raw: String, value: String, rule: String)]
    var warnings: [(code: String, message: String)]

    init(_ r: LoadableRecord) {
        let rec = r.record
        func s(_ p: String) -> JSONValue { rec[path: p] ?? .null }
        report = [
            ("url", s("source.url")), ("retrieved_at", s("source.retrieved_at")), ("source_content_sha256", s("source.content_sha256")),
            ("source_path", s("source.path")), ("source_file_name", s("source.file_name")),
            ("input_format", s("source.input_format")), ("charset", s("source.charset")), ("charset_source", s("source.charset_source")),
            ("capture_warc", s("source.capture.warc")), ("capture_offset", s("source.capture.offset")),
            ("page_title", s("page.title")),
            ("breadcrumb", .string(String(decoding: CanonicalJSON.encode(s("page.breadcrumb")).dropLast(), as: UTF8.self))),
            ("title", s("report.title")), ("year", s("report.year")), ("agency", s("report.agency")), ("template", s("report.template")),
            ("agency_key", s("report.agency_key")), ("agency_key_source", s("report.agency_key_source")),
            ("report_key", .string(r.reportKey)), ("tables_sha256", .string(r.tablesDigest)),
            ("period_start", s("report.period.start")), ("period_end", s("report.period.end")), ("issued", s("report.issued")),
            ("contact_organization", s("report.contact.organization")), ("contact_address", s("report.contact.address")),
            ("contact_phone", s("report.contact.phone")), ("contact_email", s("report.contact.email")),
            ("extractor_version", s("extractor.version")), ("libxml2_version", s("extractor.libxml2")),
            ("record_json", .string(String(decoding: r.bytes.dropLast(), as: UTF8.self))),
        ]
        metadata = []
        if case .object(let m)? = rec[path: "page.metadata"] {
            for key in m.keys.sorted() {
                switch m[key]! {
                case .array(let items):
                    for (i, v) in items.enumerated() { metadata.append((key, i, v.stringValue)) }
                case .object(let other):
                    for k in other.keys.sorted() { metadata.append(("other." + k, 0, other[k]!.stringValue)) }
                case .string(let v): metadata.append((key, 0, v))
                default: metadata.append((key, 0, nil))
                }
            }
        }
        sections = SectionKind.allCases.map { ($0.rawValue, rec[path: "report.sections.\($0.rawValue)"]?.stringValue) }
        let notes = rec[path: "quality.cells"]?.objectValue ?? [:]
        var cellRows: [CellRow] = []
        for table in ["proactive", "applications", "review_litigation"] {
            guard let t = rec[path: "tables.\(table)"], case .object = t else { continue }
            Self.walk(t, path: []) { path, value in
                let column = path.last!
                let rowPath = path.dropLast().joined(separator: ".")
                let full = "tables.\(table).\(path.joined(separator: "."))"
                var status = "reported"
                var raw: String?, rule: String?, candidates: String?
                if let n = notes[full] {
                    status = n[path: "status"]?.stringValue ?? "reported"
                    raw = n[path: "raw"]?.stringValue
                    rule = n[path: "rule"]?.stringValue
                    if let c = n[path: "candidates"] { candidates = String(decoding: CanonicalJSON.encode(c).dropLast(), as: UTF8.self) }
                } else if path.contains("subtotal") {
                    status = "derived"
                } else if value == .null {
                    status = "missing"
                }
                cellRows.append(CellRow(table: table, rowPath: rowPath, column: column, value: value, status: status, raw: raw, rule: rule, candidates: candidates))
            }
        }
        cells = cellRows
        checks = (rec[path: "quality.checks"]?.arrayValue ?? []).map {
            ($0[path: "id"]?.stringValue ?? "", $0[path: "status"]?.stringValue ?? "", $0[path: "expected"]?.intValue, $0[path: "actual"]?.intValue,
             $0[path: "formula"]?.stringValue, $0[path: "cells"].map { String(decoding: CanonicalJSON.encode($0).dropLast(), as: UTF8.self) },
             $0[path: "message"]?.objectValue?["zh"]?.stringValue, $0[path: "message"]?.objectValue?["en"]?.stringValue)
        }
        repairs = (rec[path: "quality.repairs"]?.arrayValue ?? []).map {
            ($0[path: "path"]?.stringValue ?? "", $0[path: "raw"]?.stringValue ?? "", $0[path: "value"]?.stringValue ?? "", $0[path: "rule"]?.stringValue ?? "")
        }
        warnings = (rec[path: "quality.warnings"]?.arrayValue ?? []).map {
            ($0[path: "code"]?.stringValue ?? "", $0[path: "message"]?.stringValue ?? "")
        }
    }

    /// Visits every leaf of a table object in sorted key order.
    static func walk(_ v: JSONValue, path: [String], _ visit: ([String], JSONValue) -> Void) {
        if case .object(let o) = v {
            for k in o.keys.sorted() { walk(o[k]!, path: path + [k], visit) }
        } else {
            visit(path, v)
        }
    }
}

/// The columns of the wide view: one per canonical cell of either template, in a fixed order.
public enum WideColumns {
    /// Report-level columns first.
    public static let reportColumns = ["report_id", "version", "url", "agency", "agency_key", "year", "template", "period_start", "period_end",
                                       "issued", "title", "checks_failed", "failing_checks", "flagged_cells"]

    /// One record's wide row, before it is written as SQL values or CSV text: the report fields (in
    /// ``reportColumns`` order from `url` to `title`), the failing check ids, the cells that are not
    /// plainly reported (`name:status`, in ``cells`` order), and every cell's value.
    struct Row: @unchecked Sendable {
        var reportFields: [JSONValue]
        var failing: [String]
        var flagged: [String]
        var values: [JSONValue]

        init(_ rec: JSONValue) {
            reportFields = ["source.url", "report.agency", "report.agency_key", "report.year", "report.template", "report.period.start",
                            "report.period.end", "report.issued", "report.title"].map { rec[path: $0] ?? .null }
            failing = (rec[path: "quality.checks"]?.arrayValue ?? []).filter { $0[path: "status"]?.stringValue == "fail" }
                .compactMap { $0[path: "id"]?.stringValue }.sorted { JSONObject.compare($0, $1) < 0 }
            let notes = rec[path: "quality"]?.objectValue?["cells"]?.objectValue ?? [:]
            let tables = rec[path: "tables"]?.objectValue
            var flagged: [String] = [], values: [JSONValue] = []
            values.reserveCapacity(WideColumns.cells.count)
            for c in WideColumns.cells {
                let path = "tables.\(c.table).\(c.name)"
                if let status = notes[path]?.objectValue?["status"]?.stringValue, status != "reported" { flagged.append("\(c.name):\(status)") }
                var v: JSONValue? = tables?[c.table]
                for k in c.rowPath.split(separator: ".") { v = v?.objectValue?[String(k)] }
                values.append(v?.objectValue?[c.column] ?? .null)
            }
            self.flagged = flagged
            self.values = values
        }
    }

    /// A cell's wide-view column name: its record path under its table, the same name the record and
    /// the `cells` table give it (`tables.<table_name>.<row_path>.<column_name>`): `rules.issued`,
    /// `new_received.total`, `outcome.denied.state_secret.natural_person`, `review.upheld`. Names are
    /// unique across the three tables and fit PostgreSQL's 63-byte identifiers (a test checks both).
    public static func name(rowPath: String, column: String) -> String {
        rowPath.isEmpty ? column : rowPath + "." + column
    }

    /// Every canonical cell of either template, in a fixed order: 表二 of 2021 then the 2019-only keys,
    /// 表三 rows × 7 (subtotals included), 表四's 15.
    public static let cells: [(table: String, rowPath: String, column: String, name: String)] = {
        var out: [(String, String, String, String)] = []
        var seen = Set<String>()
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            for row in t.proactive {
                for c in row.columns where seen.insert(row.block + "." + c).inserted {
                    out.append(("proactive", row.block, c, name(rowPath: row.block, column: c)))
                }
            }
        }
        var rows: [String] = []
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            for r in t.applications.map(\.dotted) + t.applicationsSubtotals.map({ $0.path.joined(separator: ".") }) where !rows.contains(r) {
                rows.append(r)
            }
        }
        for r in rows { for c in ReportTemplate.applicantColumns { out.append(("applications", r, c, name(rowPath: r, column: c))) } }
        for b in ReportTemplate.reviewBlocks { for l in ReportTemplate.reviewLeaves { out.append(("review_litigation", b, l, name(rowPath: b, column: l))) } }
        return out
    }()
}
