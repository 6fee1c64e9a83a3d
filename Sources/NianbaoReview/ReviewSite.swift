import NianbaoNormalize

/// The page a record was read from, as the review shows it beside the record.
public struct OriginalPage: Sendable {
    /// An HTML page (shown in a sandboxed frame) or a text copy (shown as text).
    public enum Kind: Sendable { case html, text }
    /// Which.
    public var kind: Kind
    /// The page decoded to text.
    public var text: String
    /// Where it was found (a file path, or `WARC file @ offset`).
    public var origin: String

    /// Creates one.
    public init(kind: Kind, text: String, origin: String) {
        self.kind = kind
        self.text = text
        self.origin = origin
    }
}

/// A static review site of records: `index.html` (one row per report, sortable and filterable, a
/// chart per agency with several years) and `r/<id>.html` per report (the tables laid out as the
/// template prints them, each cell styled by its status, checks in words highlighting their cells,
/// repairs, warnings, metadata, prose, and the original page beside it). No server, no CDN, no
/// framework: files that open from disk. Every string from a page is escaped.
public enum ReviewSite {
    /// One file of the site: its path under the site's directory and its bytes.
    public typealias File = (path: String, bytes: [UInt8])

    /// The files of the site for `records` (current schema), with the original pages found for them
    /// (by record id) and the cross-year checks of their agencies (summarised on the index, listed on
    /// the pages of the reports they involve).
    public static func files(records: [JSONValue], originals: [String: OriginalPage], crossYear: [CrossYearCheck] = []) -> [File] {
        var out: [File] = []
        let reports = records.map { ReportSummary($0) }
        let across = CrossYearIndex(crossYear)
        out.append(("index.html", Array(IndexPage.render(reports, across: across).utf8)))
        for (record, summary) in zip(records, reports) {
            let original = originals[summary.id]
            out.append(("r/\(summary.id).html", Array(ReportPage.render(record, summary: summary, original: original, across: across).utf8)))
            if let original, original.kind == .html {
                out.append(("r/\(summary.id).source.html", Array(sandboxedCopy(original.text).utf8)))
            }
        }
        return out
    }

    /// A captured page made safe to open: UTF-8 declared first, and a Content-Security-Policy that lets
    /// no script run and nothing load from the network (the frame is sandboxed too).
    static func sandboxedCopy(_ html: String) -> String {
        "<meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n" + html
    }
}

/// Cross-year checks by the reports and agencies they concern.
struct CrossYearIndex {
    let all: [CrossYearCheck]
    /// Checks of a pair or of one year, by the report ids they name.
    let byReport: [String: [CrossYearCheck]]
    /// Checks of the publication record (a missing year), by agency key.
    let byAgency: [String: [CrossYearCheck]]

    init(_ checks: [CrossYearCheck]) {
        all = checks
        var r: [String: [CrossYearCheck]] = [:], a: [String: [CrossYearCheck]] = [:]
        for c in checks {
            if c.reportID == nil && c.nextReportID == nil { a[c.agencyKey, default: []].append(c) }
            for id in Set([c.reportID, c.nextReportID].compactMap { $0 }) { r[id, default: []].append(c) }
        }
        byReport = r
        byAgency = a
    }

    /// The checks a report's page lists: those naming it, and its agency's missing years.
    func of(_ id: String, agencyKey: String?) -> [CrossYearCheck] {
        (byReport[id] ?? []) + (agencyKey.flatMap { byAgency[$0] } ?? [])
    }

    /// Checks that do not hold (`fail`, then `warn`).
    static func problems(_ checks: [CrossYearCheck]) -> [CrossYearCheck] {
        checks.filter { $0.status == "fail" } + checks.filter { $0.status == "warn" }
    }

    /// Words for a status.
    static func words(_ status: String) -> String {
        switch status {
        case "pass": return "pass 通过"
        case "fail": return "fail 不符"
        case "warn": return "warn 存疑"
        default: return "not assessable 无法核对"
        }
    }
}

/// HTML text escaping: every string that came from a page or a record goes through it.
func esc(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters other than tab and newline are dropped (they are not text).
            if c.value < 0x20 && c != "\n" && c != "\t" { continue }
            out.unicodeScalars.append(c)
        }
    }
    return out
}

/// A link target for a URL from a record: only http(s) URLs become links (a `javascript:` URL is text).
func safeURL(_ s: String?) -> String? {
    guard let s else { return nil }
    let lower = s.lowercased()
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
    return s
}

/// What the index shows of one report.
struct ReportSummary {
    let id: String
    let agency: String?
    let year: Int?
    let template: String
    let title: String?
    /// `report.agency_key`.
    let agencyKey: String?
    let url: String?
    let path: String?
    let checks: (pass: Int, fail: Int, notAssessable: Int)
    /// Cells by status (from `quality.cells`).
    let statusCounts: [String: Int]
    let warnings: Int
    /// Figures of the agency chart: new applications, granted, denied, review, litigation.
    let figures: [Int?]

    static let chartSeries = [("本年新收 new", "tables.applications.new_received.total"), ("予以公开 granted", "tables.applications.outcome.granted.total"),
                              ("不予公开 denied", "tables.applications.outcome.denied.subtotal.total"), ("行政复议 review", "tables.review_litigation.review.total"),
                              ("行政诉讼 litigation", "")]

