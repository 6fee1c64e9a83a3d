import NianbaoExtract

/// Where the input bytes came from (`source` in the record); filled by the pipeline, not the normalizer.
public struct SourceInfo: Sendable {
    /// Source URL, when known (sidecar, capture, or `--url`).
    public var url: String?
    /// Retrieval time from the capture record, ISO 8601 UTC.
    public var retrievedAt: String?
    /// Hex SHA-256 of the raw input bytes.
    public var contentSHA256: String
    /// Decoder used.
    public var charset: String
    /// Where the charset came from.
    public var charsetSource: String
    /// WARC file name and record offset, when the input came from a capture.
    public var capture: (warc: String, offset: Int)?
    /// The local file the page was read from, as given on the command line (nil for captures and fetches).
    public var path: String?
    /// Findings of the decoding stage, as (code, message).
    public var warnings: [(code: String, message: String)]

    /// Creates a source description.
    public init(url: String?, retrievedAt: String?, contentSHA256: String, charset: String, charsetSource: String,
                capture: (warc: String, offset: Int)? = nil, path: String? = nil, warnings: [(code: String, message: String)] = []) {
        self.path = path
        self.url = url
        self.retrievedAt = retrievedAt
        self.contentSHA256 = contentSHA256
        self.charset = charset
        self.charsetSource = charsetSource
        self.capture = capture
        self.warnings = warnings
    }
}

/// Names and versions written into `extractor`.
public struct ExtractorInfo: Sendable {
    /// Tool name.
    public var name: String
    /// Tool version.
    public var version: String
    /// libxml2 version.
    public var libxml2: String

    /// Creates the description.
    public init(name: String, version: String, libxml2: String) {
        self.name = name
        self.version = version
        self.libxml2 = libxml2
    }
}

/// Why a page gives no record.
public enum NormalizeError: Error, Equatable, CustomStringConvertible {
    /// The page is not a 政府信息公开工作年度报告.
    case notAReport(String)

    public var description: String {
        switch self {
        case .notAReport(let why): return "not a report page: \(why)"
        }
    }
}

/// Turns a page model into the canonical record. Pure: no I/O, no clock, no globals.
public enum Normalizer {
    /// The record schema id.
    public static let schemaID = "nianbao.report/2"

    /// Normalizes one page.
    /// The last component of a path (`a/b/page.html` → `page.html`).
    static func fileName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    public static func normalize(_ page: PageModel, source: SourceInfo, id: String, extractor: ExtractorInfo) throws -> JSONValue {
        var state = NormalizeState(page: page)
        for w in source.warnings { state.warn(w.code, w.message) }
        return try state.run(source: source, id: id, extractor: extractor)
    }
}

/// Working state of one normalization.
struct NormalizeState {
    /// Everything the page-level checks look for in the page's match keys, searched in one pass.
    static let otherPageMarkers = ["政府信息公开条例", "年度报告", "工作报告", "统计期限", "本报告", "统计时限", "数据时限", "年度报告格式", "编制"]
    static let pageMarkers = NeedleSet(ReportTemplate.markers2019 + ReportTemplate.markers2021 + ReportTemplate.markersNational + otherPageMarkers)
    static let markerRanges: (t2019: Range<Int>, t2021: Range<Int>, national: Range<Int>) = {
        let a = ReportTemplate.markers2019.count, b = ReportTemplate.markers2021.count, c = ReportTemplate.markersNational.count
        return (0..<a, a..<(a + b), (a + b)..<(a + b + c))
    }()
    static let pageMarkerIndex: [String: Int] = {
        let base = ReportTemplate.markers2019.count + ReportTemplate.markers2021.count + ReportTemplate.markersNational.count
        return Dictionary(uniqueKeysWithValues: otherPageMarkers.enumerated().map { ($1, base + $0) })
    }()

