import Foundation
import NianbaoTestSupport
import Testing

/// Outputs other tools read: a page on stdin, sinks named by their extension, the long CSV, the
/// README's DuckDB and pandas recipes, and the progress line that only a terminal gets.
@Suite struct OutputsCLITests {
    @Test func aPageOnStdinGivesTheRecordOfItsFile() throws {
        let file = packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/input.html").path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let fromStdin = try run(["normalize", "-", "--url", "https://example.gov.cn/a.html"], stdin: bytes)
        let fromFile = try run(["normalize", file, "--url", "https://example.gov.cn/a.html"])
        #expect(fromStdin.status == 0 && fromFile.status == 0, "\(fromStdin.stderr)")
        var a = try JSONSerialization.jsonObject(with: fromStdin.stdout) as! [String: Any]
        var b = try JSONSerialization.jsonObject(with: fromFile.stdout) as! [String: Any]
        var sa = a["source"] as! [String: Any], sb = b["source"] as! [String: Any]
        #expect(sa["path"] is NSNull && sa["file_name"] is NSNull, "stdin has no path")
        #expect(sb["file_name"] as? String == "input.html")
        for k in ["path", "file_name"] { sa[k] = nil; sb[k] = nil }
        a["source"] = sa
        b["source"] = sb
        #expect(NSDictionary(dictionary: a).isEqual(to: b), "the same page gives the same record from stdin and from its file")
        // Not a report on stdin: one line naming stdin, exit 1.
        let junk = try run(["normalize", "-"], stdin: Data("<html><body>hello</body></html>".utf8))
        #expect(junk.status == 1 && junk.stderr.contains("nianbao: error: stdin: not a report page"), "\(junk.stderr)")
        // - twice is bad usage.
        #expect(try run(["normalize", "-", "-"], stdin: bytes).status == 64)
    }

    @Test func sinksTakeTheirKindFromTheFileExtension() throws {
        let dir = try scratchDirectory("ext")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let r = try run(["normalize", snapshots, "--sink", "out.sqlite", "--sink", "out.ndjson", "--sink", "out.csv", "--sink", "cells.long.csv"], in: dir)
        #expect(r.status == 1, "\(r.stderr)")  // the corpus's not-a-report page
        for line in ["sqlite:out.sqlite: 16 new", "ndjson:out.ndjson: 16 records", "csv:out.csv: 16 rows", "csv-long:cells.long.csv: "] {
            #expect(r.stderr.contains(line), "\(line) in \(r.stderr)")
        }
        #expect(try String(contentsOfFile: dir + "/out.ndjson", encoding: .utf8).split(separator: "\n").count == 16)
        let sqlite = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.sqlite"))
        #expect(sqlite.starts(with: Data("SQLite format 3".utf8)))
        // An unknown scheme, and a file whose kind cannot be told, are refused before anything runs.
        for bad in ["foo:bar", "records.parquet"] {
            let e = try run(["export", dir + "/out.ndjson", "--to", bad])
            #expect(e.status == 64 && e.stderr.contains(bad), "\(bad): \(e.stderr)")
        }
    }

    @Test func theLongCSVHasOneRowPerCellAndAgreesWithTheWideCSVAndTheRecords() throws {
        let dir = try scratchDirectory("long")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        _ = try run(["normalize", snapshots, "--sink", "ndjson:\(dir)/records.ndjson", "--sink", "csv:\(dir)/wide.csv", "--sink", "csv-long:\(dir)/cells.long.csv"])
        // Checked by pandas against the records (every leaf of tables, its value, status, raw and rule
        // from quality.cells) and against the wide CSV (the same value in the same cell).
        let check = try runPython(["-c", """
        import json, sys, pandas as pd
        d = sys.argv[1]
        cells = pd.read_csv(d + "/cells.long.csv", encoding="utf-8-sig", dtype={"report_id": str, "raw": str, "rule": str}, keep_default_na=False)
        assert list(cells.columns) == ["report_id", "agency_key", "year", "template", "path", "row_label", "column_label", "value", "status", "raw", "rule", "candidates"], list(cells.columns)
        records = [json.loads(l) for l in open(d + "/records.ndjson", encoding="utf-8")]
        def leaves(v, path):
            if isinstance(v, dict):
                for k, x in v.items(): yield from leaves(x, path + "." + k)
            else:
                yield path, v
        n = 0
        for r in records:
            mine = cells[cells.report_id == r["id"]]
            # A table the template does not have is null: no cells.
            want = {p: v for p, v in leaves(r["tables"], "tables") if p.count(".") > 1} if r["tables"] else {}
            got = dict(zip(mine.path, mine.value))
            assert set(got) == set(want), (r["id"], set(got) ^ set(want))
            for p, v in want.items():
                g = got[p]
                assert (g == "" and v is None) or (g != "" and float(g) == float(v)), (r["id"], p, g, v)
                row = mine[mine.path == p].iloc[0]
                note = r["quality"]["cells"].get(p)
                if note:
                    assert row.status == note["status"] and row.raw == (note.get("raw") or "") and row.rule == (note.get("rule") or ""), (p, row.to_dict(), note)
                if r["report"]["template"] in ("2019", "2021"):
                    assert row.row_label and row.column_label, (p, "no labels")
                n += 1
        wide = pd.read_csv(d + "/wide.csv", encoding="utf-8-sig", dtype={"report_id": str})
        for _, w in wide.iterrows():
            mine = cells[cells.report_id == w.report_id]
            for p, v in zip(mine.path, mine.value):
                col = p.split(".", 2)[2]
                wv = w[col]
                assert (v == "" and pd.isna(wv)) or float(v) == float(wv), (w.report_id, p, v, wv)
        print(n)
        """, dir])
        #expect(check.status == 0, "\(check.output)")
        #expect((Int(check.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 3000, "\(check.output)")
        // Labels as each template prints them.
        let text = try String(contentsOfFile: dir + "/cells.long.csv", encoding: .utf8)
        #expect(text.contains(",2021,tables.applications.new_received.total,一、本年新收政府信息公开申请数量,总计,"))
        #expect(text.contains(",2021,tables.review_litigation.review.upheld,行政复议,结果维持,"))
    }