    init(_ r: JSONValue) {
        id = r[path: "id"]?.stringValue ?? ""
        agency = r[path: "report"]?.objectValue?["agency"]?.stringValue
        year = r[path: "report"]?.objectValue?["year"]?.intValue
        template = r[path: "report"]?.objectValue?["template"]?.stringValue ?? "unknown"
        title = r[path: "report"]?.objectValue?["title"]?.stringValue
        agencyKey = r[path: "report"]?.objectValue?["agency_key"]?.stringValue
        url = r[path: "source"]?.objectValue?["url"]?.stringValue
        path = r[path: "source"]?.objectValue?["path"]?.stringValue
        var p = 0, f = 0, n = 0
        for c in r[path: "quality"]?.objectValue?["checks"]?.arrayValue ?? [] {
            switch c.objectValue?["status"]?.stringValue {
            case "pass"?: p += 1
            case "fail"?: f += 1
            default: n += 1
            }
        }
        checks = (p, f, n)
        var counts: [String: Int] = [:]
        for (_, note) in r[path: "quality"]?.objectValue?["cells"]?.objectValue ?? [:] {
            counts[note.objectValue?["status"]?.stringValue ?? "?", default: 0] += 1
        }
        statusCounts = counts
        warnings = r[path: "quality"]?.objectValue?["warnings"]?.arrayValue?.count ?? 0
        func value(_ path: String) -> Int? { r[path: path]?.intValue }
        let litigation = [value("tables.review_litigation.litigation_direct.total"), value("tables.review_litigation.litigation_after_review.total")]
        figures = Self.chartSeries.map { $0.1.isEmpty ? (litigation.contains { $0 == nil } ? nil : litigation.reduce(0) { $0 + $1! }) : value($0.1) }
    }
}

/// Styles shared by the pages: readable at 390 px and 1280 px, statuses by colour and by a mark.
let sharedStyle = """
:root{--fg:#1b1b1b;--muted:#5c5c5c;--line:#c8c8c8;--bg:#fff;--focus:#0b57d0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,"Noto Sans CJK SC","Noto Sans SC",sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
header,main,footer{padding:0 16px;max-width:1800px;margin:0 auto}
h1{font-size:1.35rem;margin:16px 0 4px}h2{font-size:1.1rem;margin:24px 0 8px}h3{font-size:1rem;margin:16px 0 6px}
a{color:#0b4fa8}
:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:3px 6px;vertical-align:middle}
th{background:#f3f3f3;font-weight:600}
.muted{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;padding:0;list-style:none;margin:8px 0}
.st-inferred{background:#e3efff}.st-blank_as_zero{background:#f1f1f1;color:#444}.st-converted{background:#eef7e8}
.st-segmented{background:#efe6ff}.st-ambiguous{background:#fff1c2}.st-missing{background:#ffe1e1}.st-placed{background:#ffe7cc}
.mark{font-size:.75em;font-weight:700;margin-left:2px;vertical-align:super}
.n{text-align:right}.bad{color:#b3261e;font-weight:700}
.filters{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:center;margin:8px 0 12px}
.filters input[type=search]{font:inherit;padding:4px 6px;max-width:100%}
th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-align:left}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
td.src{max-width:28em;font-size:.85em}
.chart{display:inline-block;margin:8px 16px 8px 0;max-width:100%}
.layout{display:block}
@media (min-width:1100px){.layout.with-original{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:24px;max-width:none}}
.original iframe{width:100%;height:80vh;border:1px solid var(--line);background:#fff}
.original pre.flat{white-space:pre-wrap;max-height:80vh;overflow:auto;border:1px solid var(--line);padding:8px;font-size:.85em}
td.v{position:relative;text-align:right;min-width:2.6em;white-space:nowrap;overflow-wrap:normal}
th{overflow-wrap:normal}
td.v .tip{display:none;position:absolute;z-index:2;left:0;top:100%;min-width:16em;max-width:24em;text-align:left;background:#222;color:#fff;padding:6px 8px;border-radius:4px;font-size:.8rem;font-weight:400;white-space:normal}
td.v:hover .tip,td.v:focus .tip{display:block}
td.hl{outline:3px solid #b3261e;outline-offset:-3px}
th.rule{font-weight:400;font-size:.85em}
.swatch{display:inline-block;border:1px solid var(--line);padding:0 6px;min-width:2.6em;text-align:right}
ul.checks{padding-left:1.2em}
.check{margin:6px 0}.check button{font:inherit;text-align:left;background:none;border:0;padding:0;cursor:pointer;color:inherit}
.check.ck-fail button{color:#b3261e;font-weight:600}.check button[aria-pressed=true]{text-decoration:underline}
.check div[lang=en]{color:var(--muted);font-size:.9em}.check code{font-size:.8em;color:var(--muted)}
dl.meta{display:grid;grid-template-columns:minmax(6em,max-content) minmax(0,1fr);gap:2px 12px}dl.meta dt{font-weight:600}dl.meta dd{margin:0}
.prose p{margin:.4em 0}
"""

/// The status marks shown next to a value (colour is never the only sign).
let statusMarks: [(status: String, mark: String, zh: String, en: String)] = [
    ("reported", "", "原表填报", "reported"), ("converted", "c", "格式转换", "converted"), ("inferred", "i", "推出", "inferred"),
    ("blank_as_zero", "0", "空白记为0", "blank as zero"), ("segmented", "s", "连写拆分", "segmented"),
    ("ambiguous", "?", "多解未定", "ambiguous"), ("missing", "—", "缺失", "missing"), ("placed", "p", "按版式放置（旧）", "placed (old)"),
]

func mark(_ status: String) -> String { statusMarks.first { $0.status == status }?.mark ?? "" }

func page(title: String, body: String, script: String) -> String {
    """
    <!doctype html>
    <html lang="zh-Hans">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(esc(title))</title>
    <style>\(sharedStyle)</style>
    </head>
    <body>
    \(body)
    <script>\(script)</script>
    </body>
    </html>

    """
}