    let format: InputFormat
    let htmlTitle: String?
    let metaTags: [String: String]
    let headerFields: [HeaderField]
    let links: [PageLink]
    var segments: [Segment]
    var warnings: [(String, String)] = []
    var repairs: [JSONValue] = []
    var cellNotes: JSONObject = [:]
    /// Template rows of each table (表二, 表三, 表四) that the page does not show.
    var rowsNotOnPage: [String: Int] = [:]

    init(page: PageModel) {
        format = page.format
        htmlTitle = page.htmlTitle
        metaTags = page.metaTags
        headerFields = page.headerFields
        links = page.links
        segments = PageText.splitInlineHeadings(page.segments)
        cellNotes.reserveCapacity(256)
    }

    mutating func warn(_ code: String, _ message: String) {
        warnings.append((code, message))
    }

    mutating func repair(_ path: String, raw: String, value: String, rule: String) {
        repairs.append(.object(["path": .string(path), "raw": .string(raw), "value": .string(value), "rule": .string(rule)]))
    }

    mutating func note(_ path: String, status: String, raw: String?, rule: String?, candidates: [DecimalNumber]? = nil) {
        // Members already in canonical order: candidates < raw < rule < status.
        var members: [JSONObject.Element] = []
        members.reserveCapacity(4)
        if let c = candidates { members.append(("candidates", .array(c.map { $0.integer.map { .int($0) } ?? .decimal($0) }))) }
        members += [("raw", .str(raw)), ("rule", .str(rule)), ("status", .string(status))]
        cellNotes[path] = .object(JSONObject(orderedMembers: members))
    }

    func line(_ i: Int) -> String? {
        if case .line(let l) = segments[i] { return l }
        return nil
    }

    // MARK: run

