import NianbaoNormalize

/// `index.html`: one row per report, sortable and filterable, and a chart per agency with several years.
enum IndexPage {
    static let filterStatuses = ["inferred", "blank_as_zero", "placed", "segmented", "ambiguous", "missing", "converted"]

    static func render(_ reports: [ReportSummary], across: CrossYearIndex) -> String {
        let failing = reports.filter { $0.checks.fail > 0 }.count
        var rows = ""
        for r in reports.sorted(by: { ($0.agency ?? "", $0.year ?? 0, $0.id) < ($1.agency ?? "", $1.year ?? 0, $1.id) }) {
            let statuses = filterStatuses.filter { (r.statusCounts[$0] ?? 0) > 0 }.joined(separator: " ")
            let source: String
            if let u = safeURL(r.url) { source = "<a href=\"\(esc(u))\" rel=\"noreferrer noopener\">\(esc(u))</a>" } else if let u = r.url { source = esc(u) } else if let p = r.path { source = "<span class=\"muted\">\(esc(p))</span>" } else { source = "" }
            let counts = filterStatuses.map { "<td class=\"n\" data-col=\"\($0)\">\(r.statusCounts[$0] ?? 0)</td>" }.joined()
            let acrossProblems = CrossYearIndex.problems(across.byReport[r.id] ?? []).count
            rows += """
            <tr data-id="\(r.id)" data-agency="\(esc(r.agency ?? ""))" data-year="\(r.year.map(String.init) ?? "")" data-failing="\(r.checks.fail)" data-statuses="\(statuses)">\
            <td data-col="agency"><a href="r/\(r.id).html">\(esc(r.agency ?? "（未知机关 unknown）"))</a></td>\
            <td class="n" data-col="year">\(r.year.map(String.init) ?? "")</td><td data-col="template">\(esc(r.template))</td>\
            <td class="n \(r.checks.fail > 0 ? "bad" : "")" data-col="failing">\(r.checks.fail)</td><td class="n" data-col="pass">\(r.checks.pass)</td>\
            <td class="n \(acrossProblems > 0 ? "bad" : "")" data-col="across">\(acrossProblems)</td>\
            \(counts)<td class="n" data-col="warnings">\(r.warnings)</td><td class="src" data-col="source">\(source)</td></tr>

            """
        }
        let statusOptions = filterStatuses.map { s in "<option value=\"\(s)\">\(s) · \(statusMarks.first { $0.status == s }?.zh ?? "")</option>" }.joined()
        let body = """
        <header>
        <h1>nianbao review · 年报审阅</h1>
        <p>\(reports.count) reports · 份报告; \(failing) with failing checks · 有未通过的核对. Open a report to see every cell, why it has its value, and the checks in words.</p>
        </header>
        <main>
        <section aria-label="Filters 筛选" class="filters">
        <label>Agency or year 机关或年度 <input id="q" type="search" autocomplete="off"></label>
        <label><input id="failing" type="checkbox"> failing checks only 仅未通过</label>
        <label>cells with status 含状态 <select id="status"><option value="">any 任意</option>\(statusOptions)</select></label>
        <output id="shown" aria-live="polite"></output>
        </section>
        <div class="scroll">
        <table id="reports">
        <caption class="muted">Click a column heading to sort 点击表头排序</caption>
        <thead><tr>
        \(header("agency", "Agency 机关")) \(header("year", "Year 年度")) \(header("template", "Template 模板"))
        \(header("failing", "Failing 未通过")) \(header("pass", "Passing 通过")) \(header("across", "Across years 跨年不符"))
        \(filterStatuses.map { s in header(s, s.replacingUnderscores + " " + (statusMarks.first { $0.status == s }?.zh ?? "")) }.joined(separator: " "))
        \(header("warnings", "Warnings 提示")) <th scope="col">Source 来源</th>
        </tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        </div>
        \(acrossYears(reports, across))
        \(charts(reports))
        </main>
        <footer class="muted"><p>Made by nianbao from \(reports.count) records. Field meanings: docs/record.md in the nianbao repository (或 <code>nianbao dictionary</code>).</p></footer>
        """
        return page(title: "nianbao review — \(reports.count) reports", body: body, script: script)
    }

    static func header(_ key: String, _ label: String) -> String {
        "<th scope=\"col\" aria-sort=\"none\"><button type=\"button\" data-sort=\"\(key)\">\(esc(label))</button></th>"
    }

    /// The most checks listed on the index (all of them: `nianbao check-years`).
    static let acrossYearsListed = 1000

