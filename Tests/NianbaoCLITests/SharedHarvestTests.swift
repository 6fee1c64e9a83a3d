import Foundation
import NianbaoTestSupport
import Testing

/// The PostgreSQL server scripts/test.sh starts (none: these tests are skipped).
let sharedStateServer = ProcessInfo.processInfo.environment["NIANBAO_TEST_PG_URL"]

/// psql from the test server's own bin directory (scripts/pg-test-server.sh installs it there).
func psql(_ url: String, _ sql: String) throws -> String {
    let (status, out) = try runPython(["-c", """
    import glob, subprocess, sys
    psql = sorted(glob.glob('/usr/lib/postgresql/*/bin/psql'))[-1]
    r = subprocess.run([psql, sys.argv[1], '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', sys.argv[2]], capture_output=True, text=True)
    sys.stdout.write(r.stdout + r.stderr)
    sys.exit(r.returncode)
    """, url, sql])
    guard status == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: out]) }
    return out.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A new, empty database on the test server; returns its URL.
func newTestDatabase(_ label: String) throws -> String {
    let base = try #require(sharedStateServer)
    let name = "nianbao_\(label)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12))"
    _ = try psql(base, "CREATE DATABASE \(name)")
    return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
}

/// Starts `nianbao` with each argument list at once; returns the processes and their stderr pipes.
func startAll(_ argLists: [[String]]) throws -> [(Process, Pipe)] {
    try argLists.map { args in
        let p = Process()
        p.executableURL = URL(fileURLWithPath: nianbaoBinary())
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }
}