    mutating func run(source: SourceInfo, id: String, extractor: ExtractorInfo) throws -> JSONValue {
        // Match keys of every line and cell, computed once: headings and template markers both use them.
        var lineKeys = [String?](repeating: nil, count: segments.count)
        var allKeys = ByteText()
        for (i, seg) in segments.enumerated() {
            switch seg {
            case .line(let l):
                let k = LabelText.matchKey(l)
                lineKeys[i] = k
                allKeys.append(k)
            case .table(let g): for r in g.rows { for c in r where !c.isSpanCopy { allKeys.append(LabelText.matchKey(c.text)) } }
            }
        }

        // Sections.
        var headings: [SectionHeading] = []
        var lastOrder = -1
        let order = SectionKind.allCases
        var candidates: [SectionHeading] = []
        for i in segments.indices {
            guard let key = lineKeys[i], let kind = PageText.heading(key: key) else { continue }
            candidates.append(SectionHeading(kind: kind, segmentIndex: i))
        }
        // A preamble that lists the parts one per line (本报告由以下六部分组成: 一、总体情况 二、…) is a
        // run of three or more headings with nothing between them: not the report's headings.
        var listed = Set<Int>()
        var runStart = 0
        for k in stride(from: 1, through: candidates.count, by: 1) {
            let breaks = k == candidates.count || candidates[k].segmentIndex != candidates[k - 1].segmentIndex + 1
                || order.firstIndex(of: candidates[k].kind)! <= order.firstIndex(of: candidates[k - 1].kind)!
            if breaks {
                if k - runStart >= 3 { for m in runStart..<k { listed.insert(candidates[m].segmentIndex) } }
                runStart = k
            }
        }
        for h in candidates where !listed.contains(h.segmentIndex) {
            let o = order.firstIndex(of: h.kind)!
            if o > lastOrder { headings.append(h); lastOrder = o }
        }
        let firstHeading = headings.first?.segmentIndex ?? segments.count

        // Title and body anchor (B19).
        var titleIndex: Int?
        var inlineTitle: String?
        for i in 0..<min(firstHeading, segments.count) {
            // isTitle and titlePrefix both need 报 (or 報, folded to it) in the line.
            guard let l = line(i), l.utf8Contains("报") || l.utf8Contains("報") else { continue }
            let folded = LabelText.fold(l)
            if PageText.metadataLabelSet.isPrefix(of: folded) { continue }
            if PageText.isTitle(l, key: lineKeys[i]), PageText.titleYear(l) != nil {
                titleIndex = i
                break
            }
            if let t = PageText.titlePrefix(l) {
                titleIndex = i
                inlineTitle = t
                break
            }
        }
        var reportTitle: String? = inlineTitle ?? titleIndex.flatMap { line($0) }
        let headerTitle = headerFields.first { $0.label == "标题" || $0.label == "名称" }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        if let t = titleIndex, let title = reportTitle, !title.hasSuffix("报告") && !title.hasSuffix("年报"), t + 1 < segments.count, let next = line(t + 1), next.count <= 20, next.hasSuffix("报告") {
            reportTitle = title + next
        }
        if reportTitle == nil, let t = headerTitle, PageText.isTitle(t) { reportTitle = t }
        if reportTitle == nil, let t = htmlTitle.flatMap(PageText.titleInHTMLTitle) { reportTitle = t }
        var anchor = titleIndex
        if anchor == nil {
            for i in 0..<min(firstHeading, segments.count) {
                if let l = line(i), l.contains("政府信息公开条例") || l.contains("本报告") { anchor = i; break }
            }
        }
        let furnitureEnd = anchor ?? min(firstHeading, 60)

        // Template and report check.
        let found = allKeys.bytes.withUnsafeBufferPointer { Self.pageMarkers.present(in: $0) }
        func count(_ range: Range<Int>) -> Int { range.filter { found[$0] }.count }
        func has(_ marker: String) -> Bool { found[Self.pageMarkerIndex[marker]!] }
        let m2019 = count(Self.markerRanges.t2019)
        let m2021 = count(Self.markerRanges.t2021)
        let mNational = count(Self.markerRanges.national)
        let template: TemplateKind
        if m2019 == 0 && m2021 == 0 {
            template = mNational >= 2 ? .unknown : .pre2019
        } else if m2021 > m2019 {
            template = .t2021
        } else if m2019 > m2021 {
            template = .t2019
        } else {
            template = .unknown
        }
        let mentionsReport = has("政府信息公开条例") || has("年度报告") || has("工作报告")
        let bodyEvidence = headings.count >= 1 || mNational >= 1 || has("政府信息公开条例") || has("统计期限")
            || has("本报告") || has("统计时限")
        // The template's preamble (本报告…按照…年度报告格式…编制, a statistics-period sentence) makes a
        // report even without a title or a 一、 heading.
        let preamble = has("本报告") && ((has("年度报告格式") && has("编制")) || has("统计期限") || has("统计时限") || has("数据时限"))
        let accepted = (reportTitle != nil && bodyEvidence) || headings.count >= 2 || mNational >= 2 || (m2019 + m2021) >= 2
            || (headings.count == 1 && mentionsReport) || preamble
        if !accepted {
            throw NormalizeError.notAReport(headings.isEmpty && reportTitle == nil
                ? "no report title, no section heading and no table label of a 政府信息公开工作年度报告"
                : reportTitle != nil && !bodyEvidence ? "a report title without a report body (a listing or navigation page)"
                : "too little of a 政府信息公开工作年度报告 (one heading, no title, no table labels)")
        }
        // A page listing several reports (a 年报 column) is not itself a report.
        if headings.count < 2 && mNational < 2 {
            // The same title repeated (信息名称, 内容概述, the heading) is one title: labels are cut off first.
            var titles = Set<String>()
            for i in 0..<segments.count {
                guard let l = line(i), let k = lineKeys[i], PageText.isTitle(l, key: k), PageText.titleYear(l) != nil else { continue }
                let pairs = PageText.metadataPairs([l])
                titles.insert(pairs.count == 1 && !pairs[0].value.isEmpty ? LabelText.matchKey(pairs[0].value) : k)
            }
            // On an HTML page, a listing links to its reports.
            let reportLinks = links.filter { PageText.isTitle($0.text) }.count
            if titles.count >= 3, format == .text || reportLinks >= 3 {
                throw NormalizeError.notAReport("\(titles.count) different report titles and no report body (a listing page)")
            }
        }

        // Page metadata.
        var fragments: [String] = []
        var breadcrumb: [String]?
        for i in 0..<furnitureEnd {
            switch segments[i] {
            case .line(let l):
                if breadcrumb == nil, let b = PageText.breadcrumb(l) { breadcrumb = b; continue }
                fragments.append(contentsOf: l.pipeFragments())
            case .table(let g):
                for r in g.rows { for c in r where !c.isSpanCopy { fragments.append(c.text) } }
            }
        }
        // Metadata lines right after the title (发布日期:… 来源:…) belong to the block too.
        if let a = anchor {
            var i = a + 1
            while i < min(segments.count, a + 6), i < firstHeading, let l = line(i), !l.contains("。"),
                  PageText.metadataPairs([l]).contains(where: { $0.key != "ignore" }) {
                fragments.append(contentsOf: l.pipeFragments())
                i += 1
            }
        }
        // A crawler's header block (text copies): its fields come first, each on its own, so an empty
        // one stays empty; labels the metadata block does not know go to `other`.
        var pairs: [(label: String, key: String, value: String)] = headerFields.map { f in
            let folded = LabelText.fold(f.label)
            let key = PageText.metadataLabels.first { $0.label == folded }?.key ?? "other"
            return (f.label, key, f.value)
        }
        pairs += PageText.metadataPairs(fragments)
        let metadata = buildMetadata(pairs)

        // Period (统计期限), year, issued.
        var period: (ParsedDate?, ParsedDate?) = (nil, nil)
        for seg in segments {
            guard case .line(let l) = seg, l.utf8Contains("统计") || l.utf8Contains("統計") || l.utf8Contains("时限") || l.utf8Contains("期限") else { continue }
            let f = LabelText.fold(l)
            guard let r = ["统计期限", "统计时限", "统计期间", "统计时间", "统计区间", "数据统计", "数据时限", "数据期限", "数据截止"].lazy.compactMap({ f.utf8Range(of: $0) }).first else { continue }
            let exprs = DateReader.dateExpressions(in: String(f[r.upperBound...]))
            guard let s = exprs.first.flatMap({ DateReader.parse($0, role: .periodStart) }) else { continue }
            let e = exprs.count > 1 ? DateReader.parse(exprs[1], role: .periodEnd, defaultYear: s.date.year) : nil
            period = (s, e)
            break
        }
        if let s = period.0, let rule = s.repair { repair("report.period.start", raw: s.raw, value: s.date.description, rule: rule) }
        if let e = period.1, let rule = e.repair { repair("report.period.end", raw: e.raw, value: e.date.description, rule: rule) }
        let titleYear = reportTitle.flatMap(PageText.titleYear) ?? htmlTitle.flatMap(PageText.titleYear)
        let year = period.0?.date.year ?? titleYear
        if let py = period.0?.date.year, let ty = titleYear, py != ty {
            warn("report.year_conflict", "title says \(ty) but the statistics period starts in \(py); year taken from the period")
        }
        switch (template, year) {
        case (.t2019, let y?) where y >= 2021:
            warn("template.year_conflict", "a \(y) report on the 2019 tables (国办公开办函〔2019〕60号)")
        case (.t2021, let y?) where y < 2021:
            warn("template.year_conflict", "a \(y) report on the 2021 tables (国办公开办函〔2021〕30号)")
        case (.pre2019, let y?) where y >= 2019:
            warn("template.year_conflict", "a \(y) report without the national tables (prose layout)")
        default: break
        }

        // Signature (issued) date: the last date-only line near the end.
        var issued: ParsedDate?
        var signatureLine: Int?
        let searchFrom = max(headings.last?.segmentIndex ?? 0, segments.count - 15)
        if searchFrom < segments.count {
            for i in stride(from: segments.count - 1, through: searchFrom, by: -1) {
                guard let l = line(i) else { continue }
                let exprs = DateReader.dateExpressions(in: l)
                guard exprs.count == 1, let e = exprs.first else { continue }
                let digitsAndSeps = LabelText.matchKey(l).filter { !($0.isNumber || "年月日号".contains($0)) }
                guard digitsAndSeps.count <= 2 else { continue }
                if let p = DateReader.parse(e, role: .signature, priorYear: year.map { $0 + 1 }) {
                    if let y = year, p.date.year < y || p.date.year > y + 2 { continue }
                    issued = p
                    signatureLine = i
                    break
                }
            }
        }
        if let p = issued, let rule = p.repair { repair("report.issued", raw: p.raw, value: p.date.description, rule: rule) }

        // Agency.
        var agency = reportTitle.flatMap(PageText.titleAgency)
        if agency == nil, let b = breadcrumb {
            let skip = ["首页", "网站首页", "主页"]
            if let idx = b.firstIndex(where: { $0.contains("信息公开") || $0.contains("政务公开") }), idx > 0 {
                let candidates = b[..<idx].filter { !skip.contains($0) }
                agency = candidates.last
            }
        }
        if agency == nil, let s = signatureLine, s > 0, let l = line(s - 1), l.count <= 30, !l.contains("。") {
            agency = l
        }
        if agency == nil, let cs = metaTags["contentsource"], !cs.isEmpty { agency = cs }

        // Contact.
        // Contact: from the report itself, not from the site's footer after it.
        var reportEnd = segments.count
        if let last = headings.last {
            var i = last.segmentIndex + 1
            while i < segments.count { if let l = line(i), PageText.isFurniture(l) { reportEnd = i; break }; i += 1 }
        }
        let bodyLines = (furnitureEnd..<max(furnitureEnd, reportEnd)).compactMap { line($0) }
        let contact = PageText.contact(Array(bodyLines.prefix(80)))

        // Tables.
        func region(_ kind: SectionKind) -> ArraySlice<Segment>? {
            guard let h = headings.firstIndex(where: { $0.kind == kind }) else { return nil }
            let start = headings[h].segmentIndex + 1
            let end = h + 1 < headings.count ? headings[h + 1].segmentIndex : (signatureLine ?? segments.count)
            return start <= end ? segments[start..<end] : nil
        }
        var tables: JSONObject = [:]
        var checks: [JSONValue] = []
        if let spec = ReportTemplate.of(template) {
            let r2 = region(.proactive) ?? fallbackRegion(from: ["第二十条"], to: ["勾稽关系", "申请人情况", "本年新收"])
            tables["proactive"] = proactiveTable(spec, region: r2)
        } else {
            tables["proactive"] = .null
        }
        if template != .pre2019 {
            let spec = ReportTemplate.of(template) ?? ReportTemplate.t2021
            let r3 = region(.applications) ?? fallbackRegion(from: ["勾稽关系", "申请人情况", "本年新收"], to: ["行政复议"])
            let r4 = region(.reviewLitigation) ?? fallbackRegion(from: ["行政复议"], to: ["存在", "其他需要报告"])
            let (apps, review, ch) = applicationsAndReview(spec, template: template, appsRegion: r3, reviewRegion: r4)
            tables["applications"] = apps
            tables["review_litigation"] = review
            checks = ch
        } else {
            tables["applications"] = .null
            tables["review_litigation"] = .null
        }

        softChecks(tables, template: template, agency: agency)

        // A page cut off inside (or before) its tables: the page's last part is a table part, or comes
        // before them, and no signature follows. Cells not on the page stay missing; say which tables.
        if template != .pre2019, signatureLine == nil, let last = headings.last,
           [.overview, .proactive, .applications, .reviewLitigation].contains(last.kind) {
            let lastOrder = SectionKind.allCases.firstIndex(of: last.kind)!
            var cut: [String] = []
            for (kind, name) in [(SectionKind.proactive, "表二"), (.applications, "表三"), (.reviewLitigation, "表四")]
            where SectionKind.allCases.firstIndex(of: kind)! >= lastOrder {
                if let n = rowsNotOnPage[name], n > 0 { cut.append("\(name) (\(n) rows not on the page)") }
            }
            if !cut.isEmpty {
                warn("page.truncated", "the page ends inside its tables, before parts 五 and 六 and the signature: \(cut.joined(separator: ", ")) missing unless the identities force them")
            }
        }

        // Sections' prose.
        var sections: JSONObject = [:]
        for kind in SectionKind.allCases { sections[kind.rawValue] = .null }
        for (h, heading) in headings.enumerated() {
            let start = heading.segmentIndex + 1
            var end = h + 1 < headings.count ? headings[h + 1].segmentIndex : segments.count
            if h + 1 == headings.count, let s = signatureLine {
                end = s
                if s > start, let l = line(s - 1), l.count <= 30, !l.contains("。"), !l.contains(",") { end = s - 1 }
            }
            if h + 1 == headings.count {
                // The report ends where the page furniture starts.
                var i = start + 1
                while i < end {
                    if let l = line(i), PageText.isFurniture(l) { end = i; break }
                    i += 1
                }
            }
            guard start < end else { continue }
            let slice = segments[start..<end]
            let hasGrid = slice.contains { if case .table = $0 { return true } else { return false } }
            let tableSection = heading.kind == .proactive || heading.kind == .applications || heading.kind == .reviewLitigation
            var lines: [String] = []
            for seg in slice {
                guard case .line(let l) = seg else { continue }
                if tableSection && !hasGrid && template != .pre2019 {
                    let tableLike = l.contains("勾稽") || l.contains("|") || l.contains("¦")
                    let longWithCommas = l.unicodeScalars.count > 45 && (l.contains(",") || l.contains("，"))
                    let sentence = !tableLike && (l.contains("。") || CellStreamBuilder.isProse(l) || longWithCommas)
                    if !sentence { continue }
                }
                lines.append(l)
            }
            sections[heading.kind.rawValue] = lines.isEmpty ? .null : .string(lines.joined(separator: "\n"))
        }

        // Prose vs table (templates.md §7.9).
        if let apps = tables["applications"], let total = apps[path: "new_received.total"]?.intValue {
            let prose = [sections["applications"], sections["overview"]].compactMap { $0?.stringValue }.joined(separator: "\n")
            if let n = proseApplicationsCount(prose), n != total {
                let carried = apps[path: "brought_forward.total"]?.intValue ?? 0
                if n != total + carried {
                    warn("prose.table_mismatch", "the prose says \(n) applications were received; table 三 says \(total) new")
                }
            }
        }

        // Assemble.
        var sourceObj: JSONObject = [
            "url": .str(source.url), "retrieved_at": .str(source.retrievedAt), "content_sha256": .string(source.contentSHA256),
            "input_format": .string(format.rawValue), "charset": .string(source.charset), "charset_source": .string(source.charsetSource),
            "capture": .null, "path": .str(source.path), "file_name": .str(source.path.map { Normalizer.fileName($0) }),
        ]
        if let c = source.capture { sourceObj["capture"] = .object(["warc": .string(c.warc), "offset": .int(c.offset)]) }
        let pageTitle: String? = htmlTitle ?? headerTitle ?? reportTitle
        let otherMetadata: [(label: String, value: String)] = (metadata.objectValue?["other"]?.objectValue ?? [:]).compactMap { k, v in v.stringValue.map { (k, $0) } }
        let agencyKey = AgencyKey.derive(indexNumber: metadata.objectValue?["index_number"]?.stringValue, otherMetadata: otherMetadata,
                                         agency: agency, url: source.url)
        let report: JSONObject = [
            "title": .str(reportTitle ?? metaTags["articletitle"]),
            "year": .num(year),
            "agency": .str(agency),
            "agency_key": .str(agencyKey?.key),
            "agency_key_source": .str(agencyKey?.source.rawValue),
            "report_key": .str(AgencyKey.reportKey(agencyKey: agencyKey?.key, year: year, template: template.rawValue)),
            "template": .string(template.rawValue),
            "period": .object(["start": .str(period.0?.date.description), "end": .str(period.1?.date.description)]),
            "issued": .str(issued?.date.description),
            "contact": .object(["organization": .str(contact.org), "address": .str(contact.address), "phone": .str(contact.phone), "email": .str(contact.email)]),
            "sections": .object(sections),
        ]
        let quality: JSONObject = [
            "checks": .array(checks),
            "cells": .object(cellNotes),
            "repairs": .array(repairs),
            "warnings": .array(warnings.map { .object(["code": .string($0.0), "message": .string($0.1)]) }),
        ]
        return .object([
            "schema": .string(Normalizer.schemaID),
            "id": .string(id),
            "source": .object(sourceObj),
            "page": .object(["title": .str(pageTitle), "breadcrumb": breadcrumb.map { .array($0.map { .string($0) }) } ?? .array([]), "metadata": metadata]),
            "report": .object(report),
            "tables": .object(tables),
            "quality": .object(quality),
            "extractor": .object(["name": .string(extractor.name), "version": .string(extractor.version), "libxml2": .string(extractor.libxml2)]),
        ])
    }

