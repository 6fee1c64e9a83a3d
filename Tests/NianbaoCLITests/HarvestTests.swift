import Foundation
import NianbaoTestSupport
import Testing
import NianbaoArchive

/// The fixture sites (Tests/Fixtures/fixture_site.py), a real HTTP server on 127.0.0.1.
final class FixtureSite {
    let process = Process()
    let port: Int

    init(hosts: Int = 3, reports: Int = 6, crawlDelay: Double = 0, latency: Double = 0) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot.appendingPathComponent("Tests/Fixtures/fixture_site.py").path,
                             "--hosts", String(hosts), "--reports", String(reports), "--crawl-delay", String(crawlDelay), "--latency", String(latency)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let p = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        port = p
    }

    deinit {
        // SIGKILL: a test runner may leave SIGTERM ignored, and children inherit that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func resolveArgs(_ hosts: [String]) -> [String] { hosts.flatMap { ["--resolve", "\($0):\(port):127.0.0.1"] } }

    func url(_ host: String, _ path: String) -> String { "http://\(host):\(port)\(path)" }

    /// GET on the fixture server over a plain socket (HTTP/1.0), returning the body.
    func control(_ path: String) throws -> Data {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw CocoaError(.fileReadUnknown) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: control\r\n\r\n".utf8)
        _ = request.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, 0) }
        var response = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            response.append(contentsOf: buf[0..<n])
        }
        guard let split = response.range(of: Data("\r\n\r\n".utf8)) else { return Data() }
        return response[split.upperBound...]
    }

    /// Every request the server saw: (host, path, time, headers).
    /// Every request the sites received: when it arrived (`t`) and when its reply was written (`end`).
    func log() throws -> [(host: String, path: String, t: Double, end: Double, headers: [String: String])] {
        let data = try control("/__log")
        let items = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return items.map { ($0["host"] as! String, $0["path"] as! String, $0["t"] as! Double, ($0["end"] as? Double) ?? ($0["t"] as! Double), $0["headers"] as! [String: String]) }
            .filter { !$0.path.hasPrefix("/__") }
    }

    func edit(_ host: String, _ path: String) throws {
        _ = try control("/__edit?host=\(host)&path=\(path)")
    }

    /// A sites file listing the given hosts' 年报 columns.
    func sitesFile(_ hosts: [String], in dir: String) throws -> String {
        let sites = hosts.map { ["name": $0, "listings": [url($0, "/nb/index.html")]] as [String: Any] }
        let path = dir + "/sites.json"
        try JSONSerialization.data(withJSONObject: ["sites": sites]).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Starts `nianbao args…`, sends it `signal` after the given time, and waits for it to end.
func runAndSignal(_ args: [String], afterMicroseconds wait: Int, _ signal: Int32) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: nianbaoBinary())
    p.arguments = args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    usleep(useconds_t(wait))
    kill(p.processIdentifier, signal)
    p.waitUntilExit()
    return p
}

/// Response records per URL over every WARC file of a directory; each file is read end to end and
/// every payload and block digest is checked.
func captures(in warcDir: String) throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for f in try FileManager.default.contentsOfDirectory(atPath: warcDir) where f.hasSuffix(".warc.gz") {
        try WARCReader.forEach(path: warcDir + "/" + f) { _, r in
            if let d = r["WARC-Block-Digest"] { #expect(WARCDigest.sha1(r.block) == d) }
            guard r.type == "response", let url = r["WARC-Target-URI"] else { return }
            let http = try #require(HTTPResponse.parse(r.block))
            #expect(WARCDigest.sha1(http.body) == r["WARC-Payload-Digest"])
            counts[url, default: 0] += 1
        }
    }
    return counts
}