    @Test func csvSinksStreamAndTheLastRecordOfAnIdWins() throws {
        let dir = try scratchDirectory("csv-wins")
        defer { removeScratch(dir) }
        // Three golden records, then the first again with another 本年新收 total, then the first record of another id.
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let all = try run(["export", snapshots, "--to", "ndjson:-"])
        let lines = all.stdout.split(separator: 0x0A).map { Data($0) }
        var edited = try JSONSerialization.jsonObject(with: lines[0]) as! [String: Any]
        var tables = edited["tables"] as! [String: Any]
        var apps = tables["applications"] as! [String: Any]
        var row = apps["new_received"] as! [String: Any]
        row["total"] = 98765
        apps["new_received"] = row
        tables["applications"] = apps
        edited["tables"] = tables
        let id = edited["id"] as! String
        let input = [lines[0], lines[1], lines[2], try JSONSerialization.data(withJSONObject: edited), lines[3]].map { $0 + Data([0x0A]) }.reduce(Data(), +)
        try input.write(to: URL(fileURLWithPath: dir + "/in.ndjson"))
        let r = try run(["export", dir + "/in.ndjson", "--to", dir + "/w.csv", "--to", dir + "/c.long.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("csv:\(dir)/w.csv: 4 rows"), "\(r.stderr)")
        let check = try runPython(["-c", """
        import sys, pandas as pd
        d, rid = sys.argv[1], sys.argv[2]
        w = pd.read_csv(d + "/w.csv", encoding="utf-8-sig", dtype={"report_id": str})
        assert len(w) == 4 and w.report_id.is_unique, len(w)
        assert w.loc[w.report_id == rid, "new_received.total"].tolist() == [98765]
        c = pd.read_csv(d + "/c.long.csv", encoding="utf-8-sig", dtype={"report_id": str})
        mine = c[c.report_id == rid]
        assert mine.path.is_unique, "the superseded record's rows are gone"
        assert mine.loc[mine.path == "tables.applications.new_received.total", "value"].tolist() == [98765]
        assert c.report_id.nunique() == 4
        print("ok")
        """, dir, id])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func theREADMERecipesForDuckDBAndPandasRun() throws {
        let dir = try scratchDirectory("recipes")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        _ = try run(["normalize", snapshots, "--sink", "records.ndjson", "--sink", "cells.long.csv"], in: dir)
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        var recipes: [String: String] = [:]
        for block in readme.components(separatedBy: "```python\n").dropFirst() {
            let code = block.components(separatedBy: "```").first!
            if let m = code.firstMatch(of: /^# recipe: ([a-z-]+)/) { recipes[String(m.1)] = code }
        }
        // What each recipe must give, checked after it ran as written.
        let checks = [
            "duckdb-ndjson": "",
            "duckdb-long": "",
            "pandas-ndjson": "assert len(reports) == 16 and reports['tables.applications.new_received.total'].max() == 154, reports.shape",
            "pandas-long": "assert wide.shape[0] == 15 and wide['tables.applications.new_received.total'].max() == 154, wide.shape",
        ]
        #expect(Set(recipes.keys) == Set(checks.keys), "\(recipes.keys.sorted())")
        for (name, code) in recipes.sorted(by: { $0.key < $1.key }) {
            let script = dir + "/\(name).py"
            try (code + "\n" + (checks[name] ?? "") + "\n").write(toFile: script, atomically: true, encoding: .utf8)
            let p = try runPython([script], in: dir)
            #expect(p.status == 0, "\(name): \(p.output)")
            if name == "duckdb-ndjson" { #expect(p.output.contains("平潭综合实验区") && p.output.contains("154"), "\(p.output)") }
            if name == "duckdb-long" { #expect(p.output.contains("ambiguous") && p.output.contains("segmented"), "\(p.output)") }
        }
    }

    @Test func progressIsShownOnATerminalAndNeverInALog() throws {
        let dir = try scratchDirectory("progress")
        defer { removeScratch(dir) }
        // Enough pages for the line to be drawn (it is redrawn at most five times a second).
        let page = try Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/input.html"))
        try FileManager.default.createDirectory(atPath: dir + "/pages", withIntermediateDirectories: true)
        for i in 0..<120 { try page.write(to: URL(fileURLWithPath: dir + "/pages/p\(i).html")) }
        let logged = try run(["normalize", dir + "/pages", "--out", dir + "/a"])
        #expect(logged.status == 0)
        #expect(!logged.stderr.contains("\r") && !logged.stderr.contains("pages/s"), "a log gets no progress line: \(logged.stderr)")
        // script(1) gives the command a terminal.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "\(nianbaoBinary()) normalize \(dir)/pages --out \(dir)/b", "/dev/null"]
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let tty = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(tty.contains("\r\u{1B}[K") && tty.contains(" of 120 pages · ") && tty.contains("pages/s"), "\(tty.prefix(400))")
        #expect(tty.contains("nianbao: 120 records"), "the summary follows the cleared line")
    }
}