    /// Soft checks (templates.md §7.8, §7.10): flagged as warnings, never corrected.
    mutating func softChecks(_ tables: JSONObject, template: TemplateKind, agency: String?) {
        let p = tables["proactive"]
        if template == .t2019 {
            for block in ["rules", "normative_documents"] {
                if let made = p?[path: "\(block).made"]?.intValue, let published = p?[path: "\(block).published"]?.intValue, published > made {
                    warn("check.soft.published_le_made", "表二 \(block): 本年新公开数量 \(published) exceeds 本年新制作数量 \(made)")
                }
                if let published = p?[path: "\(block).published"]?.intValue, let total = p?[path: "\(block).published_total"]?.intValue, total < published {
                    warn("check.soft.published_total_ge_published", "表二 \(block): 对外公开总数量 \(total) is below 本年新公开数量 \(published)")
                }
            }
        }
        if let a = agency, a.hasSuffix("乡人民政府") || a.hasSuffix("镇人民政府") || a.hasSuffix("街道办事处") || a.hasSuffix("乡") || a.hasSuffix("镇") {
            let rules = ["issued", "made", "in_force", "published_total"].compactMap { p?[path: "rules.\($0)"]?.intValue }
            if rules.contains(where: { $0 > 0 }) {
                warn("check.soft.rules_at_township", "a 乡镇/街道 (\(a)) reports 规章 counts; only governments of 设区的市 and above make 规章")
            }
        }
        func hasNegative(_ v: JSONValue?) -> Bool {
            switch v {
            case .object(let o)?: return o.values.contains { hasNegative($0) }
            case .int(let i)?: return i < 0
            default: return false
            }
        }
        func negatives(_ v: JSONValue?, _ path: String) {
            switch v {
            case .object(let o)?: for (k, x) in o.sorted(by: { $0.key < $1.key }) { negatives(x, path + "." + k) }
            case .int(let i)? where i < 0 && !path.hasSuffix("items_change"):
                warn("check.soft.negative_count", "\(path) is \(i); counts cannot be negative")
            default: break
            }
        }
        for t in ["proactive", "applications", "review_litigation"] where hasNegative(tables[t]) { negatives(tables[t], "tables." + t) }
    }