/// Checks that every WARC file of a directory has a `.cdxj` beside it equal, line for line, to what
/// `cdxj-indexer -s` (the Webrecorder tool pywb's indexes come from) writes for it.
func expectIndexesMatchCDXJIndexer(_ warcDir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: warcDir).filter { $0.hasSuffix(".warc.gz") }.sorted()
    #expect(!files.isEmpty, sourceLocation: sourceLocation)
    for f in files {
        let ours = try String(contentsOfFile: warcDir + "/" + f + ".cdxj", encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["cdxj-indexer", "-s", f]
        p.currentDirectoryURL = URL(fileURLWithPath: warcDir)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let theirs = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "cdxj-indexer failed on \(f)", sourceLocation: sourceLocation)
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false), b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(a.count == b.count && a.count > 1, "\(f): \(a.count) lines, cdxj-indexer \(b.count)", sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) where x != y {
            Issue.record("\(f):\n ours   \(x)\n theirs \(y)", sourceLocation: sourceLocation)
            break
        }
    }
}

@Suite(.serialized) struct HarvestTests {
    let hosts = ["site1.test", "site2.test", "site3.test", "gbk.test"]

    func harvest(_ site: FixtureSite, dir: String, sites: String, extra: [String] = []) throws -> RunResult {
        try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                 "--allow-private", "--delay", "0.05", "--backoff", "0.2"] + site.resolveArgs(hosts + ["bad.test", "storm.test"]) + extra)
    }

    @Test func reRunsSendConditionalRequestsAndOnlyAnEditedPageGivesANewRecord() throws {
        let site = try FixtureSite(hosts: 3, reports: 6)
        let dir = try scratchDirectory("harvest")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(hosts, in: dir)
        let first = try harvest(site, dir: dir, sites: sites)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("19 new reports"), "\(first.stderr)")  // 3 hosts × 6 + the GBK report
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").count == 19)
        #expect(try site.log().allSatisfy { !$0.path.hasPrefix("/private/") }, "robots.txt Disallow was not obeyed")
        let warcFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/warc").filter { $0.hasSuffix(".warc.gz") }
        #expect(warcFiles.count == 1)
        try expectIndexesMatchCDXJIndexer(dir + "/warc")  // 200s, 404s, a GBK page, robots.txt of several kinds
        let gbkRecord = try FileManager.default.contentsOfDirectory(atPath: dir + "/records").compactMap { name -> [String: Any]? in
            let r = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/records/" + name))) as! [String: Any]
            return ((r["source"] as! [String: Any])["url"] as? String)?.contains("gbk.test") == true ? r : nil
        }.first
        #expect((gbkRecord?["source"] as? [String: Any])?["charset"] as? String == "gb18030")

        let before = try site.log().count
        let second = try harvest(site, dir: dir, sites: sites)
        #expect(second.status == 0)
        #expect(second.stderr.contains("0 new reports, 0 changed reports"), "\(second.stderr)")
        let again = try site.log().dropFirst(before)
        #expect(again.filter { $0.path != "/robots.txt" }.allSatisfy { $0.headers["If-None-Match"] != nil }, "a request of the re-run was not conditional")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/warc").filter { $0.hasSuffix(".warc.gz") } == warcFiles, "the re-run wrote a capture")

        try site.edit("site2.test", "/nb/r3.html")
        let third = try harvest(site, dir: dir, sites: sites)
        #expect(third.stderr.contains("0 new reports, 1 changed reports"), "\(third.stderr)")
        #expect(third.stderr.contains("changed report \(site.url("site2.test", "/nb/r3.html"))"))
        let counts = try captures(in: dir + "/warc")
        #expect(counts[site.url("site2.test", "/nb/r3.html")] == 2)
        #expect(counts.filter { $0.key.contains("/nb/r") && !$0.key.contains("site2.test:\(site.port)/nb/r3") }.values.allSatisfy { $0 == 1 })
    }

    @Test func theReviewOfAHarvestShowsEachCapturedPageBesideItsRecord() throws {
        let site = try FixtureSite(hosts: 3, reports: 2)
        let dir = try scratchDirectory("harvest-review")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(hosts, in: dir)
        let h = try harvest(site, dir: dir, sites: sites, extra: ["--sink", "sqlite:\(dir)/records.sqlite"])
        #expect(h.status == 0, "\(h.stderr)")
        let records = try FileManager.default.contentsOfDirectory(atPath: dir + "/records").map {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/records/" + $0))) as! [String: Any]
        }
        #expect(records.count == 7)  // 3 hosts × 2 + the GBK report
        // The fixture serves the same pages on several hosts: a report with an organisation code in its
        // 索引号 is one report wherever it is served (copies), the others are one per host.
        let keys = Dictionary(grouping: records) { ($0["report"] as! [String: Any])["report_key"] as? String ?? ($0["id"] as! String) }
        #expect(keys.count == 6 && keys.values.contains { $0.count == 2 }, "\(keys.keys)")
        let current = try run(["export", dir + "/records", "--to", "sqlite:\(dir)/check.sqlite"])
        #expect(current.stderr.contains("7 new, 0 changed (new version), 0 unchanged, 1 copies of a current report (same tables)"), "\(current.stderr)")
        let r = try run(["review", "sqlite:\(dir)/records.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/site"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("review: 6 reports ("), "\(r.stderr)")
        #expect(r.stderr.contains("6 original pages beside them"), "\(r.stderr)")
        for record in records where FileManager.default.fileExists(atPath: "\(dir)/site/r/\(record["id"] as! String).html") {
            let id = record["id"] as! String
            let page = try String(contentsOfFile: "\(dir)/site/r/\(id).html", encoding: .utf8)
            let warc = ((record["source"] as! [String: Any])["capture"] as! [String: Any])["warc"] as! String
            #expect(page.contains("<iframe sandbox=\"\" src=\"\(id).source.html\""))
            #expect(page.contains(warc + " @ "), "the page says which capture it shows")
            // The captured page, decoded (the GBK one too): its title is the record's.
            let copy = try String(contentsOfFile: "\(dir)/site/r/\(id).source.html", encoding: .utf8)
            let title = (record["report"] as! [String: Any])["title"] as! String
            #expect(copy.contains(title), "\(id): \(title) not in the captured page")
        }
        // Without the WARC directory the pages are still written, without the original.
        let bare = try run(["review", "sqlite:\(dir)/records.sqlite", "--out", dir + "/bare"])
        #expect(bare.stderr.contains("6 reports (") && bare.stderr.contains("0 original pages"), "\(bare.stderr)")
        let missing = try run(["review", "sqlite:\(dir)/nothing.sqlite", "--out", dir + "/none"])
        #expect(missing.status == 1 && missing.stderr.contains("nothing.sqlite"), "\(missing.stderr)")
    }

    @Test func perHostSpacingAndCrawlDelayMeasuredAtTheServer() throws {
        let site = try FixtureSite(hosts: 3, reports: 4, crawlDelay: 0.6)
        let dir = try scratchDirectory("spacing")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["site1.test", "site2.test", "site3.test"], in: dir)
        let r = try harvest(site, dir: dir, sites: sites, extra: ["--delay", "0.25"])
        #expect(r.status == 0, "\(r.stderr)")
        let log = try site.log()
        for host in ["site1.test", "site2.test", "site3.test"] {
            let times = log.filter { $0.host == host }.map(\.t).sorted()
            #expect(times.count >= 6)
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            let want = host == "site1.test" ? 0.6 : 0.25  // site1 asks Crawl-delay: 0.6
            #expect(gaps.min()! >= want - 0.002, "\(host): smallest gap \(gaps.min()!) < \(want)")
        }
    }

    @Test func fiftyHostsReachNinetyPercentOfTheRateTheDelaysAllow() throws {
        let site = try FixtureSite(hosts: 50, reports: 5)
        defer { withExtendedLifetime(site) {} }
        let dir = try scratchDirectory("rate")
        defer { removeScratch(dir) }
        let names = (1...50).map { "site\($0).test" }
        // Report URLs known up front (a URL list), so every host always has work queued and the
        // measured rate is the politeness limit itself, not the time to read listing pages.
        let sites = dir + "/urls.txt"
        try names.flatMap { h in (0..<5).map { site.url(h, "/nb/r\($0).html") } }.joined(separator: "\n").write(toFile: sites, atomically: true, encoding: .utf8)
        // The default delay (2 s): at 1 s, fifty pages a second normalized by a debug build fill both
        // cores of a small machine, and the test would measure that, not the scheduler.
        let delay = 2.0
        let r = try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                         "--allow-private", "--delay", String(delay), "--concurrency", "50"] + site.resolveArgs(names))
        #expect(r.status == 0, "\(r.stderr)")
        let log = try site.log()
        var idle: [Double] = []
        for host in names {
            let requests = log.filter { $0.host == host }.sorted { $0.t < $1.t }
            #expect(requests.count == 6)  // robots.txt and five reports
            for (before, after) in zip(requests, requests.dropFirst()) {
                #expect(after.t - before.t >= delay - 0.002, "\(host): two requests \(after.t - before.t) s apart")
                idle.append(after.t - before.end)
            }
        }
        // The delay runs from the end of a reply to the next request (as polite crawlers count it), so
        // the rate it allows is one request per delay of idle time: the harvester must not leave a
        // host idle much longer than that — 90 % of the allowed rate over fifty hosts at once.
        let meanIdle = idle.reduce(0, +) / Double(idle.count)
        print("harvest rate: 50 hosts, mean idle time between a reply and the next request \(meanIdle) s, delay \(delay) s")
        // (No bound on the smallest idle time: the fixture logs a reply's end after its handler returns,
        // a few ms after the client may have it all; the politeness bound is the gap between requests, above.)
        #expect(delay / meanIdle >= 0.9, "mean idle \(meanIdle) s for a delay of \(delay) s")
        let total = Double(log.count) / (log.map(\.t).max()! - log.map(\.t).min()!)
        #expect(total >= 0.9 * 50 / delay * 0.8, "total \(total)/s")  // with start-up and the tail of the run
    }

    @Test func statusSaysWhatEachHostGaveAndWhetherAHarvestRuns() throws {
        let site = try FixtureSite(hosts: 2, reports: 3)
        let dir = try scratchDirectory("status")
        defer { removeScratch(dir) }
        let names = ["site1.test", "site2.test"]
        let sites = try site.sitesFile(names, in: dir)
        let args = ["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                    "--allow-private"] + site.resolveArgs(names)
        #expect(try run(args + ["--delay", "0.05"]).status == 0)
        func status() throws -> [String: Any] {
            let r = try run(["status", "--state", dir + "/state.sqlite", "--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        }
        var s = try status()
        #expect(s["harvest_running"] as? Bool == false)
        let hosts = s["hosts"] as! [[String: Any]]
        #expect(hosts.count == 2)
        for h in hosts {
            // 3 reports + the /private/ link robots.txt forbids; listing pages; robots.txt itself is neither.
            #expect(h["reports"] as? Int == 4 && h["disallowed"] as? Int == 1 && h["normalized"] as? Int == 3 && h["failing"] as? Int == 0, "\(h)")
            #expect((h["captured"] as? Int ?? 0) >= 5, "\(h)")  // robots.txt, listings, 3 reports
        }
        let runs = s["runs"] as! [[String: Any]]
        #expect(runs.count == 1 && runs[0]["state"] as? String == "finished" && (runs[0]["summary"] as? String)?.contains("6 new reports") == true, "\(runs)")
        // A harvest that is running (slowly), then killed: running, then interrupted.
        try site.edit("site1.test", "/nb/r1.html")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nianbaoBinary())
        p.arguments = args + ["--delay", "3"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var sawRunning = false
        for _ in 0..<50 where !sawRunning {
            usleep(100_000)
            s = try status()
            sawRunning = s["harvest_running"] as? Bool == true && (s["runs"] as! [[String: Any]]).first?["state"] as? String == "running"
        }
        #expect(sawRunning)
        let text = try run(["status", "--state", dir + "/state.sqlite"])
        #expect(String(decoding: text.stdout, as: UTF8.self).contains("a harvest is running"))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        s = try status()
        #expect(s["harvest_running"] as? Bool == false)
        #expect((s["runs"] as! [[String: Any]]).first?["state"] as? String == "interrupted")
    }

    @Test func misbehavingServersAreSurvived() throws {
        let site = try FixtureSite(hosts: 1, reports: 1)
        let dir = try scratchDirectory("bad")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["bad.test"], in: dir)
        let r = try harvest(site, dir: dir, sites: sites, extra: ["--timeout", "3", "--max-body-mb", "1", "--retries", "1", "--park-after", "50"])
        #expect(r.status == 1, "\(r.stderr)")
        let summary = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        for reason in ["http_500 1", "timeout 1", "reset 1", "redirect_loop 1", "too_large 2"] where !summary.contains("http_404") {
            #expect(summary.contains(reason), "no \(reason) in: \(summary)")
        }
        // 429 with Retry-After: waited, then fetched.
        let tries = try site.log().filter { $0.host == "bad.test" && $0.path == "/429" }.map(\.t)
        #expect(tries.count == 2 && tries[1] - tries[0] >= 0.99)
        // 500 and the reset were retried once each (--retries 1); a redirect back to itself is a loop at once.
        let log = try site.log()
        #expect(log.filter { $0.path == "/500" }.count == 2)
        // (libcurl itself retries once when a reused keep-alive connection dies before any response.)
        #expect((2...4).contains(log.filter { $0.path == "/reset" }.count))
        #expect(log.filter { $0.path == "/loop" }.count == 1)
        // The page with a wrong charset header still gives a record, flagged; so do /429 after its retry
        // and the chunked, gzipped page (the WARC keeps its chunked framing; digests still verify).
        let records = try FileManager.default.contentsOfDirectory(atPath: dir + "/records")
        #expect(records.count == 3, "\(records)")
        let counts = try captures(in: dir + "/warc")
        #expect(counts[site.url("bad.test", "/chunked")] == 1)
        try expectIndexesMatchCDXJIndexer(dir + "/warc")  // 429, 500, chunked, gzip, wrong charsets
        let texts = try records.map { try String(contentsOfFile: dir + "/records/" + $0, encoding: .utf8) }
        #expect(texts.contains { $0.contains("charset.conflict") })
    }

    @Test func aHostThatKeepsFailingIsParked() throws {
        let site = try FixtureSite(hosts: 1, reports: 1)
        let dir = try scratchDirectory("storm")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["storm.test", "site1.test"], in: dir)
        let r = try harvest(site, dir: dir, sites: sites, extra: ["--retries", "1"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("parked hosts: http://storm.test:\(site.port)"), "\(r.stderr)")
        // Parked after 5 consecutive failures instead of 12 links × 2 attempts; the other host is unaffected.
        let log = try site.log()
        #expect(log.filter { $0.host == "storm.test" && $0.path.hasPrefix("/s") }.count == 5)
        #expect(r.stderr.contains("1 new reports"))
    }

    @Test func maxPagesStopsTheRunAndTheNextRunGoesOn() throws {
        let site = try FixtureSite(hosts: 1, reports: 6)
        let dir = try scratchDirectory("maxpages")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["site1.test"], in: dir)
        let first = try harvest(site, dir: dir, sites: sites, extra: ["--max-pages", "3"])
        #expect(first.stderr.contains("stopped early (limit)"), "\(first.stderr)")
        #expect(try site.log().filter { $0.path != "/robots.txt" }.count == 3)
        let second = try harvest(site, dir: dir, sites: sites)
        #expect(second.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").count == 6)
    }

    /// `--max-pages` and `--deadline` stop the run within one request of the limit (issue 11 item 7):
    /// the queued links are dropped at once, not one `--delay` at a time (30 queued links with
    /// `--delay 1` took 31 s before).
    @Test func limitsStopTheRunWithinOneRequest() throws {
        let site = try FixtureSite(hosts: 1, reports: 30)
        let dir = try scratchDirectory("limits")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["site1.test"], in: dir)
        for limit in [["--max-pages", "3"], ["--deadline", "1.5"]] {
            let started = Date()
            let r = try run(["harvest", "--sites", sites, "--state", dir + "/state-\(limit[0]).sqlite", "--warc-dir", dir + "/warc",
                             "--out", dir + "/records", "--allow-private", "--delay", "1"] + site.resolveArgs(["site1.test"]) + limit)
            let elapsed = Date().timeIntervalSince(started)
            #expect(r.stderr.contains("stopped early (limit)"), "\(limit): \(r.stderr)")
            // max-pages 3 at one request a second: the three pages and robots.txt, about 3 s; the
            // deadline: 1.5 s plus the request in flight.
            #expect(elapsed < 8, "\(limit): \(elapsed) s")
        }
    }

    @Test func privateAddressesAreRefusedUnlessAllowed() throws {
        let site = try FixtureSite(hosts: 1, reports: 1)
        let dir = try scratchDirectory("private")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["site1.test"], in: dir)
        let r = try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                         "--delay", "0"] + site.resolveArgs(["site1.test"]))
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("refused_address"))
        #expect(try site.log().isEmpty)
        // A refused address is said as such, per URL, never as "disallowed by robots.txt".
        #expect(!r.stderr.contains("disallowed by robots.txt"), "\(r.stderr)")
        #expect(r.stderr.contains("nianbao harvest: failed http://site1.test:\(site.port)/nb/index.html: refused_address"), "\(r.stderr)")
    }

    /// A robots.txt that cannot be read is "disallow all", never "allow all" (issue 11 item 8, RFC
    /// 9309): 5 MB long (its first 500 KiB are parsed: `Disallow: /`), an unknown Content-Encoding,
    /// gzip that cannot be decoded. Nothing but robots.txt is fetched from those hosts, and the log says why.
    @Test func anUnreadableRobotsTxtDisallowsEverything() throws {
        let site = try FixtureSite(hosts: 1, reports: 1)
        let dir = try scratchDirectory("robots")
        defer { removeScratch(dir) }
        let hostile = ["robots-big.test", "robots-enc.test", "robots-gzbad.test"]
        let sites = try site.sitesFile(hostile, in: dir)
        let r = try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                         "--allow-private", "--delay", "0.05"] + site.resolveArgs(hostile))
        let fetched = try site.log().filter { !$0.path.hasPrefix("/__") }
        #expect(fetched.allSatisfy { $0.path == "/robots.txt" }, "\(fetched.map { "\($0.host)\($0.path)" })")
        #expect(Set(fetched.map(\.host)) == Set(hostile))
        #expect(r.stderr.contains("3 disallowed by robots.txt"), "\(r.stderr)")
        #expect(r.stderr.contains("nianbao harvest: robots.txt http://robots-enc.test:\(site.port)/robots.txt could not be decoded"), "\(r.stderr)")
        #expect(r.stderr.contains("nianbao harvest: robots.txt http://robots-gzbad.test:\(site.port)/robots.txt could not be decoded"), "\(r.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir + "/records"))?.isEmpty ?? true)
    }

    /// Failure reasons say what happened (issue 11): a status line that is not one is `bad_response`
    /// (not `protocol_not_allowed`), 10 MB of headers `headers_too_large` (not `reset`); one line per URL.
    @Test func failureReasonsSayWhatHappened() throws {
        let site = try FixtureSite(hosts: 1, reports: 1)
        let dir = try scratchDirectory("reasons")
        defer { removeScratch(dir) }
        let sites = try site.sitesFile(["raw.test"], in: dir)
        let r = try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                         "--allow-private", "--delay", "0.05", "--retries", "0"] + site.resolveArgs(["raw.test"]))
        #expect(r.stderr.contains("nianbao harvest: failed http://raw.test:\(site.port)/bogus-status: bad_response"), "\(r.stderr)")
        #expect(r.stderr.contains("nianbao harvest: failed http://raw.test:\(site.port)/huge-headers: headers_too_large"), "\(r.stderr)")
        #expect(!r.stderr.contains("protocol_not_allowed") && !r.stderr.contains("reset"), "\(r.stderr)")
    }

    @Test func aSecondRunWaitsForNoneAndSaysSo() throws {
        let dir = try scratchDirectory("lock")
        defer { removeScratch(dir) }
        let sites = dir + "/urls.txt"
        try "http://example.invalid/report.html\n".write(toFile: sites, atomically: true, encoding: .utf8)
        let fd = open(dir + "/state.sqlite.lock", O_CREAT | O_RDWR, 0o644)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let r = try run(["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc"])
        #expect(r.status == 75)
        #expect(r.stderr.contains("another harvest is running"))
        let bad = try run(["harvest", "--sites", dir + "/missing.json"])
        #expect(bad.status == 2)
    }

    /// Records written during a run that is killed (kill -9) or stopped (SIGTERM) reach every sink
    /// (issue 11 item 1): a sink's loads are marked in the state only after it commits, and the next
    /// run loads what is on disk and unmarked first. SIGTERM stops the run cleanly: exit status 3, and
    /// what was written is committed before the process ends. Records on disk = rows in every sink.
    @Test func sinksLoseNothingWhenARunIsKilledOrStopped() throws {
        let site = try FixtureSite(hosts: 4, reports: 40)
        let dir = try scratchDirectory("sinkkill")
        defer { removeScratch(dir) }
        let names = ["site1.test", "site2.test", "site3.test", "site4.test"]
        let sites = try site.sitesFile(names, in: dir)
        let args = ["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                    "--sink", "sqlite:\(dir)/db.sqlite", "--sink", "ndjson:\(dir)/h.ndjson",
                    "--allow-private", "--delay", "0.02", "--concurrency", "4"] + site.resolveArgs(names)
        func onDisk() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) })
        }
        func inDatabase() throws -> Set<String> {
            guard FileManager.default.fileExists(atPath: dir + "/db.sqlite") else { return [] }
            let (status, out) = try runPython(["-c", "import sqlite3,sys; print('\\n'.join(r[0] for r in sqlite3.connect(sys.argv[1]).execute('select distinct report_id from reports')))", dir + "/db.sqlite"])
            #expect(status == 0, "\(out)")
            return Set(out.split(separator: "\n").map(String.init).filter { !$0.isEmpty })
        }
        func inNDJSON() throws -> [String] {
            guard let text = try? String(contentsOfFile: dir + "/h.ndjson", encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
            }
        }
        var rng = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let term = round % 2 == 1
            let p = try runAndSignal(args, afterMicroseconds: Int.random(in: 200_000...1_200_000, using: &rng), term ? SIGTERM : SIGKILL)
            if term && p.terminationReason == .exit {
                // Stopped cleanly: everything written is already in every sink.
                #expect(p.terminationStatus == 3 || p.terminationStatus == 0)
                let disk = try onDisk()
                #expect(try inDatabase() == disk, "round \(round)")
                #expect(Set(try inNDJSON()) == disk, "round \(round)")
            }
        }
        let last = try run(args)
        #expect(last.status == 0, "\(last.stderr)")
        let disk = try onDisk()
        #expect(disk.count == 160)
        #expect(try inDatabase() == disk)
        let nd = try inNDJSON()
        #expect(Set(nd) == disk)
        // Every record is there (checked above); a kill -9 in the instant between a file sink's rename
        // and the state's mark would append that run's records once more on the next run, never fewer.
        #expect(nd.count >= disk.count, "\(nd.count) lines for \(disk.count) records")
    }

    @Test func killNineAtRandomMomentsLosesAndDuplicatesNothing() throws {
        let site = try FixtureSite(hosts: 4, reports: 50)
        let dir = try scratchDirectory("kill")
        defer { removeScratch(dir) }
        let names = ["site1.test", "site2.test", "site3.test", "site4.test"]
        let sites = try site.sitesFile(names, in: dir)
        let args = ["harvest", "--sites", sites, "--state", dir + "/state.sqlite", "--warc-dir", dir + "/warc", "--out", dir + "/records",
                    "--allow-private", "--delay", "0.01", "--concurrency", "4"] + site.resolveArgs(names)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            _ = try runAndSignal(args, afterMicroseconds: Int.random(in: 50_000...900_000, using: &rng), SIGKILL)
        }
        let last = try run(args)
        #expect(last.status == 0, "\(last.stderr)")
        let counts = try captures(in: dir + "/warc")
        let reports = counts.filter { $0.key.contains("/nb/r") }
        #expect(reports.count == 200)
        #expect(reports.values.allSatisfy { $0 == 1 }, "\(reports.filter { $0.value != 1 })")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").filter { $0.hasSuffix(".json") }.count == 200)
        // The killed runs' indexes were rewritten from their (repaired) WARC files.
        try expectIndexesMatchCDXJIndexer(dir + "/warc")
    }
}