/// Waits for the processes; returns (status, stderr) of each.
func waitAll(_ procs: [(Process, Pipe)]) -> [(Int32, String)] {
    procs.map { p, err in
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
}

/// One crawl of the tests: fixture sites site1.test … siteN.test, a scratch directory (removed with
/// it), a new database for the shared state, and a sites file naming the sites' listings.
final class SharedCrawl {
    let site: FixtureSite
    let names: [String]
    let dir: String
    let state: String
    let sites: String

    /// New fixture sites of `hosts` hosts, or the given ones (`hosts` of them in the sites file).
    init(_ label: String, hosts: Int, reports: Int = 0, latency: Double = 0, site given: FixtureSite? = nil) throws {
        site = try given ?? FixtureSite(hosts: hosts, reports: reports, latency: latency)
        names = (1...hosts).map { "site\($0).test" }
        dir = try scratchDirectory("shared\(label)")
        state = try newTestDatabase(label)
        sites = try site.sitesFile(names, in: dir)
    }

    deinit { removeScratch(dir) }

    /// Arguments of one worker: WARC files in `<dir>[/under]/warc` (or `warcDir`), records in `<dir>[/under]/records`.
    func args(worker: String, delay: Double, concurrency: Int, under: String? = nil, warcDir: String? = nil, extra: [String] = []) -> [String] {
        let base = under.map { dir + "/" + $0 } ?? dir
        return ["harvest", "--sites", sites, "--state", state, "--warc-dir", warcDir ?? base + "/warc", "--out", base + "/records", "--allow-private",
                "--delay", String(delay), "--concurrency", String(concurrency), "--worker", worker] + site.resolveArgs(names) + extra
    }
}

/// Several workers, one crawl (issue 15): harvest workers sharing a PostgreSQL state.
@Suite(.serialized, .enabled(if: sharedStateServer != nil, "needs the PostgreSQL test server (scripts/test.sh starts one)"))
struct SharedHarvestTests {
    @Test func fourWorkersKeepEachHostsDelayAndCaptureWhatOneWorkerDoesThreeTimesFaster() throws {
        // A slow server (0.2 s a reply) and two requests in flight per worker: one worker's rate is
        // bounded by its concurrency, so four workers may go four times as fast; 52 hosts ≥ 4 × 4 × 2.
        let site = try FixtureSite(hosts: 52, reports: 3, latency: 0.2)
        defer { withExtendedLifetime(site) {} }
        let names = (1...52).map { "site\($0).test" }
        let delay = 0.5
        var wall: [Int: Double] = [:]
        var capturedURLs: [Int: Set<String>] = [:]
        var window: [Int: (Double, Double)] = [:]
        for workers in [1, 4] {
            let crawl = try SharedCrawl("w\(workers)", hosts: 52, site: site)
            defer { withExtendedLifetime(crawl) {} }
            let (dir, state) = (crawl.dir, crawl.state)
            let start = Date()
            let results = waitAll(try startAll((0..<workers).map { crawl.args(worker: "w\($0)", delay: delay, concurrency: 2) }))
            wall[workers] = Date().timeIntervalSince(start)
            window[workers] = (start.timeIntervalSince1970, Date().timeIntervalSince1970)
            for (status, err) in results { #expect(status == 0, "\(err)") }
            let counts = try captures(in: dir + "/warc")
            #expect(counts.values.allSatisfy { $0 == 1 }, "captured more than once: \(counts.filter { $0.value > 1 })")
            capturedURLs[workers] = Set(counts.keys)
            // Each worker wrote its own WARC file, its name in the file name.
            let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/warc").filter { $0.hasSuffix(".warc.gz") }
            for w in 0..<workers { #expect(files.contains { $0.contains("-w\(w)-") }, "\(files)") }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").filter { $0.hasSuffix(".json") }.count == 52 * 3)
            if workers == 4 {
                // What the operator sees: four finished workers, a finished round, the fetches of all.
                let r = try run(["status", "--state", state, "--format", "json"])
                let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
                let ws = try #require(json["workers"] as? [[String: Any]])
                #expect(ws.count == 4 && ws.allSatisfy { $0["state"] as? String == "finished" && $0["leases"] as? Int == 0 })
                #expect(ws.map { $0["fetched"] as? Int ?? 0 }.reduce(0, +) == 52 * 6)
                let perSite = try #require(json["sites"] as? [[String: Any]])
                #expect(perSite.count == 52 && perSite.allSatisfy { $0["reports"] as? Int == 4 && $0["listings"] as? Int == 2 && $0["done"] as? Int == 6 })
                let round = try #require(json["round"] as? [String: Any])
                #expect(round["finished"] as? Bool == true && round["pending"] as? Int == 0 && round["leased"] as? Int == 0)
                let text = try run(["status", "--state", state])
                #expect(String(decoding: text.stdout, as: UTF8.self).contains("workers (newest first)"))
            }
        }
        // The same captures (robots.txt, two listing pages, three reports per host) with four workers as with one.
        #expect(capturedURLs[1] == capturedURLs[4] && (capturedURLs[1]?.count ?? 0) == 52 * 6)
        // Per host, measured at the server over both runs: no two requests closer than the delay.
        let log = try site.log()
        var closest = Double.infinity
        for host in names {
            for (_, w) in window {
                let requests = log.filter { $0.host == host && $0.t >= w.0 && $0.t <= w.1 }.sorted { $0.t < $1.t }
                #expect(requests.count == 6, "\(host): \(requests.count) requests")
                for (a, b) in zip(requests, requests.dropFirst()) { closest = min(closest, b.t - a.t) }
            }
        }
        #expect(closest >= delay - 0.002, "two requests to one host \(closest) s apart")
        let speedup = wall[1]! / wall[4]!
        print("shared harvest: 1 worker \(wall[1]!) s, 4 workers \(wall[4]!) s, speed-up \(speedup), closest requests to one host \(closest) s (delay \(delay) s)")
        #expect(speedup >= 3, "4 workers \(speedup)× one")
    }

    @Test func aWorkerFindsTheLinksOfAListingAnotherWorkerCapturedWhereverThatCopyIs() throws {
        let crawl = try SharedCrawl("elsewhere", hosts: 2, reports: 6)
        // Reports discovered and done in the newest round.
        let found = """
            SELECT count(*) FROM nianbao_harvest.frontier WHERE kind = 'report' AND status = 'done'
              AND round_id = (SELECT max(round_id) FROM nianbao_harvest.rounds)
            """
        func reportsFound() throws -> String { try psql(crawl.state, found) }
        func frontier() throws -> String {
            try psql(crawl.state, "SELECT kind || ' ' || status || ' ' || round_id || ': ' || count(*) FROM nianbao_harvest.frontier GROUP BY kind, status, round_id")
        }
        let first = try run(crawl.args(worker: "a", delay: 0.05, concurrency: 2, warcDir: crawl.dir + "/warc-a"))
        #expect(first.status == 0, "\(first.stderr)")
        let all = try reportsFound()
        #expect(Int(all) ?? 0 >= 12, "\((try? frontier()) ?? "")")
        // The next round by a worker with its own WARC directory: the listings answer 304 (unchanged),
        // their copies are in a's directory, and their links are found there.
        let b = crawl.args(worker: "b", delay: 0.05, concurrency: 2, warcDir: crawl.dir + "/warc-b")
        let second = try run(b)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try psql(crawl.state, "SELECT count(*) FROM nianbao_harvest.rounds") == "2")
        #expect(try reportsFound() == all, "\((try? frontier()) ?? "")")
        #expect(second.stderr.contains("not modified"), "\(second.stderr)")
        // a's directory out of reach (another machine's): the listings are asked for whole, and their links found.
        try FileManager.default.moveItem(atPath: crawl.dir + "/warc-a", toPath: crawl.dir + "/elsewhere")
        let third = try run(b)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try psql(crawl.state, "SELECT count(*) FROM nianbao_harvest.rounds") == "3")
        #expect(try reportsFound() == all, "\((try? frontier()) ?? "")")
    }

    @Test func aWorkerKilledAtRandomLosesItsLeasesAndNothingIsCapturedOrLoadedTwice() throws {
        let site = try FixtureSite(hosts: 6, reports: 20, latency: 0.03)
        defer { withExtendedLifetime(site) {} }
        var rng = SystemRandomNumberGenerator()
        var recoveredByOthers = 0
        for attempt in 0..<5 {
            let crawl = try SharedCrawl("kill\(attempt)", hosts: 6, site: site)
            defer { withExtendedLifetime(crawl) {} }
            let (dir, state) = (crawl.dir, crawl.state)
            // Records into the same database (its own schema), a sink every worker loads into; one --out;
            // a WARC directory per worker (the one recovering reads the dead one's where it was).
            let args = (0..<3).map {
                crawl.args(worker: "k\($0)", delay: 0.1, concurrency: 2, warcDir: dir + "/warc-k\($0)", extra: ["--lease", "1", "--sink", state])
            }
            let procs = try startAll(args)
            // A random moment at which the worker holds leases (so the others cannot end the round
            // without taking them over).
            usleep(useconds_t(Int.random(in: 300_000...2_000_000, using: &rng)))
            try pauseHoldingLeases(procs[0].0, worker: "k0", state: state)
            kill(procs[0].0.processIdentifier, SIGKILL)
            let results = waitAll(procs)
            for (status, err) in results.dropFirst() { #expect(status == 0, "\(err)") }
            if results.dropFirst().contains(where: { $0.1.contains("stopped answering; recovered") }) { recoveredByOthers += 1 }
            // The next run (cron's next call) recovers a worker that died after the others had finished.
            sleep(2)
            let last = try run(args[1])
            #expect(last.status == 0, "\(last.stderr)")
            var counts: [String: Int] = [:]
            for k in 0..<3 where (try? FileManager.default.contentsOfDirectory(atPath: dir + "/warc-k\(k)"))?.contains(where: { $0.hasSuffix(".warc.gz") }) == true {
                counts.merge(try captures(in: dir + "/warc-k\(k)")) { $0 + $1 }
                try expectIndexesMatchCDXJIndexer(dir + "/warc-k\(k)")
            }
            let reports = counts.filter { $0.key.contains("/nb/r") }
            #expect(reports.count == 6 * 20, "attempt \(attempt): \(reports.count) reports captured")
            #expect(reports.values.allSatisfy { $0 == 1 }, "attempt \(attempt): \(reports.filter { $0.value != 1 })")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/records").filter { $0.hasSuffix(".json") }.count == 6 * 20)
            // Every record loaded once: one version of each report (a second load of the same record
            // would be counted unchanged; a record made twice from one capture would be a second version).
            let loaded = try psql(state, "SELECT count(DISTINCT report_id) || ' ' || count(*) FROM reports")
            #expect(loaded == "120 120", "attempt \(attempt): reports, versions: \(loaded)")
            #expect(try psql(state, "SELECT count(*) FROM nianbao_harvest.runs WHERE finished IS NULL") == "0")
            // The three workers worked side by side in one round (a sink's load does not make them wait for each other's runs).
            #expect(try psql(state, "SELECT count(DISTINCT round_id) FROM nianbao_harvest.runs WHERE run_id <= 3") == "1")
        }
        #expect(recoveredByOthers == 5, "in \(recoveredByOthers) of 5 runs the live workers recovered the killed one")
    }

    @Test func statusSaysAWorkerIsDeadUntilAnotherRecoversIt() throws {
        let crawl = try SharedCrawl("dead", hosts: 2, reports: 30, latency: 0.05)
        defer { withExtendedLifetime(crawl) {} }
        let (dir, state) = (crawl.dir, crawl.state)
        let args = crawl.args(worker: "gone", delay: 0.1, concurrency: 2, extra: ["--lease", "1"])
        _ = try runAndSignal(args, afterMicroseconds: 1_500_000, SIGKILL)
        func workers() throws -> [[String: Any]] {
            let r = try run(["status", "--state", state, "--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
            #expect(json["harvest_running"] as? Bool == false)
            return try #require(json["workers"] as? [[String: Any]])
        }
        sleep(2)
        let dead = try workers()
        #expect(dead.count == 1 && dead[0]["worker"] as? String == "gone" && dead[0]["state"] as? String == "dead", "\(dead)")
        #expect((dead[0]["fetched"] as? Int ?? 0) > 0)
        // The next worker recovers it, then does the rest of the round.
        var next = args
        next[next.firstIndex(of: "gone")!] = "next"
        let r = try run(next)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("stopped answering; recovered"), "\(r.stderr)")
        let after = try workers()
        #expect(after.count == 2 && after.allSatisfy { $0["state"] as? String == "finished" && $0["leases"] as? Int == 0 }, "\(after)")
        #expect(try psql(state, "SELECT summary FROM nianbao_harvest.runs WHERE worker = 'gone'").hasPrefix("interrupted"))
        #expect(try captures(in: dir + "/warc").filter { $0.key.contains("/nb/r") }.values.sorted() == Array(repeating: 1, count: 60))
    }

    /// Stops a worker (SIGSTOP) at a moment when it holds a lease and has captured something.
    func pauseHoldingLeases(_ p: Process, worker: String, state: String) throws {
        for _ in 0..<200 {
            kill(p.processIdentifier, SIGSTOP)
            // (Before the worker has made the schema, the query fails: nothing held yet.)
            let held = (try? psql(state, """
                SELECT count(*) FROM nianbao_harvest.frontier f JOIN nianbao_harvest.runs r ON f.lease_owner = r.run_id
                WHERE r.worker = '\(worker)' AND f.status = 'leased'
                  AND EXISTS (SELECT 1 FROM nianbao_harvest.urls u WHERE u.warc LIKE '%-\(worker)-%')
                """)) ?? "0"
            if (Int(held) ?? 0) > 0 { return }
            kill(p.processIdentifier, SIGCONT)
            usleep(50_000)
        }
        Issue.record("\(worker) never held a lease with a capture made")
    }

    @Test func aPausedWorkerOnThisMachineKeepsItsLeasesAndGoesOnWhenResumed() throws {
        let crawl = try SharedCrawl("pause", hosts: 2, reports: 30, latency: 0.05)
        defer { withExtendedLifetime(crawl) {} }
        let (dir, state) = (crawl.dir, crawl.state)
        let args = { (w: String) in crawl.args(worker: w, delay: 0.1, concurrency: 2, extra: ["--lease", "1"]) }
        let paused = try startAll([args("paused")])
        try pauseHoldingLeases(paused[0].0, worker: "paused", state: state)
        let other = try startAll([args("other")])
        // Silent for longer than its lease, but its WARC file is still locked by a live process:
        // the other worker does all the rest and waits for the paused worker's URLs.
        sleep(5)
        #expect(other[0].0.isRunning)
        #expect(try psql(state, "SELECT count(*) FROM nianbao_harvest.runs WHERE worker = 'paused' AND taken_by IS NULL AND finished IS NULL") == "1")
        kill(paused[0].0.processIdentifier, SIGCONT)
        for (status, err) in waitAll(paused + other) { #expect(status == 0, "\(err)") }
        #expect(try captures(in: dir + "/warc").filter { $0.key.contains("/nb/r") }.values.sorted() == Array(repeating: 1, count: 60))
    }

    @Test func aWorkerCutOffLongerThanItsLeaseLosesItAndCapturesNothingMore() throws {
        let crawl = try SharedCrawl("cut", hosts: 2, reports: 30, latency: 0.05)
        defer { withExtendedLifetime(crawl) {} }
        let (dir, state) = (crawl.dir, crawl.state)
        // Two machines: the far one's WARC directory is not on this one (its run says another machine
        // and a directory that does not exist here).
        let far = crawl.args(worker: "far", delay: 0.1, concurrency: 2, under: "far", extra: ["--lease", "1"])
        let near = crawl.args(worker: "near", delay: 0.1, concurrency: 2, under: "near", extra: ["--lease", "1"])
        let cut = try startAll([far])
        try pauseHoldingLeases(cut[0].0, worker: "far", state: state)
        _ = try psql(state, "UPDATE nianbao_harvest.runs SET machine = 'far-away', warc_dir = '/far-away/warc' WHERE worker = 'far'")
        // After three lease times the near worker releases the far one's URLs without its file and
        // finishes the round.
        let r = try run(near)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("was not readable here"), "\(r.stderr)")
        kill(cut[0].0.processIdentifier, SIGCONT)
        let (status, err) = waitAll(cut)[0]
        #expect(status == 1 && err.contains("another worker took over its URLs") && err.contains("lease_lost 1"), "\(status) \(err)")
        var all: [String: Int] = [:]
        for d in ["/far/warc", "/near/warc"] { all.merge(try captures(in: dir + d)) { $0 + $1 } }
        let reports = all.filter { $0.key.contains("/nb/r") }
        #expect(reports.count == 60 && reports.values.allSatisfy { $0 == 1 }, "\(reports.filter { $0.value != 1 })")
    }

    @Test func aWorkerAtItsPageLimitLeavesWhatItFoundToTheOthers() throws {
        let crawl = try SharedCrawl("limit", hosts: 3, reports: 4)
        defer { withExtendedLifetime(crawl) {} }
        let (dir, state) = (crawl.dir, crawl.state)
        let first = try run(crawl.args(worker: "short", delay: 0.05, concurrency: 1,
                                       extra: ["--max-pages", "2"]))
        #expect(first.status == 0 && first.stderr.contains("stopped early (limit)"), "\(first.stderr)")
        // The round stays open with what the first worker found; the next worker joins it and finishes it.
        #expect(try psql(state, "SELECT count(*) FROM nianbao_harvest.frontier WHERE status = 'pending' AND kind = 'report'") != "0")
        let second = try run(crawl.args(worker: "rest", delay: 0.05, concurrency: 2))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try psql(state, "SELECT count(*) || ' ' || count(finished) FROM nianbao_harvest.rounds") == "1 1")
        let reports = try captures(in: dir + "/warc").filter { $0.key.contains("/nb/r") }
        #expect(reports.count == 12 && reports.values.allSatisfy { $0 == 1 }, "\(reports)")
    }

    @Test func twoWorkersStartedAtOnceOnAnEmptyDatabaseMigrateItOnce() throws {
        let crawl = try SharedCrawl("start", hosts: 3, reports: 4)
        defer { withExtendedLifetime(crawl) {} }
        let (dir, state) = (crawl.dir, crawl.state)
        let results = waitAll(try startAll((0..<2).map {
            crawl.args(worker: "s\($0)", delay: 0.05, concurrency: 2)
        }))
        for (status, err) in results {
            #expect(status == 0, "\(err)")
            #expect(!err.contains("error"), "\(err)")
        }
        #expect(try psql(state, "SELECT count(*) FROM nianbao_harvest.migrations") == "1")
        #expect(try psql(state, "SELECT count(*) FROM nianbao_harvest.rounds") == "1")
        #expect(try captures(in: dir + "/warc").filter { $0.key.contains("/nb/r") }.count == 12)
    }
}
