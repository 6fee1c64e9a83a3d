import Foundation
import NianbaoTestSupport
import Testing

/// Debian's chromium, which the test setup installs (scripts/setup.sh --with-test-tools).
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs headless Chromium on a page from disk and returns what it printed (`--dump-dom`: the DOM after
/// the page's scripts ran).
func browser(_ args: [String]) throws -> String {
    let profile = try scratchDirectory("chromium")
    defer { removeScratch(profile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromiumPath!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run", "--disable-extensions",
                   "--user-data-dir=\(profile)"] + args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// The value cells of a dumped report page: path → (status, highlighted, the tag).
func valueCells(_ dom: String) -> [String: (status: String, highlighted: Bool, tag: String)] {
    var out: [String: (String, Bool, String)] = [:]
    for m in dom.matches(of: /<td class="v ([^"]*)" data-path="([^"]+)" data-status="([a-z_]+)"[^>]*>/) {
        out[String(m.2)] = (String(m.3), m.1.split(separator: " ").contains("hl"), String(m.0))
    }
    return out
}

/// True when a PNG has more than a handful of distinct bytes in its pixel data (a blank page has two or three).
func pngIsNotBlank(_ path: String) throws -> Bool {
    let check = try runPython(["-c", """
    import sys, zlib, struct
    d = open(sys.argv[1], 'rb').read()
    assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
    i, idat = 8, b''
    while i < len(d):
        n, t = struct.unpack('>I4s', d[i:i+8]); 
        if t == b'IDAT': idat += d[i+8:i+8+n]
        i += 12 + n
    print(len(set(zlib.decompress(idat))))
    """, path])
    return (Int(check.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 16
}

@Suite(.serialized) struct ReviewTests {
    /// The golden corpus normalized, relative to the package root (so source.path finds the inputs).
    func goldenSite() throws -> (dir: String, records: [[String: Any]]) {
        let dir = try scratchDirectory("review")
        let n = try run(["normalize", "Snapshots", "--out", dir + "/records"], in: packageRoot.path)
        #expect(n.status == 1)  // the corpus's not-a-report case is refused on purpose
        let records = try FileManager.default.contentsOfDirectory(atPath: dir + "/records").map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/records/" + $0))) as! [String: Any]
        }
        let r = try run(["review", dir + "/records", "--out", dir + "/site"], in: packageRoot.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("review: \(records.count) reports (1 with failing checks), \(records.count) original pages"), "\(r.stderr)")
        return (dir, records)
    }

    @Test func theIndexListsEveryReportAndItsFiltersWorkInABrowser() throws {
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(chromiumPath != nil, "scripts/setup.sh --with-test-tools installs chromium") }
        guard chromiumPath != nil else { return }
        let (dir, records) = try goldenSite()
        defer { removeScratch(dir) }
        let index = "file://\(dir)/site/index.html"
        let dom = try browser(["--dump-dom", index])
        let rows = dom.matches(of: /<tr data-id="([0-9a-f]{20})"[^>]*>/).map { (String($0.1), $0.0.contains(" hidden")) }
        #expect(Set(rows.map(\.0)) == Set(records.map { $0["id"] as! String }))
        #expect(rows.allSatisfy { !$0.1 })
        for (id, _) in rows {
            #expect(dom.contains("<a href=\"r/\(id).html\">"), "no link to \(id)")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/site/r/\(id).html"))
        }
        #expect(dom.contains("16 of 16 shown"))
        // Failing only: the one report whose page contradicts itself.
        let failing = try browser(["--dump-dom", index + "?failing=1"])
        let shown = failing.matches(of: /<tr data-id="([0-9a-f]{20})"[^>]*>/).filter { !$0.0.contains(" hidden") }.map { String($0.1) }
        let contradictory = records.first { ($0["source"] as! [String: Any])["path"] as? String == "Snapshots/contradictory-tables/input.html" }!["id"] as! String
        #expect(shown == [contradictory])
        // By status: the reports with ambiguous cells.
        let ambiguous = Set(records.filter { (($0["quality"] as! [String: Any])["cells"] as! [String: [String: Any]]).values.contains { $0["status"] as? String == "ambiguous" } }.map { $0["id"] as! String })
        let byStatus = try browser(["--dump-dom", index + "?status=ambiguous"])
        #expect(Set(byStatus.matches(of: /<tr data-id="([0-9a-f]{20})"[^>]*>/).filter { !$0.0.contains(" hidden") }.map { String($0.1) }) == ambiguous)
        #expect(ambiguous.count >= 3)
        // Sorting by year, descending, in the browser.
        let sorted = try browser(["--dump-dom", index + "?sort=year&desc=1"])
        let years = sorted.matches(of: /<tr data-id="[0-9a-f]{20}" data-agency="[^"]*" data-year="(\d*)"/).map { Int($0.1) ?? -1 }
        #expect(years == years.sorted(by: >) && years.count == records.count)
        #expect(sorted.contains("aria-sort=\"descending\"><button type=\"button\" data-sort=\"year\""))
    }

    @Test func aReportPageShowsEveryCellWithItsStatusAndChecksHighlightTheirCells() throws {
        guard chromiumPath != nil else { return }
        let (dir, records) = try goldenSite()
        defer { removeScratch(dir) }
        for record in records {
            let id = record["id"] as! String
            let report = record["report"] as! [String: Any]
            let template = report["template"] as! String
            let quality = record["quality"] as! [String: Any]
            let notes = quality["cells"] as! [String: [String: Any]]
            let checks = quality["checks"] as! [[String: Any]]
            let failing = checks.first { $0["status"] as? String == "fail" }
            let page = "file://\(dir)/site/r/\(id).html" + (failing.map { "?check=\($0["id"] as! String)" } ?? "")
            let dom = try browser(["--dump-dom", page])
            let cells = valueCells(dom)
            guard template == "2021" || template == "2019" else {
                #expect(cells.isEmpty, "\(id): a \(template) report has no national tables")
                continue
            }
            // Every cell of the template's three tables is on the page (2021: 10 + 25×7 + 15; 2019: 22 + 23×7 + 15).
            #expect(cells.count == (template == "2021" ? 200 : 198), "\(id): \(cells.count) cells")
            for (path, c) in cells {
                var v: Any? = record
                for part in path.split(separator: ".") { v = (v as? [String: Any])?[String(part)] }
                let want = notes[path]?["status"] as? String ?? ((v == nil || v is NSNull) ? "missing" : "reported")
                #expect(c.status == want, "\(id) \(path): \(c.status) vs \(want)")
                #expect(c.tag.contains("tabindex=\"0\""), "\(path) is not keyboard-reachable")
                if let rule = notes[path]?["rule"] as? String { #expect(c.tag.contains(rule), "\(path): the rule is not on hover") }
            }
            // Every note of the record's tables is a cell on the page (subtotals are derived and not printed).
            #expect(Set(notes.keys).subtracting(cells.keys).isEmpty, "\(id): \(Set(notes.keys).subtracting(cells.keys))")
            if let failing {
                let involved = Set(failing["cells"] as! [String])
                #expect(Set(cells.filter(\.value.highlighted).keys) == involved, "\(id): highlighted cells")
                let zh = (failing["message"] as! [String: String])["zh"]!
                #expect(dom.contains(zh.replacingOccurrences(of: "&", with: "&amp;")), "the failing check's message is on the page")
                #expect(dom.contains("aria-pressed=\"true\""))
            }
            // The original page beside it: captured HTML in a sandboxed frame, text copies as text.
            if (record["source"] as! [String: Any])["input_format"] as? String == "html" {
                #expect(dom.contains("<iframe sandbox=\"\" src=\"\(id).source.html\""), "\(id)")
                let copy = try String(contentsOfFile: "\(dir)/site/r/\(id).source.html", encoding: .utf8)
                #expect(copy.hasPrefix("<meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"))
            } else {
                #expect(dom.contains("<pre class=\"flat\" tabindex=\"0\">"), "\(id)")
            }
        }
    }

    @Test func pageTextIsEscapedNeverRun() throws {
        guard chromiumPath != nil else { return }
        let dir = try scratchDirectory("hostile")
        defer { removeScratch(dir) }
        // A real record with hostile strings where a page supplies them.
        var record = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/contradictory-tables/expected.json"))) as! [String: Any]
        let attack = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">\"'&"
        var report = record["report"] as! [String: Any]
        report["agency"] = attack
        report["title"] = attack
        record["report"] = report
        var source = record["source"] as! [String: Any]
        source["url"] = "javascript:document.title='pwned'"
        source["path"] = nil
        record["source"] = source
        var quality = record["quality"] as! [String: Any]
        quality["warnings"] = [["code": "prose.table_mismatch", "message": attack]]
        record["quality"] = quality
        try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: dir + "/hostile.json"))
        let r = try run(["review", dir + "/hostile.json", "--out", dir + "/site"])
        #expect(r.status == 0, "\(r.stderr)")
        for page in ["index.html", "r/\(record["id"] as! String).html"] {
            let dom = try browser(["--dump-dom", "file://\(dir)/site/\(page)"])
            #expect(!dom.contains("pwned</title>"), "\(page): a script ran")
            #expect(!dom.contains("<img src=\"x\""), "\(page): markup from the page got in")
            #expect(!dom.contains("href=\"javascript:"), "\(page): a javascript: link")
            #expect(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "\(page): the text is shown as text")
        }
    }

    @Test func anAgencyWithSeveralYearsGetsAChart() throws {
        let dir = try scratchDirectory("chart")
        defer { removeScratch(dir) }
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/expected.json"))) as! [String: Any]
        var lines: [Data] = []
        for (i, (year, received)) in [(2023, 120), (2024, 131), (2025, 154)].enumerated() {
            var r = base
            r["id"] = String(repeating: "a", count: 19) + String(i)
            var report = r["report"] as! [String: Any]
            report["year"] = year
            r["report"] = report
            var tables = r["tables"] as! [String: Any]
            var apps = tables["applications"] as! [String: Any]
            var row = apps["new_received"] as! [String: Any]
            row["total"] = received
            apps["new_received"] = row
            tables["applications"] = apps
            r["tables"] = tables
            lines.append(try JSONSerialization.data(withJSONObject: r) + Data([0x0A]))
        }
        try lines.reduce(Data(), +).write(to: URL(fileURLWithPath: dir + "/years.ndjson"))
        let r = try run(["review", dir + "/years.ndjson", "--out", dir + "/site"])
        #expect(r.status == 0, "\(r.stderr)")
        let index = try String(contentsOfFile: dir + "/site/index.html", encoding: .utf8)
        let figure = try #require(index.range(of: "<figure class=\"chart\" data-agency=\"平潭综合实验区\">").map { String(index[$0.lowerBound...].prefix { $0 != "\n" }) })
        for (i, year) in [2023, 2024, 2025].enumerated() { #expect(figure.contains("<a href=\"r/\(String(repeating: "a", count: 19))\(i).html\">\(year)</a>")) }
        for v in [120, 131, 154] { #expect(figure.contains("<title>本年新收 new: \(v)</title>"), "\(v)") }
        #expect(figure.components(separatedBy: "<polyline").count - 1 == 5)  // new, granted, denied, review, litigation
    }

    @Test func crossYearChecksAreSummarisedOnTheIndexAndListedOnTheReportsTheyInvolve() throws {
        let dir = try scratchDirectory("across")
        defer { removeScratch(dir) }
        // One agency, 2023–2025: 2023→2024 continuous; 2025's 上年结转 total says 7 where 2024 carried 6 forward.
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/expected.json"))) as! [String: Any]
        let carried = ((base["tables"] as! [String: Any])["applications"] as! [String: Any])["carried_forward"] as! [String: Int]
        #expect(carried["total"] == 6)
        var lines: [Data] = []
        let ids = (0..<3).map { String(repeating: "b", count: 19) + String($0) }
        for (i, year) in [2023, 2024, 2025].enumerated() {
            var r = base
            r["id"] = ids[i]
            var report = r["report"] as! [String: Any]
            report["year"] = year
            report["report_key"] = "\(report["agency_key"]!)|\(year)|2021"
            r["report"] = report
            var tables = r["tables"] as! [String: Any]
            var apps = tables["applications"] as! [String: Any]
            var brought = carried
            if year == 2025 { brought["total"] = 7 }
            apps["brought_forward"] = brought
            tables["applications"] = apps
            // 现行有效 follows 制发 − 废止 (58 − 45 a year), so the soft stock check holds too.
            var proactive = tables["proactive"] as! [String: Any]
            var normative = proactive["normative_documents"] as! [String: Int]
            #expect(normative["issued"] == 58 && normative["repealed"] == 45)
            normative["in_force"] = 546 + 13 * i
            proactive["normative_documents"] = normative
            tables["proactive"] = proactive
            r["tables"] = tables
            lines.append(try JSONSerialization.data(withJSONObject: r) + Data([0x0A]))
        }
        try lines.reduce(Data(), +).write(to: URL(fileURLWithPath: dir + "/years.ndjson"))
        // From the record files (computed) and from a database (as its load left them): the same checks.
        #expect(try run(["export", dir + "/years.ndjson", "--to", "sqlite:\(dir)/years.sqlite"]).status == 0)
        for (input, site) in [(dir + "/years.ndjson", dir + "/from-files"), ("sqlite:\(dir)/years.sqlite", dir + "/from-db")] {
            let r = try run(["review", input, "--out", site])
            #expect(r.status == 0, "\(r.stderr)")
            let index = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
            let section = try #require(index.range(of: "<section id=\"across-years\">").map { String(index[$0.lowerBound...]) }?.components(separatedBy: "</section>").first)
            #expect(section.contains("<span data-status=\"fail\">1 fail"), "\(input): \(section.prefix(600))")
            let rows = section.matches(of: /<tr data-check="([^"]+)" data-status="([a-z_]+)"/).map { (String($0.1), String($0.2)) }
            #expect(rows.filter { $0.1 == "fail" }.map(\.0) == ["carry_over.total"], "\(input): \(rows)")
            #expect(section.contains("<a href=\"r/\(ids[1]).html\">2024</a>→<a href=\"r/\(ids[2]).html\">2025</a>"))
            #expect(section.contains("6 ≠ 7"), "the message gives both values")
            // The index row of each report counts the cross-year checks it fails.
            for (i, want) in [0, 1, 1].enumerated() {
                let row = try #require(index.range(of: "<tr data-id=\"\(ids[i])\"").map { String(index[$0.lowerBound...].prefix { $0 != "\n" }) })
                #expect(row.contains("data-col=\"across\">\(want)</td>"), "\(input) \(ids[i]): \(row)")
            }
            // Each report's page lists the checks it is part of, with the cell it involves and a link to the other year.
            for (i, path, other) in [(1, "tables.applications.carried_forward.total", 2), (2, "tables.applications.brought_forward.total", 1)] {
                let page = try String(contentsOfFile: "\(site)/r/\(ids[i]).html", encoding: .utf8)
                let list = try #require(page.range(of: "<ul class=\"checks\" id=\"across-problems\">").map { String(page[$0.lowerBound...].prefix { $0 != "\n" }) })
                #expect(list.contains("data-check=\"carry_over.total\" data-status=\"fail\" data-years=\"2024-2025\"><button type=\"button\" data-cells=\"\(path)\""), "\(list.prefix(400))")
                #expect(list.contains("<a href=\"\(ids[other]).html\">"))
            }
            let first = try String(contentsOfFile: "\(site)/r/\(ids[0]).html", encoding: .utf8)
            #expect(first.contains("<h2 id=\"across-years\">") && !first.contains("id=\"across-problems\""), "2023→2024 holds")
        }
        // In a browser, ?check= highlights the cross-year check's cell.
        guard chromiumPath != nil else { return }
        let dom = try browser(["--dump-dom", "file://\(dir)/from-files/r/\(ids[2]).html?check=carry_over.total"])
        let cells = valueCells(dom)
        #expect(cells["tables.applications.brought_forward.total"]?.highlighted == true)
        #expect(cells.filter(\.value.highlighted).count == 1)
    }

    @Test func pagesAreReadableAt1280And390PixelsAndScreenshotsAreNotBlank() throws {
        guard chromiumPath != nil else { return }
        let (dir, records) = try goldenSite()
        defer { removeScratch(dir) }
        let id = records.first { ($0["source"] as! [String: Any])["path"] as? String == "Snapshots/pingtan-2025-html/input.html" }!["id"] as! String
        for (width, height) in [(1280, 1600), (390, 900)] {
            for page in ["index.html", "r/\(id).html"] {
                let url = "file://\(dir)/site/\(page)"
                // No horizontal scrolling of the page itself (wide tables scroll in their own box).
                let dom = try browser(["--window-size=\(width),\(height)", "--dump-dom", url])
                if page.hasPrefix("r/") { #expect(dom.contains("data-overflow=\"false\""), "\(page) overflows at \(width) px") }
                let shot = "\(dir)/\(width)-\(page.replacingOccurrences(of: "/", with: "_")).png"
                _ = try browser(["--window-size=\(width),\(height)", "--screenshot=\(shot)", url])
                #expect(try pngIsNotBlank(shot), "\(shot) is blank")
            }
        }
    }
}