    func fallbackRegion(from: [String], to: [String]) -> ArraySlice<Segment>? {
        func contains(_ seg: Segment, _ keys: [String]) -> Bool {
            switch seg {
            case .line(let l): let k = LabelText.matchKey(l); return keys.contains { k.contains($0) }
            case .table(let g): return g.rows.contains { r in r.contains { c in let k = LabelText.matchKey(c.text); return keys.contains { k.contains($0) } } }
            }
        }
        guard let s = segments.firstIndex(where: { contains($0, from) }) else { return nil }
        var e = segments.count
        if let t = segments[(s + 1)...].firstIndex(where: { contains($0, to) && !contains($0, from) }) { e = t }
        return segments[s..<e]
    }

    func proseApplicationsCount(_ prose: String) -> Int? {
        // 申请, 件 and 收到 or 受理 are never produced by folding, so they can be looked for before it.
        guard prose.utf8Contains("申请"), prose.utf8Contains("件"), prose.utf8Contains("收到") || prose.utf8Contains("受理") else { return nil }
        let f = Array(LabelText.fold(prose).unicodeScalars)
        let apply: [Unicode.Scalar] = ["申", "请"]
        for marker in [["收", "到"], ["受", "理"]] as [[Unicode.Scalar]] {
            var i = 0
            while i + 1 < f.count {
                defer { i += 1 }
                guard f[i] == marker[0], f[i + 1] == marker[1] else { continue }
                // "申请" within the next 40 characters, then an optional 共 and the number before 件.
                var j = i + 2
                let end = min(f.count - 1, i + 42)
                while j < end, !(f[j] == apply[0] && f[j + 1] == apply[1]) { j += 1 }
                guard j < end else { continue }
                var k = j + 2
                while k < f.count, f[k] == " " || f[k] == "共" { k += 1 }
                var n = 0, digits = 0
                while k < f.count, f[k].value >= 0x30, f[k].value <= 0x39, digits < 9 { n = n * 10 + Int(f[k].value - 0x30); digits += 1; k += 1 }
                while k < f.count, f[k] == " " { k += 1 }
                if digits > 0, k < f.count, f[k] == "件" { return n }
            }
        }
        return nil
    }

