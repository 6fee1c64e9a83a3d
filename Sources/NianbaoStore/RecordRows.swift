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

/// One check of a record (`quality.checks[]`) as the stores keep it.
struct CheckRow {
    var id: String
    var status: String
    var expected: Int?
    var actual: Int?
    var formula: String?
    /// The cells the check reads, as in the record (a JSON array of record paths).
    var cells: JSONValue?
    var messageZh: String?
    var messageEn: String?

    /// `cells` as the stores write it: canonical JSON text.
    var cellsText: String? { cells.map { String(decoding: CanonicalJSON.encode($0).dropLast(), as: UTF8.self) } }
}

/// The relational rows of one record (schema in ``StoreSchema``).
///
/// Made once per record loaded, off the thread that writes (``LoadableRecord/prepare()``): members
/// are read directly (no dotted paths split per lookup) and each cell's path is built once.
struct RecordRows: @unchecked Sendable {
    var report: [(String, JSONValue)]
    var metadata: [(key: String, ordinal: Int, value: String?)]
    var sections: [(String, String?)]
    var cells: [CellRow]
    var checks: [CheckRow]
    var repairs: [(path: String, raw: String, value: String, rule: String)]
    var warnings: [(code: String, message: String)]

    init(_ r: LoadableRecord) {
        let root = r.record.objectValue ?? JSONObject()
        let source = root["source"]?.objectValue, page = root["page"]?.objectValue, report = root["report"]?.objectValue
        let quality = root["quality"]?.objectValue, extractor = root["extractor"]?.objectValue
        let capture = source?["capture"]?.objectValue, period = report?["period"]?.objectValue, contact = report?["contact"]?.objectValue
        func v(_ o: JSONObject?, _ key: String) -> JSONValue { o?[key] ?? .null }
        self.report = [
            ("url", v(source, "url")), ("retrieved_at", v(source, "retrieved_at")), ("source_content_sha256", v(source, "content_sha256")),
            ("source_path", v(source, "path")), ("source_file_name", v(source, "file_name")),
            ("input_format", v(source, "input_format")), ("charset", v(source, "charset")), ("charset_source", v(source, "charset_source")),
            ("capture_warc", v(capture, "warc")), ("capture_offset", v(capture, "offset")),
            ("page_title", v(page, "title")),
            ("breadcrumb", .string(String(decoding: CanonicalJSON.encode(v(page, "breadcrumb")).dropLast(), as: UTF8.self))),
            ("title", v(report, "title")), ("year", v(report, "year")), ("agency", v(report, "agency")), ("template", v(report, "template")),
            ("agency_key", v(report, "agency_key")), ("agency_key_source", v(report, "agency_key_source")),
            ("report_key", .string(r.reportKey)), ("tables_sha256", .string(r.tablesDigest)),
            ("period_start", v(period, "start")), ("period_end", v(period, "end")), ("issued", v(report, "issued")),
            ("contact_organization", v(contact, "organization")), ("contact_address", v(contact, "address")),
            ("contact_phone", v(contact, "phone")), ("contact_email", v(contact, "email")),
            ("extractor_version", v(extractor, "version")), ("libxml2_version", v(extractor, "libxml2")),
            ("record_json", .string(String(decoding: r.bytes.dropLast(), as: UTF8.self))),
        ]
        metadata = []
        if case .object(let m)? = page?["metadata"] {
            for (key, value) in m {
                switch value {
                case .array(let items):
                    for (i, v) in items.enumerated() { metadata.append((key, i, v.stringValue)) }
                case .object(let other):
                    for (k, v) in other { metadata.append(("other." + k, 0, v.stringValue)) }
                case .string(let v): metadata.append((key, 0, v))
                default: metadata.append((key, 0, nil))
                }
            }
        }
        let sectionTexts = report?["sections"]?.objectValue
        sections = SectionKind.allCases.map { ($0.rawValue, sectionTexts?[$0.rawValue]?.stringValue) }
        let notes = quality?["cells"]?.objectValue ?? JSONObject()
        let tables = root["tables"]?.objectValue
        var cellRows: [CellRow] = []
        cellRows.reserveCapacity(256)
        for table in ["proactive", "applications", "review_litigation"] {
            guard case .object(let t)? = tables?[table] else { continue }
            Self.walk(t, table: table, rowPath: "", inSubtotal: false, notes: notes, into: &cellRows)
        }
        cells = cellRows
        checks = (quality?["checks"]?.arrayValue ?? []).map { c in
            let o = c.objectValue
            let message = o?["message"]?.objectValue
            return CheckRow(id: o?["id"]?.stringValue ?? "", status: o?["status"]?.stringValue ?? "", expected: o?["expected"]?.intValue,
                            actual: o?["actual"]?.intValue, formula: o?["formula"]?.stringValue, cells: o?["cells"],
                            messageZh: message?["zh"]?.stringValue, messageEn: message?["en"]?.stringValue)
        }
        repairs = (quality?["repairs"]?.arrayValue ?? []).map {
            let o = $0.objectValue
            return (o?["path"]?.stringValue ?? "", o?["raw"]?.stringValue ?? "", o?["value"]?.stringValue ?? "", o?["rule"]?.stringValue ?? "")
        }
        warnings = (quality?["warnings"]?.arrayValue ?? []).map {
            let o = $0.objectValue
            return (o?["code"]?.stringValue ?? "", o?["message"]?.stringValue ?? "")
        }
    }