    /// The cross-year checks: counts by status, and every one that does not hold, with links to both years.
    static func acrossYears(_ reports: [ReportSummary], _ across: CrossYearIndex) -> String {
        var out = "<section id=\"across-years\"><h2>Across years · 跨年度核对</h2>\n"
        guard !across.all.isEmpty else {
            return out + "<p class=\"muted\">No cross-year checks: no agency key has a report year here. 无跨年度核对。</p></section>\n"
        }
        let byID = Dictionary(reports.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var nameOfKey: [String: String] = [:]
        for r in reports { if let k = r.agencyKey, let a = r.agency, nameOfKey[k] == nil { nameOfKey[k] = a } }
        var counts: [String: Int] = [:]
        for c in across.all { counts[c.status, default: 0] += 1 }
        let agencies = Set(across.all.map(\.agencyKey)).count
        let tally = ["fail", "warn", "pass", "not_assessable"].map { "<span data-status=\"\($0)\">\(counts[$0] ?? 0) \(CrossYearIndex.words($0))</span>" }.joined(separator: " · ")
        out += "<p id=\"across-tally\">\(across.all.count) checks of \(agencies) \(agencies == 1 ? "agency" : "agencies") 个机关: \(tally). Carry-over (上年结转 = 上年的结转下年度继续办理) must hold; stock, template and missing years are soft.</p>\n"
        let problems = CrossYearIndex.problems(across.all)
        guard !problems.isEmpty else { return out + "<p>Every cross-year check that can be assessed holds. 可核对的均相符。</p></section>\n" }
        if problems.count > acrossYearsListed {
            out += "<p class=\"muted\">The first \(acrossYearsListed) of \(problems.count) are listed; <code>nianbao check-years --problems-only</code> prints them all.</p>"
        }
        out += "<div class=\"scroll\"><table id=\"across\"><thead><tr><th scope=\"col\">Agency 机关</th><th scope=\"col\">Years 年度</th><th scope=\"col\">Status 结果</th><th scope=\"col\">Check 核对</th></tr></thead><tbody>\n"
        for c in problems.prefix(acrossYearsListed) {
            let agency = [c.reportID, c.nextReportID].compactMap { $0.flatMap { byID[$0]?.agency } }.first ?? nameOfKey[c.agencyKey] ?? c.agencyKey
            func link(_ id: String?, _ year: Int?) -> String {
                guard let year else { return "" }
                guard let id, byID[id] != nil else { return String(year) }
                return "<a href=\"r/\(esc(id)).html\">\(year)</a>"
            }
            let years = c.nextYear == nil ? link(c.reportID, c.year) : link(c.reportID, c.year) + "→" + link(c.nextReportID, c.nextYear)
            out += "<tr data-check=\"\(esc(c.checkID))\" data-status=\"\(esc(c.status))\" data-agency-key=\"\(esc(c.agencyKey))\"><td>\(esc(agency))</td><td class=\"n\">\(years)</td>"
            out += "<td class=\"\(c.status == "fail" ? "bad" : "")\">\(CrossYearIndex.words(c.status))</td><td>\(esc(c.messageZh))<div lang=\"en\" class=\"muted\">\(esc(c.messageEn))</div><code>\(esc(c.checkID))</code></td></tr>\n"
        }
        return out + "</tbody></table></div></section>\n"
    }

    /// A line chart per agency with more than one year.
    static func charts(_ reports: [ReportSummary]) -> String {
        var byAgency: [String: [ReportSummary]] = [:]
        for r in reports { if let a = r.agency, r.year != nil { byAgency[a, default: []].append(r) } }
        let agencies = byAgency.filter { Set($0.value.compactMap(\.year)).count > 1 }.keys.sorted()
        guard !agencies.isEmpty else { return "" }
        var out = "<section id=\"charts\"><h2>Agencies with several years · 多年度机关</h2>\n"
        for agency in agencies {
            // One report per year (the first by id when a year has several).
            var perYear: [Int: ReportSummary] = [:]
            for r in byAgency[agency]!.sorted(by: { $0.id < $1.id }) where perYear[r.year!] == nil { perYear[r.year!] = r }
            out += chart(agency: agency, years: perYear.keys.sorted().map { ($0, perYear[$0]!) })
        }
        return out + "</section>\n"
    }

    static let colours = ["#0b57d0", "#1e8e3e", "#c5221f", "#9334e6", "#e37400"]

    static func chart(agency: String, years: [(Int, ReportSummary)]) -> String {
        let w = 360.0, h = 180.0, left = 40.0, right = 10.0, top = 10.0, bottom = 28.0
        let maxValue = max(1, years.flatMap { $0.1.figures.compactMap { $0 } }.max() ?? 1)
        let span = Double(max(1, years.count - 1))
        func x(_ i: Int) -> Double { left + (w - left - right) * Double(i) / span }
        func y(_ v: Int) -> Double { top + (h - top - bottom) * (1 - Double(v) / Double(maxValue)) }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"100%\" style=\"max-width:\(Int(w))px\" role=\"img\" aria-label=\"\(esc(agency)): \(years.map { String($0.0) }.joined(separator: ", "))\">"
        svg += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - right)\" y2=\"\(h - bottom)\" stroke=\"#888\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#888\"/>"
        svg += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\" font-size=\"10\">\(maxValue)</text><text x=\"\(left - 4)\" y=\"\(h - bottom)\" text-anchor=\"end\" font-size=\"10\">0</text>"
        for (i, (year, _)) in years.enumerated() {
            svg += "<text x=\"\(x(i))\" y=\"\(h - 10)\" text-anchor=\"middle\" font-size=\"10\">\(year)</text>"
        }
        for (s, series) in ReportSummary.chartSeries.enumerated() {
            let points = years.enumerated().compactMap { i, item in item.1.figures[s].map { (x(i), y($0), $0) } }
            guard !points.isEmpty else { continue }
            svg += "<polyline fill=\"none\" stroke=\"\(colours[s])\" stroke-width=\"2\" points=\"\(points.map { "\($0.0),\($0.1)" }.joined(separator: " "))\"><title>\(esc(series.0))</title></polyline>"
            for p in points { svg += "<circle cx=\"\(p.0)\" cy=\"\(p.1)\" r=\"3\" fill=\"\(colours[s])\"><title>\(esc(series.0)): \(p.2)</title></circle>" }
        }
        svg += "</svg>"
        let legend = ReportSummary.chartSeries.enumerated().map { "<li><span style=\"color:\(colours[$0.offset])\">■</span> \(esc($0.element.0))</li>" }.joined()
        let links = years.map { "<a href=\"r/\($0.1.id).html\">\($0.0)</a>" }.joined(separator: " · ")
        return "<figure class=\"chart\" data-agency=\"\(esc(agency))\"><figcaption><strong>\(esc(agency))</strong> · \(links)</figcaption>\(svg)<ul class=\"legend\">\(legend)</ul></figure>\n"
    }

