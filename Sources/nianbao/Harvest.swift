import ArgumentParser
import Foundation
import NianbaoFetch
import NianbaoPipeline
import NianbaoStore
import NianbaoEncode
import NianbaoSQL

/// Exit status when another harvest holds the lock (sysexits EX_TEMPFAIL: try again later).
let exitLocked: Int32 = 75
/// Exit status when SIGTERM or SIGINT stopped the run: what was in hand was finished, flushed and loaded.
let exitStopped: Int32 = 3

struct Harvest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch new and changed report pages politely into WARC captures and normalize them.",
        discussion: """
        Reads a sites file (JSON with listing pages per site, or a plain list of report URLs), \
        follows the listings' pagination, finds report links, and fetches them with conditional \
        requests (ETag / Last-Modified from the state file). robots.txt is obeyed (Disallow, Allow, \
        Crawl-delay); one request at a time per host with --delay between them; 429/503 Retry-After \
        honoured; timeouts, resets and 5xx retried with exponential backoff and jitter; a host that \
        keeps failing is parked for the rest of the run. Every new payload is stored as WARC \
        request/response/metadata records (one gzip member each) in --warc-dir, and each new or \
        changed report page is normalized into --out (and any --sink).

        A lock (<state>.lock) keeps two runs from overlapping. A killed run is safe to re-run: a \
        partial WARC record is cut back and captures the state missed are recovered.

        Several workers (processes, machines): give each the same --state postgres://… and sites \
        file. They share the frontier, per-host politeness (one request at a time per host, --delay \
        apart, over all workers) and leases in the database; each writes its own WARC file (worker \
        name in it). A worker silent for --lease seconds is dead: another reads its WARC file back \
        (when it can see it), and its URLs go back to the others. See nianbao status.

        Exit status: 0 all went well; 1 some URLs failed (see the summary line); 2 nothing could be \
        fetched, or the run could not start; 3 stopped by SIGTERM/SIGINT (what was in hand was \
        finished, written and loaded into every sink); 75 another harvest is running; 64 bad usage. \
        Records a sink has not committed (a killed run's) are loaded into it by the next run.
        Crontab: 17 3 * * * cd /srv/nianbao && nianbao harvest --sites sites.json >> harvest.log 2>&1
        """
    )

    @Option(help: "Sites file: JSON {\"sites\": [{\"listings\": [...], \"report_patterns\": [...]}], \"urls\": [...]} or one URL per line.")
    var sites: String

    @Option(help: "Harvest state: a SQLite file (one harvest at a time), or postgres://… shared by several workers.")
    var state = "nianbao-state.sqlite"

    @Option(help: "With a PostgreSQL state: this worker's name, in its WARC file names and nianbao status (default: host name and process id).")
    var worker: String?

    @Option(help: "With a PostgreSQL state: seconds without a heartbeat after which a worker counts as dead and others take over its URLs.")
    var lease: Double = 60

    @Option(name: .customLong("warc-dir"), help: "Directory of the WARC captures (one new file per run).")
    var warcDir = "warc"

    @Option(help: "Directory of the records of new and changed reports.")
    var out = "records"

    @Option(name: .customLong("sink"), help: "Also load new records into a sink (repeatable): sqlite:PATH, postgres://…, ndjson:PATH|-, csv:PATH, csv-long:PATH, or a file named .sqlite/.ndjson/.csv/.long.csv.")
    var sinks: [String] = []

    @Flag(help: "Replace the files of ndjson, csv and csv-long sinks instead of appending to them (they are appended to by default).")
    var replaceFiles = false

    @Option(help: "Seconds between two requests to one host (raised by robots.txt Crawl-delay).")
    var delay: Double = 2

    @Option(help: "Requests in flight over all hosts.")
    var concurrency: Int = 8

    @Option(name: .customLong("max-pages"), help: "Stop after this many page fetches.")
    var maxPages: Int?

    @Option(help: "Seconds after which no new request starts.")
    var deadline: Double?

    @Option(help: "Retries of a URL after timeouts, resets and 5xx.")
    var retries: Int = 3

    @Option(name: .customLong("park-after"), help: "Consecutive failures after which a host is parked for the rest of the run.")
    var parkAfter: Int = 5

    @Option(help: "First retry backoff in seconds (doubles each retry, ±25% jitter).")
    var backoff: Double = 2

    @Option(help: "Seconds for one request.")
    var timeout: Int = 60

    @Option(name: .customLong("max-body-mb"), help: "Largest response body, in MiB.")
    var maxBodyMB: Int = 20

    @Option(name: .customLong("user-agent"), help: "User-Agent (name the tool, its version and a contact URL).")
    var userAgent: String?

    @Option(help: "Proxy URL (default: the http_proxy / https_proxy environment variables).")
    var proxy: String?

    @Flag(name: .customLong("allow-private"), help: "Allow private, loopback and link-local addresses (for local test sites).")
    var allowPrivate = false

    @Option(help: "Fixed resolution HOST:PORT:ADDRESS, like curl --resolve (repeatable).")
    var resolve: [String] = []

    func validate() throws {
        guard lease >= 1 else { throw ValidationError("--lease must be at least 1 second") }
        guard delay >= 0, backoff >= 0, parkAfter >= 1, concurrency >= 1, concurrency <= 256, retries >= 0, timeout >= 1, maxBodyMB >= 1 else {
            throw ValidationError("--delay ≥ 0, --concurrency 1…256, --retries ≥ 0, --timeout ≥ 1, --max-body-mb ≥ 1")
        }
        for s in sinks { do { _ = try SinkSpec(parsing: s) } catch { throw ValidationError("\(error)") } }
        if replaceFiles && PostgresConnection.isURL(state) {
            throw ValidationError("--replace-files cannot be used with a shared (PostgreSQL) state: the workers would replace each other's files")
        }
        for r in resolve where r.split(separator: ":").count < 3 { throw ValidationError("--resolve takes HOST:PORT:ADDRESS (got \(r))") }
    }

    func run() throws {
        let sitesFile: SitesFile
        do { sitesFile = try SitesFile.load(path: sites) } catch {
            stderr("nianbao: error: \(error)")
            throw ExitCode(2)
        }
        // One run at a time on a SQLite state; a PostgreSQL state coordinates its workers itself.
        let shared = PostgresConnection.isURL(state)
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        if !shared {
            let lockPath = state + ".lock"
            fd = open(lockPath, O_CREAT | O_RDWR, 0o644)
            guard fd >= 0 else { stderr("nianbao: error: \(lockPath): cannot open the lock file"); throw ExitCode(2) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                stderr("nianbao: another harvest is running (lock \(lockPath) is held); nothing done")
                throw ExitCode(exitLocked)
            }
        }
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            stderr("nianbao: error: \(out): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        // A sink's load is one transaction that other loads wait for: a worker of a shared crawl loads at
        // the end of its run (from --out), so that workers do not wait for each other's whole runs.
        var sessions = shared ? [] : try openSinks(sinks, replaceFiles: replaceFiles, failure: ExitCode(2))
        var options = HarvestOptions(statePath: state, warcDirectory: warcDir)
        options.client.connectTimeout = min(timeout, 10)
        options.client.totalTimeout = timeout
        options.client.maxBodyBytes = maxBodyMB << 20
        options.client.proxy = proxy
        options.client.allowPrivate = allowPrivate
        options.client.resolve = resolve
        if let ua = userAgent { options.client.userAgent = ua }
        options.politeness.hostDelay = delay
        options.politeness.globalConcurrency = concurrency
        options.politeness.maxRetries = retries
        options.politeness.backoffBase = backoff
        options.politeness.parkAfter = parkAfter
        options.maxPages = maxPages
        options.deadline = deadline
        options.workerName = worker
        options.leaseSeconds = lease
        Pipeline.initialize()
        let outDir = out
        // What each sink committed in this run: noted in the state once the sink has committed.
        var loadedBySink = LoadedRecords(count: sessions.count)
        // Temporary files of a run that was killed before its renames.
        let stale = AtomicFile.removeStaleTemporaries(in: outDir)
        if stale > 0 { stderr("nianbao: \(outDir): removed \(stale) temporary file(s) a killed run left behind") }
        let sinkLock = NSLock()
        let liveSessions = sessions
        let progress = isatty(2) == 1
        let harvester: Harvester
        do {
            harvester = try Harvester(options: options, log: { line in
                if !progress { stderr(line) }
            }, onReport: { page in
                let record: NormalizedRecord
                do {
                    record = try Pipeline.normalize(bytes: page.payload, name: page.url, sidecar: Sidecar(url: page.url, retrievedAt: page.retrievedAt, contentType: page.contentType),
                                                    capture: (warc: page.warc, offset: page.offset))
                } catch let e as PipelineError {
                    switch e {
                    case .notAReport: return .failure(Harvester.HarvestFailureReason("not_a_report"))
                    default: return .failure(Harvester.HarvestFailureReason("undecodable"))
                    }
                } catch {
                    return .failure(Harvester.HarvestFailureReason("normalize"))
                }
                do { try AtomicFile.write(record.bytes, to: outDir + "/" + record.id + ".json") } catch {
                    return .failure(Harvester.HarvestFailureReason("write"))
                }
                sinkLock.lock()
                defer { sinkLock.unlock() }
                if let loadable = try? LoadableRecord(record: record.record) {
                    for (k, s) in liveSessions.enumerated() where (try? s.add(loadable)) != nil { loadedBySink.append(k, loadable) }
                }
                return .success(record.id)
            })
        } catch {
            stderr("nianbao: error: \(error)")
            throw ExitCode(2)
        }
        if progress {
            // On a terminal: one line redrawn in place.
            harvester.progress = { s, pending in
                let line = "\r\u{1B}[K\(s.fetched) fetched, \(pending) queued, \(s.newReports) new, \(s.changedReports) changed, \(s.notModified) not modified, \(s.failures.values.reduce(0, +)) failures"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        // Records on disk that a sink never committed (a run killed before its sinks committed): loaded first.
        for (k, session) in sessions.enumerated() {
            do {
                let n = try loadUncommitted(from: outDir, into: session, marks: harvester.harvestState.loadedDigests(sink: session.spec.description)) {
                    loadedBySink.append(k, $0)
                }
                if n > 0 { stderr("nianbao: \(session.spec): \(n) record(s) of earlier runs that it had not committed are loaded now") }
            } catch {
                stderr("nianbao: error: \(session.spec): \(error)")
            }
        }
        // SIGTERM and SIGINT (cron's timeout, systemd, ^C): stop taking work, finish what is in hand,
        // commit the sinks, then exit with status 3.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let signalSources = [SIGTERM, SIGINT].map { sig -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { harvester.requestStop() }
            source.resume()
            return source
        }
        defer { signalSources.forEach { $0.cancel() } }
        let summary: HarvestSummary
        do { summary = try harvester.run(sitesFile) } catch {
            sessions.forEach { $0.abandon() }
            stderr("nianbao: error: \(error)")
            throw ExitCode(2)
        }
        AtomicFile.syncDirectory(outDir)
        if shared {
            // This run's records, and those of a dead worker sharing --out that no sink committed (loads
            // are idempotent: a record a sink already has is counted unchanged).
            sessions = try openSinks(sinks, replaceFiles: replaceFiles, failure: ExitCode(2))
            loadedBySink = LoadedRecords(count: sessions.count)
            for (k, session) in sessions.enumerated() {
                do {
                    _ = try loadUncommitted(from: outDir, into: session, marks: harvester.harvestState.loadedDigests(sink: session.spec.description)) {
                        loadedBySink.append(k, $0)
                    }
                } catch { stderr("nianbao: error: \(session.spec): \(error)") }
            }
        }
        for (k, s) in sessions.enumerated() {
            do {
                stderr("nianbao: \(try s.finish())")
                for f in s.refused { stderr("nianbao: error: \(s.spec): record \(f.id): \(f.reason)") }
                // Only now, after the sink committed, are its records marked as loaded (a refused one is
                // not: the next run tries it again).
                let refused = Set(s.refused.map(\.id))
                try harvester.harvestState.markLoaded(sink: s.spec.description, loadedBySink.items(k).filter { !refused.contains($0.id) },
                                                      at: Date().timeIntervalSince1970)
            } catch { stderr("nianbao: error: \(s.spec): \(error)"); s.abandon() }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        stderr(summary.line)
        if summary.stopped { throw ExitCode(exitStopped) }
        let failures = summary.failures.values.reduce(0, +)
        let succeeded = summary.fetched > 0 && (summary.captures + summary.notModified + summary.newReports) > 0
        if !succeeded && (summary.fetched > 0 || failures > 0) { throw ExitCode(2) }
        if failures > 0 { throw ExitCode(1) }
    }
}

/// The records each sink was given in this run (from the workers, under a lock).
final class LoadedRecords: @unchecked Sendable {
    private var perSink: [[(id: String, digest: String)]]
    private let lock = NSLock()
    init(count: Int) { perSink = Array(repeating: [], count: count) }
    func append(_ sink: Int, _ r: LoadableRecord) {
        lock.lock()
        perSink[sink].append((r.id, r.digest))
        lock.unlock()
    }
    func items(_ sink: Int) -> [(id: String, digest: String)] {
        lock.lock()
        defer { lock.unlock() }
        return perSink[sink]
    }
}

/// Adds to `session` every record file of `dir` whose content digest is not the one `marks` says the
/// sink committed; returns how many. A file older than its mark is skipped on its modification time
/// alone; another is hashed as it is (records are canonical bytes) and parsed only when it must be loaded.
func loadUncommitted(from dir: String, into session: SinkSession, marks: [String: (digest: String, at: Double)],
                     added: (LoadableRecord) -> Void) throws -> Int {
    var n = 0
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted() ?? [] where name.hasSuffix(".json") && !name.hasPrefix(".") {
        let path = dir + "/" + name
        let mark = marks[String(name.dropLast(5))]
        var st = stat()
        #if os(Linux)
        let mtime = stat(path, &st) == 0 ? Double(st.st_mtim.tv_sec) : .infinity
        #else
        let mtime = stat(path, &st) == 0 ? Double(st.st_mtimespec.tv_sec) : .infinity
        #endif
        if let m = mark, mtime + 1 < m.at { continue }
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        let digest = LoadableRecord.contentDigest(data)
        if mark?.digest == digest { continue }
        guard let record = try? LoadableRecord(record: JSONParser.parse(Array(data))) else { continue }
        try session.add(record)
        added(record)
        n += 1
    }
    return n
}
