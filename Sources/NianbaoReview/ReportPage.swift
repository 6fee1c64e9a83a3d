import Foundation
import NianbaoNormalize

/// `r/<id>.html`: one report as the template prints it, every cell with its status and why, the
/// checks in words, repairs, warnings, metadata, prose, and the original page beside it.
enum ReportPage {
    static func render(_ r: JSONValue, summary s: ReportSummary, original: OriginalPage?, across: CrossYearIndex) -> String {
        let notes = r[path: "quality"]?.objectValue?["cells"]?.objectValue ?? [:]
        let kind = TemplateKind(rawValue: s.template) ?? .unknown
        let template = ReportTemplate.of(kind)
        /// One value cell: its value, status, and (for any cell that is not plainly reported) why.
        func cell(_ path: String) -> String {
            let v = r[path: path]
            let note = notes[path]
            let status = note?.objectValue?["status"]?.stringValue ?? ((v == nil || v == .null) ? "missing" : "reported")
            let text: String
            switch v {
            case .int(let i)?: text = String(i)
            case .decimal(let d)?: text = d.description
            default: text = "—"
            }
            var why: [String] = []
            if status != "reported" { why.append(status + " · " + (statusMarks.first { $0.status == status }?.zh ?? "")) }
            if let rule = note?.objectValue?["rule"]?.stringValue { why.append("rule 规则: " + rule) }
            if let raw = note?.objectValue?["raw"]?.stringValue { why.append("raw 原文: " + raw) }
            if let c = note?.objectValue?["candidates"]?.arrayValue {
                why.append("candidates 候选: " + c.map { v -> String in
                    if case .decimal(let d) = v { return d.description }
                    return v.intValue.map(String.init) ?? "?"
                }.joined(separator: ", "))
            }
            if v == nil { why.append("not in this template's record 本模板无此项") }
            let tip = why.isEmpty ? "" : "<span class=\"tip\" role=\"tooltip\">\(why.map(esc).joined(separator: "<br>"))</span>"
            let m = mark(status)
            return "<td class=\"v st-\(status)\" data-path=\"\(esc(path))\" data-status=\"\(status)\" tabindex=\"0\"\(why.isEmpty ? "" : " title=\"\(esc(why.joined(separator: "\n")))\"")>\(esc(text))\(m.isEmpty ? "" : "<span class=\"mark\" aria-hidden=\"true\">\(esc(m))</span>")\(tip)</td>"
        }