    static let script = """
    (function(){
    var tbody=document.querySelector('#reports tbody');var rows=Array.prototype.slice.call(tbody.rows);
    var q=document.getElementById('q'),failing=document.getElementById('failing'),status=document.getElementById('status'),shown=document.getElementById('shown');
    function apply(){var text=q.value.trim().toLowerCase(),n=0;rows.forEach(function(r){
    var ok=(!text||(r.dataset.agency+' '+r.dataset.year).toLowerCase().indexOf(text)>=0)&&(!failing.checked||r.dataset.failing!=='0')&&(!status.value||(' '+r.dataset.statuses+' ').indexOf(' '+status.value+' ')>=0);
    r.hidden=!ok;if(ok)n++;});shown.value=n+' of '+rows.length+' shown · 显示 '+n+' / '+rows.length;}
    function cellValue(r,key){var c=r.querySelector('[data-col="'+key+'"]');var t=c?c.textContent.trim():'';return c&&c.classList.contains('n')?(t===''?-1:Number(t)):t;}
    function sortBy(key,desc){rows.sort(function(a,b){var x=cellValue(a,key),y=cellValue(b,key);var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),'zh');return desc?-c:c;});
    rows.forEach(function(r){tbody.appendChild(r);});document.querySelectorAll('#reports th').forEach(function(th){var b=th.querySelector('button');th.setAttribute('aria-sort',b&&b.dataset.sort===key?(desc?'descending':'ascending'):'none');});}
    document.querySelectorAll('#reports th button').forEach(function(b){b.addEventListener('click',function(){var th=b.parentNode;sortBy(b.dataset.sort,th.getAttribute('aria-sort')==='ascending');});});
    [q,failing,status].forEach(function(e){e.addEventListener('input',apply);e.addEventListener('change',apply);});
    var p=new URLSearchParams(location.search);if(p.get('q'))q.value=p.get('q');if(p.get('failing')==='1')failing.checked=true;if(p.get('status'))status.value=p.get('status');
    if(p.get('sort'))sortBy(p.get('sort'),p.get('desc')==='1');apply();
    })();
    """
}

extension String {
    var replacingUnderscores: String { split(separator: "_").joined(separator: " ") }
}
