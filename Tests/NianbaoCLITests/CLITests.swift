import Dispatch
import Foundation
import NianbaoTestSupport
import Testing
import NianbaoPipeline
import Crypto
import NianbaoArchive


/// The built `nianbao` executable next to the test bundle.
func nianbaoBinary() -> String {
    if let env = ProcessInfo.processInfo.environment["NIANBAO_BIN"] { return env }
    var dir = Bundle.main.bundleURL
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("nianbao").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return packageRoot.appendingPathComponent(".build/debug/nianbao").path
}

struct RunResult {
    var status: Int32
    var stdout: Data
    var stderr: String
}

func run(_ args: [String], environment extra: [String: String] = [:], in directory: String? = nil, stdin: Data? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: nianbaoBinary())
    p.arguments = args
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if !extra.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    var input: Pipe?
    if stdin != nil { input = Pipe(); p.standardInput = input }
    try p.run()
    if let input, let stdin {
        // Written from another thread: a large page would fill the pipe while nothing reads stdout yet.
        // A command that exits before reading all of it must not kill the tests with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async { try? writer.write(contentsOf: stdin); try? writer.close() }
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: o, stderr: String(decoding: e, as: UTF8.self))
}

let sample = packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-text/input.txt").path

@Suite struct CLITests {
    @Test func acceptanceOnTheSamplePage() throws {
        let out = try scratchDirectory("accept")
        defer { removeScratch(out) }
        let r = try run(["normalize", sample, "--out", out])
        #expect(r.status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files.count == 1)
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/" + files[0]))
        let rec = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let report = rec["report"] as! [String: Any]
        #expect(report["year"] as? Int == 2023)
        #expect(report["template"] as? String == "2021")
        #expect((report["period"] as! [String: Any])["start"] as? String == "2023-01-01")
        #expect((report["period"] as! [String: Any])["end"] as? String == "2023-12-31")
        #expect(report["issued"] as? String == "2024-01")
        #expect(report["agency"] as? String == "临港经济开发区")
        let meta = (rec["page"] as! [String: Any])["metadata"] as! [String: Any]
        #expect(meta["index_number"] as? String == "01404053X/2024-00175")
        #expect(meta["publisher"] as? String == "临港经济开发区党政办公室")
        #expect(meta["document_number"] is NSNull)
        #expect(meta["created_date"] as? String == "2024-01-22")
        #expect(meta["published_date"] as? String == "2024-01-22")
        #expect(meta["keywords"] as? [String] == ["总结", "报告", "公开", "政府网站"])
        #expect(meta["topics"] as? [String] == ["综合政务", "电子政务"])
        let quality = rec["quality"] as! [String: Any]
        let repairs = (quality["repairs"] as! [[String: Any]]).map { $0["path"] as! String }
        #expect(repairs.contains("report.period.start") && repairs.contains("report.period.end"))
        // No check fails; the rows whose dropped cells leave 16 without a column cannot be assessed.
        #expect((quality["checks"] as! [[String: Any]]).allSatisfy { $0["status"] as? String != "fail" })

        // Every cell is the page's value, or null and ambiguous with that value among its candidates:
        // "16 0 0 0 16" (two blank cells dropped) does not say which applicant column holds the 16.
        let tables = rec["tables"] as! [String: Any]
        let notes = quality["cells"] as! [String: [String: Any]]
        func leaves(_ v: Any, _ path: String, _ f: (String, Any) -> Void) {
            if let o = v as? [String: Any] { for (k, x) in o { leaves(x, path + "." + k, f) } } else { f(path, v) }
        }
        var cells = 0
        var ambiguous = 0
        leaves(tables["applications"]!, "") { path, v in
            cells += 1
            let sixteen = ["new_received", "outcome.granted", "outcome.total"].contains { path == ".\($0).natural_person" || path == ".\($0).total" }
            let want = sixteen ? 16 : 0
            if v is NSNull {
                let note = notes["tables.applications" + path]
                if path.contains("subtotal") { return }
                #expect(note?["status"] as? String == "ambiguous", "\(path)")
                #expect((note?["candidates"] as? [Int])?.contains(want) == true, "\(path)")
                ambiguous += 1
            } else {
                #expect(v as? Int == want, "\(path)")
            }
        }
        #expect(ambiguous == 12)
        #expect(cells == 29 * 7)
        leaves(tables["proactive"]!, "") { path, v in #expect((v as? NSNumber)?.doubleValue == 0, "\(path)") }
        leaves(tables["review_litigation"]!, "") { path, v in #expect(v as? Int == 0, "\(path)") }
    }

    @Test func badInputsGetOneLineEachAndTheBatchGoesOn() throws {
        let dir = try scratchDirectory("bad")
        defer { removeScratch(dir) }
        _ = FileManager.default.createFile(atPath: dir + "/a-empty.html", contents: Data())
        var rng = SystemRandomNumberGenerator()
        _ = FileManager.default.createFile(atPath: dir + "/b-random.html", contents: Data((0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        var gz = Data([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03])
        gz.append(Data((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) }))
        _ = FileManager.default.createFile(atPath: dir + "/c-truncated.html", contents: gz)
        let depth = 10_000
        var nested = "<html><body>" + String(repeating: "<table><tr><td>x", count: depth) + String(repeating: "</td></tr></table>", count: depth)
        nested += String(repeating: " ", count: max(0, 5 * 1024 * 1024 - nested.utf8.count)) + "</body></html>"
        try nested.write(toFile: dir + "/d-nested.html", atomically: true, encoding: .utf8)
        var cells = "<html><body><table>"
        for r in 0..<10_000 { cells += "<tr>" + (0..<10).map { "<td>\(r * 10 + $0)</td>" }.joined() + "</tr>" }
        try (cells + "</table></body></html>").write(toFile: dir + "/e-cells.html", atomically: true, encoding: .utf8)
        try Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/not-a-report/input.html")).write(to: URL(fileURLWithPath: dir + "/f-news.html"))
        try Data(contentsOf: URL(fileURLWithPath: sample)).write(to: URL(fileURLWithPath: dir + "/g-good.txt"))

        let out = try scratchDirectory("bad-out")
        defer { removeScratch(out) }
        let r = try run(["normalize", dir, "--out", out])
        #expect(r.status == 1)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("nianbao: error: ") }
        #expect(errors.count == 6, "\(r.stderr)")
        for name in ["a-empty.html", "b-random.html", "c-truncated.html", "d-nested.html", "e-cells.html", "f-news.html"] {
            #expect(errors.contains { $0.contains(name) }, "no error line for \(name)")
        }
        #expect(errors.first { $0.contains("a-empty") }!.hasSuffix("empty input"))
        #expect(errors.first { $0.contains("c-truncated") }!.contains("gzip"))
        #expect(r.stderr.contains("nianbao: 1 records, 0 checks failing"))
        #expect(r.stderr.contains("6 inputs failed"))
        let written = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(written.count == 1 && written[0].hasSuffix(".json"), "no temp files left behind: \(written)")
    }

    @Test func ndjsonOnStdoutInInputOrderAndSameBytesAsFiles() throws {
        // Relative to the package root, as the golden files were made: source.path is the path as given.
        let inputs = ["Snapshots/pingtan-2025-html/input.html", "Snapshots/jiangyin-2023-text/input.txt"]
        let r = try run(["normalize"] + inputs, in: packageRoot.path)
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: 0x0A)
        #expect(lines.count == 2)
        for (line, input) in zip(lines, inputs) {
            let golden = try Data(contentsOf: packageRoot.appendingPathComponent((input as NSString).deletingLastPathComponent + "/expected.json"))
            #expect(Data(line) + Data([0x0A]) == golden)
        }
        // Given another way, the same file says so (and only there).
        let absolute = packageRoot.appendingPathComponent(inputs[1]).path
        let other = try run(["normalize", absolute])
        let record = try JSONSerialization.jsonObject(with: other.stdout) as! [String: Any]
        let source = record["source"] as! [String: Any]
        #expect(source["path"] as? String == absolute)
        #expect(source["file_name"] as? String == "input.txt")
    }

    @Test func verboseRunsSayWhichInputGaveWhichRecord() throws {
        let out = scratchPath("verbose")
        defer { removeScratch(out) }
        let r = try run(["normalize", "Snapshots/contradictory-tables", "Snapshots/not-a-report", "--out", out, "-v"], in: packageRoot.path)
        #expect(r.status == 1)
        let written = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(written.count == 1)
        #expect(r.stderr.contains("nianbao: Snapshots/contradictory-tables/input.html → \(out)/\(written[0]) (3 checks failing)\n"), "\(r.stderr)")
        #expect(r.stderr.contains("nianbao: error: Snapshots/not-a-report/input.html: not a report page"))
        let quiet = try run(["normalize", "Snapshots/contradictory-tables", "--out", out], in: packageRoot.path)
        #expect(!quiet.stderr.contains("→"))
    }

    @Test func parallelJobsGiveTheSameOutput() throws {
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let one = try run(["normalize", snapshots, "--jobs", "1"])
        let two = try run(["normalize", snapshots, "--jobs", "2"])
        #expect(one.status == 1)  // the not-a-report case fails, on purpose
        #expect(one.stdout == two.stdout)
        #expect(one.stdout.split(separator: 0x0A).count >= 15)
    }

    @Test func urlGivesTheIdAndSourceURL() throws {
        let r = try run(["normalize", sample, "--url", "https://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml"])
        #expect(r.status == 0)
        let rec = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        #expect((rec["source"] as! [String: Any])["url"] as? String == "https://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml")
        // first 20 hex digits of SHA-256 of the URL
        let digest = SHA256.hash(data: Array("https://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(rec["id"] as? String == String(digest.prefix(20)))
    }

    @Test func badUsageExits64() throws {
        #expect(try run(["normalize", sample, "--format", "pdf"]).status == 64)
        #expect(try run(["normalize"]).status == 64)
        #expect(try run(["normalize", sample, sample, "--url", "http://x"]).status == 64)
    }

    @Test func missingInputIsAnErrorLineNotACrash() throws {
        let r = try run(["normalize", "/nonexistent/page.html", sample])
        #expect(r.status == 1)
        #expect(r.stderr.contains("nianbao: error: /nonexistent/page.html: no such file or directory"))
        #expect(r.stdout.split(separator: 0x0A).count == 1)
    }
}

@Suite struct WARCInputTests {
    @Test func normalizeReadsWARCFilesAndPointsBackAtTheRecords() throws {
        let dir = try scratchDirectory("warc")
        defer { removeScratch(dir) }
        let path = dir + "/crawl-00001.warc.gz"
        let page = [UInt8](try Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/input.html")))
        let text = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        let w = try WARCWriter(path: path, info: [("software", "nianbao test")], date: "2026-03-13T01:02:03Z")
        func response(_ uri: String, _ status: String, _ headers: [String], _ body: [UInt8]) -> WARCRecord {
            let block = Array(("HTTP/1.1 \(status)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8) + body
            return WARCRecord(fields: [("WARC-Type", "response"), ("WARC-Date", "2026-03-13T01:02:03Z"), ("WARC-Target-URI", uri),
                                       ("WARC-Record-ID", WARCWriter.recordID([uri])), ("Content-Type", "application/http;msgtype=response"),
                                       ("WARC-Payload-Digest", WARCDigest.sha1(body)), ("WARC-Block-Digest", WARCDigest.sha1(block))].map { (name: $0.0, value: $0.1) },
                              block: block)
        }
        let url = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm"
        let offset = try w.write(response(url, "200 OK", ["Content-Type: text/html; charset=utf-8", "Content-Encoding: gzip"], Gzip.compress(page)))
        try w.write(response("https://www.pingtan.gov.cn/404", "404 Not Found", ["Content-Type: text/html"], Array("<p>not found</p>".utf8)))
        try w.write(WARCRecord(fields: [("WARC-Type", "resource"), ("WARC-Target-URI", "https://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml"),
                                        ("WARC-Date", "2024-02-01T00:00:00Z"), ("Content-Type", "text/plain; charset=utf-8")].map { (name: $0.0, value: $0.1) },
                               block: text))
        let r = try run(["normalize", path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: 0x0A)
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0])) as! [String: Any]
        let source = first["source"] as! [String: Any]
        #expect(source["url"] as? String == url)
        #expect(source["retrieved_at"] as? String == "2026-03-13T01:02:03Z")
        let capture = source["capture"] as! [String: Any]
        #expect(capture["warc"] as? String == "crawl-00001.warc.gz")
        #expect(capture["offset"] as? Int == offset)
        // The same tables as the page normalized from its file.
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/expected.json"))) as! [String: Any]
        #expect(NSDictionary(dictionary: first["tables"] as! [String: Any]).isEqual(to: golden["tables"] as! [String: Any]))
        let second = try JSONSerialization.jsonObject(with: Data(lines[1])) as! [String: Any]
        #expect((second["source"] as! [String: Any])["input_format"] as? String == "text")
        #expect(((second["report"] as! [String: Any])["agency"] as? String) == "临港经济开发区")
    }
}

@Suite struct ExportCLITests {
    @Test func exportIsIdempotentAndReportsBadRecords() throws {
        let dir = try scratchDirectory("export")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let args = ["export", snapshots, "--to", "sqlite:\(dir)/db.sqlite", "--to", "csv:\(dir)/wide.csv", "--to", "ndjson:\(dir)/all.ndjson"]
        let first = try run(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("16 new, 0 changed (new version), 0 unchanged"))
        #expect(first.stderr.contains("csv:\(dir)/wide.csv: 16 rows"))
        let again = try run(args)
        #expect(again.stderr.contains("0 new, 0 changed (new version), 16 unchanged"))
        // File sinks are appended to: the second run's 16 lines follow the first run's.
        #expect(again.stderr.contains("ndjson:\(dir)/all.ndjson: 16 records appended"))
        let ndjson = try String(contentsOfFile: dir + "/all.ndjson", encoding: .utf8)
        #expect(ndjson.split(separator: "\n").count == 32)
        // A line that is not a record is reported; the good ones still load.
        try (ndjson.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n{\"id\": 1}\n").write(toFile: dir + "/mixed.ndjson", atomically: true, encoding: .utf8)
        let mixed = try run(["export", dir + "/mixed.ndjson", "--to", "sqlite:\(dir)/db2.sqlite"])
        #expect(mixed.status == 1)
        #expect(mixed.stderr.contains("mixed.ndjson:3: not a nianbao record"))
        #expect(mixed.stderr.contains("2 new"))
        #expect(try run(["export", snapshots, "--to", "nosuch:x"]).status == 64)

        // Records that break the schema's shape are refused one line each (issue 11 item 11): an id
        // that is a path, a part that is missing; the good record still loads.
        let good = String(ndjson.split(separator: "\n")[0])
        let pathID = good.replacingOccurrences(of: #""id":""#, with: #""id":"../../x","old_id":""#)
        let noTables = good.replacingOccurrences(of: #""tables":"#, with: #""no_tables":"#)
        try ([pathID, noTables, good].joined(separator: "\n") + "\n").write(toFile: dir + "/hostile.ndjson", atomically: true, encoding: .utf8)
        let hostile = try run(["export", dir + "/hostile.ndjson", "--to", "sqlite:\(dir)/db3.sqlite"])
        #expect(hostile.status == 1)
        #expect(hostile.stderr.contains("hostile.ndjson:1: ") && hostile.stderr.contains("is not 20 lowercase hex digits"), "\(hostile.stderr)")
        #expect(hostile.stderr.contains("hostile.ndjson:2: ") && hostile.stderr.contains("tables is missing"), "\(hostile.stderr)")
        #expect(hostile.stderr.contains("1 new"))

        // Unchanged records are known by the digest of their line, without reading them — unless this
        // load gave their id another version first: [v1, v2] over a database whose latest is v2 makes
        // v3 (= v1) and then v4 (= v2), never "v2 unchanged".
        let v1 = good
        let v2 = try String(decoding: JSONSerialization.data(withJSONObject: {
            var r = try JSONSerialization.jsonObject(with: Data(good.utf8)) as! [String: Any]
            var report = r["report"] as! [String: Any]
            report["title"] = "another title"
            r["report"] = report
            return r
        }()), as: UTF8.self)
        try (v1 + "\n").write(toFile: dir + "/v1.ndjson", atomically: true, encoding: .utf8)
        try (v2 + "\n").write(toFile: dir + "/v2.ndjson", atomically: true, encoding: .utf8)
        let db4 = "sqlite:\(dir)/db4.sqlite"
        #expect(try run(["export", dir + "/v1.ndjson", "--to", db4]).stderr.contains("1 new"))
        #expect(try run(["export", dir + "/v2.ndjson", "--to", db4]).stderr.contains("1 changed"))
        // v2 as nianbao writes it (canonical), so that its digest is the known one.
        let canonical = try run(["export", dir + "/v2.ndjson", "--to", "ndjson:-"])
        try (v1 + "\n").write(toFile: dir + "/both.ndjson", atomically: true, encoding: .utf8)
        let both = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/both.ndjson"))
        try both.seekToEnd()
        try both.write(contentsOf: canonical.stdout)
        try both.close()
        let reload = try run(["export", dir + "/both.ndjson", "--to", db4])
        #expect(reload.stderr.contains("0 new, 2 changed (new version), 0 unchanged"), "\(reload.stderr)")
        #expect(try run(["export", dir + "/v2.ndjson", "--to", db4]).stderr.contains("1 unchanged"))
    }

    /// `normalize --out` removes the temporary files a killed run left (their writer is gone) and
    /// leaves a live writer's alone (issue 11 item 6).
    @Test func temporaryFilesOfAKilledRunAreRemovedOnTheNextRun() throws {
        let dir = try scratchDirectory("stale")
        defer { removeScratch(dir) }
        // A process that has exited: its pid names a writer that is gone.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let stale = dir + "/.0123456789abcdef0123.json.tmp-\(gone.processIdentifier)-42"
        let live = dir + "/.fedcba98765432100123.json.tmp-\(getpid())-7"
        for p in [stale, live] { try "{\"half\": ".write(toFile: p, atomically: false, encoding: .utf8) }
        let r = try run(["normalize", sample, "--out", dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(r.stderr.contains("removed 1 temporary file(s) a killed run left behind"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.count == 1)
    }

    /// Text input costs memory near the HTML path: under 15 bytes per input byte above the process's
    /// own baseline, for a text copy of many lines, one of a single line, and pipe rows (issue 11:
    /// 20 MB of text once took 1.9 GB). Measured with the child's maximum resident set size.
    @Test func textInputMemoryStaysUnderFifteenBytesPerByte() throws {
        let dir = try scratchDirectory("textmem")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let shapes: [(String, String, Bool)] = [("lines", "jiangyin-2023-text", false), ("one-line", "jiangyin-2023-text", true),
                                                ("pipes", "flat-pipe-rows-2021", false), ("crawled", "pingtan-2025-crawl-text", false)]
        let script = """
        import resource, subprocess, sys
        subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)
        """
        func peak(_ file: String) throws -> Int {
            let (status, out) = try runPython(["-c", script, nianbaoBinary(), "normalize", file])
            #expect(status == 0, "\(out)")
            return Int(out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? Int.max
        }
        for (name, source, oneLine) in shapes {
            var text = try String(contentsOfFile: "\(snapshots)/\(source)/input.txt", encoding: .utf8)
            if oneLine { text = text.replacingOccurrences(of: "\n", with: " ") }
            let small = dir + "/\(name)-small.txt", big = dir + "/\(name)-big.txt"
            try text.write(toFile: small, atomically: true, encoding: .utf8)
            let copies = max(1, 6_000_000 / text.utf8.count)
            try String(repeating: text, count: copies).write(toFile: big, atomically: true, encoding: .utf8)
            let size = (try FileManager.default.attributesOfItem(atPath: big)[.size] as? Int) ?? 1
            let perByte = Double(try peak(big) - peak(small)) / Double(size)
            #expect(perByte < 15, "\(name): \(perByte) bytes of memory per input byte")
        }
    }

    /// A cron user's file sinks keep every earlier run's rows (issue 11 item 2): CSV without a second
    /// header, NDJSON line after line; `--replace-files` replaces them; a CSV with other columns is
    /// refused rather than mixed, and nothing is written then.
    @Test func fileSinksAppendUnlessTheyAreToldToReplace() throws {
        let dir = try scratchDirectory("append")
        defer { removeScratch(dir) }
        let a = packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/expected.json").path
        let b = packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-html-gbk/expected.json").path
        let sinks = ["--to", "csv:\(dir)/h.csv", "--to", "ndjson:\(dir)/h.ndjson"]
        #expect(try run(["export", a] + sinks).status == 0)
        let second = try run(["export", b] + sinks)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("csv:\(dir)/h.csv: 1 rows appended"))
        let csv = try String(contentsOfFile: dir + "/h.csv", encoding: .utf8)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.count == 3)
        #expect(lines.filter { $0.contains("report_id") }.count == 1)
        #expect(csv.contains("平潭综合实验区") && csv.contains("临港经济开发区"))
        let nd = try String(contentsOfFile: dir + "/h.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(nd.count == 2)
        let (status, out) = try runPython(["-c", "import pandas,sys; df=pandas.read_csv(sys.argv[1], encoding='utf-8-sig'); print(df.shape[0])", dir + "/h.csv"])
        #expect(status == 0 && out.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(out)")

        let replaced = try run(["export", b, "--replace-files"] + sinks)
        #expect(replaced.status == 0)
        #expect(try String(contentsOfFile: dir + "/h.csv", encoding: .utf8).split(separator: "\r\n").count == 2)
        #expect(try String(contentsOfFile: dir + "/h.ndjson", encoding: .utf8).split(separator: "\n").count == 1)

        try "id,name\r\n1,x\r\n".write(toFile: dir + "/other.csv", atomically: true, encoding: .utf8)
        let refused = try run(["export", a, "--to", "csv:\(dir)/other.csv"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has other columns"))
        #expect(try String(contentsOfFile: dir + "/other.csv", encoding: .utf8) == "id,name\r\n1,x\r\n")
    }

    /// Two loads into one database at once both succeed, the second waiting for the first (issue 11
    /// item 4): on a new SQLite file (a migration race) and on an existing one, and on a new
    /// PostgreSQL database when the test server is there. History stays whole: each report is
    /// current exactly once.
    @Test func concurrentLoadsWaitForEachOtherInsteadOfFailing() throws {
        let dir = try scratchDirectory("concurrent")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        var targets = (0..<4).map { "sqlite:\(dir)/db\($0).sqlite" }
        if sharedStateServer != nil { targets.append(try newTestDatabase("concurrent")) }
        for target in targets {
            for round in 0..<2 {
                let procs = try (0..<2).map { _ -> (Process, Pipe) in
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: nianbaoBinary())
                    p.arguments = ["export", snapshots, "--to", target]
                    let err = Pipe()
                    p.standardError = err
                    p.standardOutput = FileHandle.nullDevice
                    try p.run()
                    return (p, err)
                }
                for (p, err) in procs {
                    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    p.waitUntilExit()
                    #expect(p.terminationStatus == 0, "\(target) round \(round): \(text)")
                }
            }
        }
        for target in targets where target.hasPrefix("sqlite:") {
            let (status, out) = try runPython(["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            cur = db.execute("select count(*), count(distinct report_key) from reports where is_current = 1").fetchone()
            versions = db.execute("select count(*), count(distinct report_id) from reports").fetchone()
            print(cur[0], cur[1], versions[0], versions[1])
            """, String(target.dropFirst("sqlite:".count))])
            // 16 records, each stored once; 15 reports (the 江阴 HTML and text copies are one report key).
            #expect(status == 0 && out.trimmingCharacters(in: .whitespacesAndNewlines) == "15 15 16 16", "\(target): \(out)")
        }
    }

    /// A first load into an empty SQLite database runs with a rollback journal (it writes its pages
    /// once): killed midway, it leaves the database empty and whole, and the next load fills it and
    /// gives it its WAL back.
    @Test func aFirstLoadKilledMidwayLeavesTheDatabaseEmptyAndWhole() throws {
        let dir = try scratchDirectory("killed-load")
        defer { removeScratch(dir) }
        let (made, _) = try runPython(["-c", """
            import glob, json, sys
            golden = [json.load(open(p, encoding="utf-8")) for p in sorted(glob.glob(sys.argv[1] + "/*/expected.json"))]
            with open(sys.argv[2], "w", encoding="utf-8") as f:
                for i in range(600):
                    rec = golden[i % len(golden)]
                    rec["id"] = "%020x" % (0xc000 + i)
                    rec["report"]["report_key"] = "name:killed/%d" % i
                    f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\\n")
            """, packageRoot.appendingPathComponent("Snapshots").path, dir + "/records.ndjson"])
        #expect(made == 0)
        let db = dir + "/records.sqlite"
        func inspect() throws -> String {
            try runPython(["-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                print(db.execute("pragma integrity_check").fetchone()[0], db.execute("select count(*) from reports").fetchone()[0],
                      db.execute("select count(*) from cells").fetchone()[0], db.execute("pragma journal_mode").fetchone()[0])
                """, db]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nianbaoBinary())
        p.arguments = ["export", dir + "/records.ndjson", "--to", "sqlite:" + db]
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Killed while it writes: its rollback journal holds the pages the load changed (the one-page
        // journal of the switch from WAL comes and goes before).
        func journalSize() -> Int { ((try? FileManager.default.attributesOfItem(atPath: db + "-journal"))?[.size] as? Int) ?? 0 }
        var waited = 0
        while journalSize() < 64 << 10 && p.isRunning && waited < 60_000 { usleep(2_000); waited += 2 }
        usleep(100_000)
        let killedMidway = p.isRunning
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(killedMidway, "the load ended before it could be killed")
        #expect(FileManager.default.fileExists(atPath: db + "-journal"))
        // The next reader rolls the load back from the journal; the file keeps the rollback journal
        // until nianbao opens it again.
        #expect(try inspect() == "ok 0 0 delete")
        let again = try run(["export", dir + "/records.ndjson", "--to", "sqlite:" + db])
        #expect(again.status == 0, "\(again.stderr)")
        let counts = try inspect().split(separator: " ")
        #expect(counts.count == 4 && counts[0] == "ok" && counts[1] == "600" && Int(counts[2]) ?? 0 > 600 * 100 && counts[3] == "wal", "\(counts)")
    }

    /// libcurl and libpq are opened on first use: `normalize` runs where they cannot be loaded, and
    /// `harvest` and a PostgreSQL sink say so in one line (a library that is not ELF stands in here
    /// for one that is missing or broken, found first through LD_LIBRARY_PATH).
    @Test func libcurlAndLibpqAreOnlyNeededByWhatUsesThem() throws {
        let dir = try scratchDirectory("no-libs")
        defer { removeScratch(dir) }
        for name in ["libcurl.so.4", "libpq.so.5"] { try "not a library".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let broken = ["LD_LIBRARY_PATH": dir]
        let normalized = try run(["normalize", sample], environment: broken)
        #expect(normalized.status == 0, "\(normalized.stderr)")
        #expect(!normalized.stdout.isEmpty)
        try "http://example.invalid/report.html\n".write(toFile: dir + "/urls.txt", atomically: true, encoding: .utf8)
        let harvest = try run(["harvest", "--sites", dir + "/urls.txt", "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc"],
                              environment: broken)
        #expect(harvest.status == 2)
        #expect(harvest.stderr.split(separator: "\n").count == 1, "\(harvest.stderr)")
        #expect(harvest.stderr.hasPrefix("nianbao: error: cannot load libcurl (libcurl.so.4) for fetching: "))
        let export = try run(["export", packageRoot.appendingPathComponent("Snapshots").path, "--to", "postgres://nianbao@127.0.0.1:1/none"],
                             environment: broken)
        #expect(export.status == 1)
        #expect(export.stderr.split(separator: "\n").count == 1, "\(export.stderr)")
        #expect(export.stderr.contains("cannot load libpq (libpq.so.5) for PostgreSQL: "))
    }

    /// A PostgreSQL server that is not there is one error line and exit status 1 (it used to free
    /// the libpq connection twice and crash), and no sink of the run is written.
    @Test func anUnreachablePostgresServerIsOneErrorLine() throws {
        let dir = try scratchDirectory("pg-down")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        let r = try run(["export", snapshots, "--to", "ndjson:\(dir)/all.ndjson", "--to", "postgres://nianbao@127.0.0.1:1/none"])
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(lines.first?.hasPrefix("nianbao: error: postgres://nianbao@127.0.0.1:1/none: ") == true)
        #expect(r.stderr.contains("cannot connect to PostgreSQL"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/all.ndjson"))
    }
}

/// The dictionary in the repository is the one the code declares, and every consumer carries it.
@Suite struct DictionaryCLITests {
    @Test func docsRecordMdIsWhatTheDictionaryCommandPrints() throws {
        let r = try run(["dictionary"])
        #expect(r.status == 0)
        let doc = try Data(contentsOf: packageRoot.appendingPathComponent("docs/record.md"))
        #expect(r.stdout == doc, "docs/record.md is stale: run `swift run nianbao dictionary > docs/record.md`")
        let text = String(decoding: r.stdout, as: UTF8.self)
        for needle in ["| `tables.applications.brought_forward.natural_person` |", "| `segmented` |", "| `applications.balance.<column>` |",
                       "| `page.truncated` |", "### `report_cells_wide`\n", "### `report_copies` (view)", "| `source.path` |"] {
            #expect(text.contains(needle), "\(needle)")
        }
    }

    @Test func theJSONSchemaCarriesTheDictionarysDescriptions() throws {
        let dict = scratchPath("dictionary", suffix: ".json")
        defer { removeScratch(dict) }
        let r = try run(["dictionary", "--format", "json"])
        #expect(r.status == 0)
        try r.stdout.write(to: URL(fileURLWithPath: dict))
        let check = try runPython([packageRoot.appendingPathComponent("scripts/describe_schema.py").path, "--dictionary", dict, "--check",
                                   packageRoot.appendingPathComponent("schema/report.schema.json").path])
        #expect(check.status == 0, "\(check.output)")
        // The check can fail: a schema with one description taken away is refused.
        let schema = try String(contentsOf: packageRoot.appendingPathComponent("schema/report.schema.json"), encoding: .utf8)
        let broken = scratchPath("schema", suffix: ".json")
        defer { removeScratch(broken) }
        try schema.replacingOccurrences(of: "\"description\": \"natural persons (自然人)\",", with: "").write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try runPython([packageRoot.appendingPathComponent("scripts/describe_schema.py").path, "--dictionary", dict, "--check", broken])
        #expect(refused.status == 1 && refused.output.contains("natural_person"), "\(refused.output)")
    }

    @Test func datasetteShowsTheColumnsMeanings() throws {
        let available = try runPython(["-c", "import datasette"]).status == 0
        if ProcessInfo.processInfo.environment["CI"] == "true" { #expect(available, "scripts/setup.sh --with-test-tools installs datasette") }
        guard available else { return }
        let dir = try scratchDirectory("datasette")
        defer { removeScratch(dir) }
        let e = try run(["export", packageRoot.appendingPathComponent("Snapshots").path, "--to", "sqlite:\(dir)/records.sqlite",
                         "--datasette-metadata", "\(dir)/metadata.json"])
        #expect(e.status == 0, "\(e.stderr)")
        let page = try runPython(["-m", "datasette", "\(dir)/records.sqlite", "-m", "\(dir)/metadata.json", "--get", "/records/checks"])
        #expect(page.status == 0)
        #expect(page.output.contains("<dt>message_zh</dt><dd>in Chinese, e.g."), "\(page.output.prefix(400))")
        #expect(page.output.contains("every identity of the template checked, one row per check (勾稽核对)"))
        // The wide table opens within a strict time limit (the view it replaced timed out in datasette):
        // every current report, its flagged cells, and a filter on a cell.
        let wide = try runPython(["-m", "datasette", "\(dir)/records.sqlite", "--setting", "sql_time_limit_ms", "200",
                                  "--get", "/records/report_cells_wide.json?_shape=objects&_size=max"])
        #expect(wide.status == 0, "\(wide.output.prefix(400))")
        let rows = (try? JSONSerialization.jsonObject(with: Data(wide.output.utf8)) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.count == 15, "\(wide.output.prefix(400))")  // 16 records, two copies of one report
        #expect(rows.contains { ($0["flagged_cells"] as? String)?.contains(":ambiguous") == true })
        let filtered = try runPython(["-m", "datasette", "\(dir)/records.sqlite", "--setting", "sql_time_limit_ms", "200",
                                      "--get", "/records/report_cells_wide.json?_shape=objects&new_received.total__gt=100"])
        let hits = (try? JSONSerialization.jsonObject(with: Data(filtered.output.utf8)) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(hits.count >= 1 && hits.allSatisfy { ($0["new_received.total"] as? Int ?? 0) > 100 }, "\(filtered.output.prefix(400))")
        let usage = try run(["export", packageRoot.appendingPathComponent("Snapshots").path, "--to", "ndjson:\(dir)/x.ndjson", "--datasette-metadata", "\(dir)/m.json"])
        #expect(usage.status == 64)
    }
}

@Suite struct CheckYearsCLITests {
    @Test func checkYearsPrintsNDJSONAndFailsOnABrokenCarryOver() throws {
        let dir = try scratchDirectory("check-years")
        defer { removeScratch(dir) }
        // Two years of the 江阴 report: 2022 carries 2 forward, 2023 (the real page) brings 0 forward.
        var r = try JSONSerialization.jsonObject(with: Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-html-gbk/expected.json"))) as! [String: Any]
        let y2023 = try JSONSerialization.data(withJSONObject: r)
        r["id"] = "00000000000000002022"
        var report = r["report"] as! [String: Any]
        report["year"] = 2022
        report["report_key"] = "org:01404053X|2022|2021"
        r["report"] = report
        var tables = r["tables"] as! [String: Any]
        var apps = tables["applications"] as! [String: Any]
        apps["carried_forward"] = ["natural_person": 2, "commercial_enterprise": 0, "research_institution": 0, "social_welfare_org": 0,
                                   "legal_service_org": 0, "other_org": 0, "total": 2]
        tables["applications"] = apps
        r["tables"] = tables
        try (y2023 + Data([0x0A]) + JSONSerialization.data(withJSONObject: r) + Data([0x0A])).write(to: URL(fileURLWithPath: dir + "/two.ndjson"))
        let e = try run(["export", dir + "/two.ndjson", "--to", "sqlite:\(dir)/db.sqlite"])
        #expect(e.stderr.contains("cross-year checks: 11, 2 failing"), "\(e.stderr)")
        let c = try run(["check-years", "sqlite:\(dir)/db.sqlite", "--problems-only"])
        #expect(c.status == 1)
        let lines = c.stdout.split(separator: 0x0A).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
        #expect(lines.count == 2)
        #expect(Set(lines.map { $0["check_id"] as! String }) == ["carry_over.natural_person", "carry_over.total"])
        #expect(lines.allSatisfy { $0["agency_key"] as? String == "org:01404053X" && $0["year"] as? Int == 2022 && $0["next_year"] as? Int == 2023
            && $0["expected"] as? Int == 2 && $0["actual"] as? Int == 0 && $0["status"] as? String == "fail" })
        #expect(c.stderr.contains("check-years: 11 checks over 1 agencies, 2 failing"), "\(c.stderr)")
        let missing = try run(["check-years", "sqlite:\(dir)/none.sqlite"])
        #expect(missing.status == 1 && missing.stderr.contains("no such database file"))
    }
}