        var body = "<header><p><a href=\"../index.html\">← all reports 全部报告</a></p>"
        body += "<h1>\(esc(s.title ?? "（无标题）"))</h1>"
        body += "<p><strong>\(esc(s.agency ?? "（未知机关 unknown agency）"))</strong> · \(s.year.map { "\($0)年" } ?? "year unknown") · template 模板 \(esc(s.template)) · record <code>\(esc(s.id))</code></p>"
        body += "<p>Checks 核对: <strong class=\"\(s.checks.fail > 0 ? "bad" : "")\">\(s.checks.fail) failing 未通过</strong>, \(s.checks.pass) passing 通过, \(s.checks.notAssessable) not assessable 无法核对</p></header>\n"
        body += "<main class=\"layout\(original == nil ? "" : " with-original")\"><div class=\"record\">\n"
        body += legend()
        if let template {
            body += proactiveTable(template, cell: cell)
            body += applicationsTable(template, cell: cell)
            body += reviewTable(cell: cell)
        } else {
            body += "<p class=\"muted\">No national tables: this report follows template \(esc(s.template)) (pre-2019 reports are prose only). 无统一统计表。</p>"
        }
        body += checksSection(r)
        body += acrossYearsSection(across.of(s.id, agencyKey: s.agencyKey), id: s.id)
        body += repairsAndWarnings(r)
        body += metadataSection(r)
        body += sectionsText(r)
        body += "</div>\n"
        if let original { body += originalPane(original, id: s.id) }
        body += "</main>\n"
        return page(title: "\(s.agency ?? "") \(s.year.map(String.init) ?? "") · nianbao review", body: body, script: script)
    }

    static func legend() -> String {
        let items = statusMarks.filter { $0.status != "placed" }.map { m in
            "<li><span class=\"swatch st-\(m.status)\">\(m.mark.isEmpty ? "12" : "12<span class=\"mark\">\(esc(m.mark))</span>")</span> \(m.en) · \(m.zh)</li>"
        }.joined()
        return "<ul class=\"legend\" aria-label=\"Cell statuses 单元格状态\">\(items)</ul><p class=\"muted\">Hover over or focus (Tab) a cell to see its rule, raw text and candidates. 悬停或用 Tab 键聚焦单元格查看规则、原文和候选值。</p>\n"
    }

    /// 表二 as printed: a 第二十条 item header over each run of rows that share the same columns.
    static func proactiveTable(_ t: ReportTemplate, cell: (String) -> String) -> String {
        var out = "<h2 id=\"t2\">二、主动公开政府信息情况</h2><div class=\"scroll\"><table class=\"t2\">"
        var lastArticle = "", lastColumns: [String] = []
        let width = (t.proactive.map(\.columns.count).max() ?? 3) + 1
        for row in t.proactive {
            if row.article != lastArticle {
                out += "<tr><th colspan=\"\(width)\" scope=\"colgroup\">\(esc(row.article))</th></tr>"
            }
            if row.article != lastArticle || row.columnLabels != lastColumns {
                out += "<tr><th scope=\"col\">信息内容</th>" + row.columnLabels.enumerated().map { k, label in
                    "<th scope=\"col\"\(k == row.columnLabels.count - 1 && row.columns.count < width - 1 ? " colspan=\"\(width - row.columns.count)\"" : "")>\(esc(label))</th>"
                }.joined() + "</tr>"
            }
            lastArticle = row.article
            lastColumns = row.columnLabels
            out += "<tr><th scope=\"row\">\(esc(row.label))</th>"
            for (k, c) in row.columns.enumerated() {
                var td = cell("tables.proactive.\(row.block).\(c)")
                if k == row.columns.count - 1 && row.columns.count < width - 1 { td = td.replacingFirst(" tabindex=", with: " colspan=\"\(width - row.columns.count)\" tabindex=") }
                out += td
            }
            out += "</tr>"
        }
        return out + "</table></div>\n"
    }

    /// 表三 as printed: the three-row header, the label column three cells wide with the outcome
    /// group and its numbered groups as row spans.
    static func applicationsTable(_ t: ReportTemplate, cell: (String) -> String) -> String {
        var out = "<h2 id=\"t3\">三、收到和处理政府信息公开申请情况</h2><div class=\"scroll\"><table class=\"t3\">"
        out += "<tr><th colspan=\"3\" rowspan=\"3\" class=\"rule\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th><th colspan=\"7\" scope=\"colgroup\">申请人情况</th></tr>"
        out += "<tr><th rowspan=\"2\" scope=\"col\">自然人</th><th colspan=\"5\" scope=\"colgroup\">法人或其他组织</th><th rowspan=\"2\" scope=\"col\">总计</th></tr><tr>"
        out += ReportTemplate.applicantColumnLabels[1...5].map { "<th scope=\"col\">\(esc($0))</th>" }.joined() + "</tr>"
        let outcomeRows = t.applications.filter { $0.path.first == "outcome" }
        var seenOutcome = false
        var seenGroups = Set<String>()
        for spec in t.applications {
            out += "<tr>"
            if spec.path.first == "outcome" {
                if !seenOutcome {
                    out += "<th rowspan=\"\(outcomeRows.count)\" scope=\"rowgroup\">三、本年度办理结果</th>"
                    seenOutcome = true
                }
                if let g = spec.group, g != "outcome", let group = ReportTemplate.groups.first(where: { $0.key == g }) {
                    if seenGroups.insert(g).inserted {
                        let n = t.applications.filter { $0.group == g }.count
                        out += "<th rowspan=\"\(n)\" scope=\"rowgroup\">\(esc(group.label))</th>"
                    }
                    out += "<th scope=\"row\">\(esc(spec.label))</th>"
                } else {
                    out += "<th colspan=\"2\" scope=\"row\">\(esc(spec.label))</th>"
                }
            } else {
                out += "<th colspan=\"3\" scope=\"row\">\(esc(spec.label))</th>"
            }
            for c in ReportTemplate.applicantColumns { out += cell("tables.applications.\(spec.dotted).\(c)") }
            out += "</tr>"
        }
        return out + "</table></div>\n"
    }

    /// 表四 as printed: 行政复议 (5) and 行政诉讼 (10: 未经复议直接起诉, 复议后起诉), one data row.
    static func reviewTable(cell: (String) -> String) -> String {
        var out = "<h2 id=\"t4\">四、政府信息公开行政复议、行政诉讼情况</h2><div class=\"scroll\"><table class=\"t4\">"
        out += "<tr><th colspan=\"5\" scope=\"colgroup\">行政复议</th><th colspan=\"10\" scope=\"colgroup\">行政诉讼</th></tr><tr>"
        out += ReportTemplate.reviewLeafLabels.map { "<th rowspan=\"2\" scope=\"col\">\(esc($0))</th>" }.joined()
        out += "<th colspan=\"5\" scope=\"colgroup\">未经复议直接起诉</th><th colspan=\"5\" scope=\"colgroup\">复议后起诉</th></tr><tr>"
        out += (ReportTemplate.reviewLeafLabels + ReportTemplate.reviewLeafLabels).map { "<th scope=\"col\">\(esc($0))</th>" }.joined() + "</tr><tr>"
        for b in ReportTemplate.reviewBlocks { for l in ReportTemplate.reviewLeaves { out += cell("tables.review_litigation.\(b).\(l)") } }
        return out + "</tr></table></div>\n"
    }

    static func checksSection(_ r: JSONValue) -> String {
        let checks = r[path: "quality"]?.objectValue?["checks"]?.arrayValue ?? []
        guard !checks.isEmpty else { return "" }
        func item(_ c: JSONValue) -> String {
            let o = c.objectValue ?? [:]
            let id = o["id"]?.stringValue ?? ""
            let status = o["status"]?.stringValue ?? ""
            let cells = o["cells"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? ""
            let zh = o["message"]?.objectValue?["zh"]?.stringValue ?? id
            let en = o["message"]?.objectValue?["en"]?.stringValue ?? ""
            return "<li class=\"check ck-\(esc(status))\" data-check=\"\(esc(id))\" data-status=\"\(esc(status))\"><button type=\"button\" data-cells=\"\(esc(cells))\" aria-pressed=\"false\">\(esc(zh))</button><div lang=\"en\">\(esc(en))</div><code>\(esc(id))</code></li>"
        }
        let failing = checks.filter { $0.objectValue?["status"]?.stringValue == "fail" }
        let others = checks.filter { $0.objectValue?["status"]?.stringValue != "fail" }
        var out = "<h2 id=\"checks\">核对 Checks</h2>"
        out += failing.isEmpty ? "<p>Every check that can be assessed passes. 可核对的均通过。</p>"
            : "<p>Failing checks: press one to highlight its cells in the tables. 未通过的核对（点击以在表中标出所涉单元格）：</p><ul class=\"checks\" id=\"failing-checks\">\(failing.map(item).joined())</ul>"
        out += "<details><summary>All \(checks.count) checks · 全部核对</summary><ul class=\"checks\">\(others.map(item).joined())</ul></details>\n"
        return out
    }

    /// The cross-year checks this report is part of: each in words, highlighting its cells in this
    /// report, with a link to the other year's report.
    static func acrossYearsSection(_ checks: [CrossYearCheck], id: String) -> String {
        var out = "<h2 id=\"across-years\">跨年度核对 Across years</h2>"
        guard !checks.isEmpty else {
            return out + "<p class=\"muted\">None: no report of the year before or after with the same agency key. 无相邻年度报告。</p>\n"
        }
        func item(_ c: CrossYearCheck) -> String {
            let other: (id: String, year: Int)? = c.reportID == id ? c.nextReportID.flatMap { n in c.nextYear.map { (n, $0) } }
                : (c.nextReportID == id ? c.reportID.map { ($0, c.year) } : nil)
            let link = other.map { " <a href=\"\(esc($0.id)).html\">\($0.year)年报告 report</a>" } ?? ""
            let cells = c.cells(of: id).joined(separator: " ")
            return "<li class=\"check ck-\(esc(c.status))\" data-check=\"\(esc(c.checkID))\" data-status=\"\(esc(c.status))\" data-years=\"\(c.year)\(c.nextYear.map { "-\($0)" } ?? "")\"><button type=\"button\" data-cells=\"\(esc(cells))\" aria-pressed=\"false\">\(esc(c.messageZh))</button><div lang=\"en\">\(esc(c.messageEn))</div><code>\(esc(c.checkID))</code> · \(CrossYearIndex.words(c.status))\(link)</li>"
        }
        let problems = CrossYearIndex.problems(checks)
        let rest = checks.filter { $0.status != "fail" && $0.status != "warn" }
        out += problems.isEmpty ? "<p>Every cross-year check that can be assessed holds. 可核对的均相符。</p>"
            : "<ul class=\"checks\" id=\"across-problems\">\(problems.map(item).joined())</ul>"
        if !rest.isEmpty { out += "<details><summary>\(rest.count) more · 其余</summary><ul class=\"checks\">\(rest.map(item).joined())</ul></details>" }
        return out + "\n"
    }

    static func repairsAndWarnings(_ r: JSONValue) -> String {
        var out = ""
        let repairs = r[path: "quality"]?.objectValue?["repairs"]?.arrayValue ?? []
        out += "<h2 id=\"repairs\">修复 Repairs</h2>"
        if repairs.isEmpty { out += "<p class=\"muted\">None. 无。</p>" } else {
            out += "<div class=\"scroll\"><table><tr><th scope=\"col\">path 字段</th><th scope=\"col\">raw 原文</th><th scope=\"col\">value 值</th><th scope=\"col\">rule 规则</th></tr>"
            for x in repairs {
                let o = x.objectValue ?? [:]
                out += "<tr><td><code>\(esc(o["path"]?.stringValue ?? ""))</code></td><td>\(esc(o["raw"]?.stringValue ?? ""))</td><td>\(esc(o["value"]?.stringValue ?? ""))</td><td><code>\(esc(o["rule"]?.stringValue ?? ""))</code></td></tr>"
            }
            out += "</table></div>"
        }
        let warnings = r[path: "quality"]?.objectValue?["warnings"]?.arrayValue ?? []
        out += "<h2 id=\"warnings\">提示 Warnings</h2>"
        if warnings.isEmpty { out += "<p class=\"muted\">None. 无。</p>" } else {
            out += "<ul id=\"warning-list\">" + warnings.map { w in
                let o = w.objectValue ?? [:]
                let code = o["code"]?.stringValue ?? ""
                let meaning = RecordDictionary.warnings.first { $0.name == code }
                return "<li data-code=\"\(esc(code))\"><code>\(esc(code))</code>\(meaning.map { " (\(esc($0.chinese)))" } ?? ""): \(esc(o["message"]?.stringValue ?? ""))</li>"
            }.joined() + "</ul>"
        }
        return out + "\n"
    }

    static func metadataSection(_ r: JSONValue) -> String {
        var rows: [(String, String)] = []
        func add(_ label: String, _ v: JSONValue?) {
            switch v {
            case .string(let s)?: rows.append((label, s))
            case .int(let i)?: rows.append((label, String(i)))
            case .array(let a)?: if !a.isEmpty { rows.append((label, a.compactMap(\.stringValue).joined(separator: "、"))) }
            default: break
            }
        }
        for f in ["report.period.start", "report.period.end", "report.issued", "report.contact.organization", "report.contact.address",
                  "report.contact.phone", "report.contact.email", "page.title", "source.url", "source.retrieved_at", "source.path",
                  "source.input_format", "source.charset", "source.content_sha256"] {
            add(RecordDictionary.field(f)?.chinese ?? f, r[path: f])
        }
        if case .object(let c)? = r[path: "source"]?.objectValue?["capture"] {
            rows.append(("WARC", "\(c["warc"]?.stringValue ?? "") @ \(c["offset"]?.intValue ?? 0)"))
        }
        for (k, v) in r[path: "page"]?.objectValue?["metadata"]?.objectValue ?? [:] {
            if k == "other", case .object(let o) = v {
                for (label, x) in o { add(label, x) }
            } else {
                add(RecordDictionary.field("page.metadata.\(k)")?.chinese ?? k, v)
            }
        }
        let items = rows.map { "<dt>\(esc($0.0))</dt><dd>\(esc($0.1))</dd>" }.joined()
        return "<h2 id=\"metadata\">信息 Metadata</h2><dl class=\"meta\">\(items)</dl>\n"
    }

    static func sectionsText(_ r: JSONValue) -> String {
        var out = "<h2 id=\"sections\">正文 Sections</h2>"
        for s in SectionKind.allCases {
            guard let text = r[path: "report"]?.objectValue?["sections"]?.objectValue?[s.rawValue]?.stringValue else { continue }
            out += "<details data-section=\"\(s.rawValue)\"><summary>\(esc(s.heading))</summary><div class=\"prose\">\(esc(text).split(separator: "\n").map { "<p>\($0)</p>" }.joined())</div></details>"
        }
        return out + "\n"
    }

    static func originalPane(_ o: OriginalPage, id: String) -> String {
        var out = "<aside class=\"original\" aria-label=\"Original page 原始页面\"><h2>原始页面 Original page</h2><p class=\"muted\">\(esc(o.origin))</p>"
        switch o.kind {
        case .html:
            out += "<iframe sandbox=\"\" src=\"\(id).source.html\" title=\"the captured page, scripts disabled 原始页面（已禁用脚本）\" referrerpolicy=\"no-referrer\"></iframe>"
        case .text:
            out += "<pre class=\"flat\" tabindex=\"0\">\(esc(o.text))</pre>"
        }
        return out + "</aside>\n"
    }

    static let script = """
    (function(){
    var buttons=document.querySelectorAll('.check button');
    function clear(){document.querySelectorAll('.hl').forEach(function(e){e.classList.remove('hl');});buttons.forEach(function(b){b.setAttribute('aria-pressed','false');});}
    function show(b){clear();b.setAttribute('aria-pressed','true');var first=null;b.dataset.cells.split(' ').forEach(function(p){if(!p)return;var c=document.querySelector('[data-path="'+p+'"]');if(c){c.classList.add('hl');if(!first)first=c;}});return first;}
    buttons.forEach(function(b){b.addEventListener('click',function(){var pressed=b.getAttribute('aria-pressed')==='true';if(pressed){clear();return;}var f=show(b);if(f&&f.scrollIntoView)f.scrollIntoView({block:'nearest'});});});
    var p=new URLSearchParams(location.search);var id=p.get('check');if(id){var li=document.querySelector('[data-check="'+CSS.escape(id)+'"] button');if(li)show(li);}
    function fits(){document.documentElement.dataset.overflow=String(document.documentElement.scrollWidth>window.innerWidth+1);}
    fits();window.addEventListener('resize',fits);
    })();
    """
}

extension String {
    /// The string with the first occurrence of `target` replaced.
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