    // MARK: metadata

    mutating func buildMetadata(_ pairs: [(label: String, key: String, value: String)]) -> JSONValue {
        var m: JSONObject = [:]
        for k in ["index_number", "title", "created_date", "published_date", "document_number", "publisher", "disclosure_term",
                  "disclosure_form", "disclosure_method", "disclosure_scope", "validity_period", "disclosure_procedure", "genre",
                  "validity_status", "summary"] { m[k] = .null }
        var topics: [String] = []
        var keywords: [String] = []
        var other: JSONObject = [:]
        var seenTopics = false, seenKeywords = false
        for (label, key, value) in pairs {
            switch key {
            case "topics":
                seenTopics = true
                topics += value.split(whereSeparator: { "/\\;；、,， ".contains($0) }).map { TextWhitespace.trim(String($0)) }.filter { !$0.isEmpty }
            case "keywords":
                seenKeywords = true
                keywords += value.split(whereSeparator: { ",，;；、 ".contains($0) }).map { String($0) }.filter { !$0.isEmpty }
            case "ignore":
                continue
            case "other":
                if other[label] == nil { other[label] = .str(value.isEmpty ? nil : value) }
            case "created_date", "published_date":
                if m[key] != .null { continue }
                if value.isEmpty { continue }
                if let d = DateReader.parse(value, role: .plain) {
                    m[key] = .string(d.date.description)
                    if let rule = d.repair { repair("page.metadata.\(key)", raw: d.raw, value: d.date.description, rule: rule) }
                } else {
                    warn("metadata.unparsed_date", "\(label) \(value) is not a date")
                }
            default:
                if m[key] == .null, !value.isEmpty { m[key] = .string(value) }
            }
        }
        // Fallback: the CMS <meta> tags (ArticleTitle, PubDate, ContentSource, KeyWords).
        if m["title"] == .null, let t = metaTags["articletitle"], !t.isEmpty { m["title"] = .string(t) }
        if m["published_date"] == .null, let p = metaTags["pubdate"], let d = DateReader.parse(p, role: .plain) { m["published_date"] = .string(d.date.description) }
        if m["publisher"] == .null, let p = metaTags["contentsource"], !p.isEmpty { m["publisher"] = .string(p) }
        if !seenKeywords, let k = metaTags["keywords"], !k.isEmpty {
            keywords = k.split(whereSeparator: { ",，;；、 ".contains($0) }).map(String.init)
        }
        _ = seenTopics
        m["topics"] = .array(topics.map { .string($0) })
        m["keywords"] = .array(keywords.map { .string($0) })
        m["other"] = .object(other)
        return .object(m)
    }
}