    /// Appends a row per leaf of a table object, in key order: its row path (the keys above it), its
    /// column (its key), its status from `quality.cells` (`derived` under a `subtotal`, `missing` when null).
    static func walk(_ object: JSONObject, table: String, rowPath: String, inSubtotal: Bool, notes: JSONObject, into out: inout [CellRow]) {
        for (key, value) in object {
            let subtotal = inSubtotal || key == "subtotal"
            if case .object(let child) = value {
                walk(child, table: table, rowPath: rowPath.isEmpty ? key : rowPath + "." + key, inSubtotal: subtotal, notes: notes, into: &out)
                continue
            }
            var status = "reported"
            var raw: String?, rule: String?, candidates: String?
            if !notes.isEmpty, let note = notes["tables." + table + "." + (rowPath.isEmpty ? key : rowPath + "." + key)] {
                let n = note.objectValue
                status = n?["status"]?.stringValue ?? "reported"
                raw = n?["raw"]?.stringValue
                rule = n?["rule"]?.stringValue
                if let c = n?["candidates"] { candidates = String(decoding: CanonicalJSON.encode(c).dropLast(), as: UTF8.self) }
            } else if subtotal {
                status = "derived"
            } else if value == .null {
                status = "missing"
            }
            out.append(CellRow(table: table, rowPath: rowPath, column: key, value: value, status: status, raw: raw, rule: rule, candidates: candidates))
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
            let root = rec.objectValue
            let report = root?["report"]?.objectValue, period = report?["period"]?.objectValue
            reportFields = [root?["source"]?.objectValue?["url"], report?["agency"], report?["agency_key"], report?["year"], report?["template"],
                            period?["start"], period?["end"], report?["issued"], report?["title"]].map { $0 ?? .null }
            let quality = root?["quality"]?.objectValue
            failing = (quality?["checks"]?.arrayValue ?? []).filter { $0.objectValue?["status"]?.stringValue == "fail" }
                .compactMap { $0.objectValue?["id"]?.stringValue }.sorted { JSONObject.compare($0, $1) < 0 }
            // The notes are few: each is matched to its column, rather than every column looked up among them.
            var flagged: [(column: Int, text: String)] = []
            for (path, note) in quality?["cells"]?.objectValue ?? JSONObject() {
                guard let i = WideColumns.columnOfPath[path], let status = note.objectValue?["status"]?.stringValue, status != "reported" else { continue }
                flagged.append((i, "\(WideColumns.cells[i].name):\(status)"))
            }
            self.flagged = flagged.sorted { $0.column < $1.column }.map(\.text)
            // Each row object is found once for its columns (a row's columns are next to each other).
            let tables = root?["tables"]?.objectValue
            var values: [JSONValue] = []
            values.reserveCapacity(WideColumns.cells.count)
            var row: JSONObject?, rowIndex = -1
            for (i, location) in WideColumns.locations.enumerated() {
                if location.row != rowIndex {
                    rowIndex = location.row
                    var v: JSONValue? = tables?[WideColumns.cells[i].table]
                    for k in location.rowKeys { v = v?.objectValue?[k] }
                    row = v?.objectValue
                }
                values.append(row?[WideColumns.cells[i].column] ?? .null)
            }
            self.values = values
        }
    }

    /// Where each column of ``cells`` is in a record: the keys of its row under its table, and a number
    /// that is the same for the columns of one row.
    static let locations: [(rowKeys: [String], row: Int)] = {
        var out: [(rowKeys: [String], row: Int)] = []
        var previous: (String, String)?
        for c in cells {
            let row = previous.map { $0 == (c.table, c.rowPath) } == true ? out.last!.row : (out.last?.row ?? -1) + 1
            out.append((c.rowPath.split(separator: ".").map(String.init), row))
            previous = (c.table, c.rowPath)
        }
        return out
    }()

    /// The column of ``cells`` of each cell's record path (`tables.<table>.<name>`, as `quality.cells` names it).
    static let columnOfPath: [String: Int] = {
        var out: [String: Int] = [:]
        for (i, c) in cells.enumerated() { out["tables.\(c.table).\(c.name)"] = i }
        return out
    }()

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
