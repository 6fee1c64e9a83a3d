import Crypto
import Foundation
import NianbaoArchive
import NianbaoDecode
import NianbaoExtract

/// Everything a harvest run needs, with the defaults documented in the README.
public struct HarvestOptions: Sendable {
    /// The SQLite state file.
    public var statePath: String
    /// Directory of the WARC files (one new file per run).
    public var warcDirectory: String
    /// HTTP client settings.
    public var client = HTTPClientConfig()
    /// Politeness and retries.
    public var politeness = PolitenessPolicy()
    /// Redirects followed per URL.
    public var maxRedirects = 10
    /// Page fetches (listings and reports, not robots.txt) in this run; nil for no limit.
    public var maxPages: Int?
    /// Seconds after which no new request starts; nil for no limit.
    public var deadline: Double?
    /// Largest decoded (decompressed) body, a cap against compression bombs.
    public var maxDecodedBytes = 64 << 20
    /// Product token matched against robots.txt user-agent lines.
    public var robotsToken = "nianbao"
    /// This worker's name in a shared (PostgreSQL) state, its WARC file names and `nianbao status`
    /// (default: host name and process id).
    public var workerName: String?
    /// Shared state: seconds without a heartbeat after which a worker counts as dead and other
    /// workers recover its captures and take over its URLs.
    public var leaseSeconds = 60.0

    /// Creates options.
    public init(statePath: String, warcDirectory: String) {
        self.statePath = statePath
        self.warcDirectory = warcDirectory
    }
}

/// A report page captured in this run (new or changed), handed to the caller to normalize.
public struct CapturedPage: Sendable {
    /// URL.
    public var url: String
    /// Decoded payload (content coding removed).
    public var payload: [UInt8]
    /// HTTP Content-Type.
    public var contentType: String?
    /// Capture time (WARC-Date).
    public var retrievedAt: String
    /// WARC file name and offset of the response record.
    public var warc: String
    /// See ``warc``.
    public var offset: Int
    /// True when the URL had an earlier, different capture.
    public var changed: Bool
}

/// Counts of a run (the summary line).
public struct HarvestSummary: Sendable, Equatable {
    /// Report links found (seeds included), distinct.
    public var discovered = 0
    /// HTTP requests made (robots.txt included).
    public var fetched = 0
    /// Requests answered 304, or with the payload already captured.
    public var notModified = 0
    /// Captures written.
    public var captures = 0
    /// Report pages new to the state that gave a record.
    public var newReports = 0
    /// Report pages whose content changed and gave a new record.
    public var changedReports = 0
    /// Failures by reason (`timeout`, `http_500`, `robots`, `not_a_report` …).
    public var failures: [String: Int] = [:]
    /// Hosts parked after repeated failures.
    public var parkedHosts: [String] = []
    /// Captures recovered from a killed run.
    public var recovered = 0
    /// URLs robots.txt does not allow (skipped, not failures).
    public var robotsDisallowed = 0
    /// True when the deadline or --max-pages stopped the run early.
    public var truncated = false
    /// True when a stop was requested (SIGTERM, SIGINT): nothing more was started, what was in hand finished.
    public var stopped = false

    /// One line for logs and cron mail.
    public var line: String {
        let f = failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "nianbao harvest: \(discovered) discovered, \(fetched) fetched, \(notModified) not modified, \(newReports) new reports, "
            + "\(changedReports) changed reports, \(failures.values.reduce(0, +)) failures\(f.isEmpty ? "" : " (\(f))")"
            + (robotsDisallowed > 0 ? ", \(robotsDisallowed) disallowed by robots.txt" : "")
            + (parkedHosts.isEmpty ? "" : ", parked hosts: \(parkedHosts.sorted().joined(separator: " "))")
            + (recovered > 0 ? ", \(recovered) captures recovered from an interrupted run" : "")
            + (stopped ? ", stopped on request (signal)" : truncated ? ", stopped early (limit)" : "")
    }
}

/// The harvester: discovers report pages from listing pages, fetches them politely with
/// conditional requests, stores every new payload as WARC request/response/metadata records and
/// hands new and changed report pages to `onReport`.
///
/// Crash safety: a WARC record is flushed to disk before the state notes it. A run killed in
/// between leaves a capture the state does not know; the next run repairs the WARC file's tail,
/// reads the captures of unfinished runs back into the state and hands them to `onReport`, so
/// nothing is lost and nothing is captured twice.
public final class Harvester: @unchecked Sendable {
    let options: HarvestOptions
    let state: HarvestState
    let lock = NSLock()
    var scheduler: PolitenessScheduler
    var robots: [String: RobotsRules] = [:]
    /// Hosts whose address is refused (private, loopback … without --allow-private).
    var refusedHosts = Set<String>()
    /// How much of a robots.txt is parsed (RFC 9309 §2.5 asks for at least 500 KiB).
    static let robotsParseLimit = 500 * 1024
    /// The most a robots.txt may decompress to before it counts as undecodable.
    static let robotsDecodeLimit = 16 << 20

    /// The first ``robotsParseLimit`` bytes of a robots.txt, cut back to the end of a line.
    static func robotsPrefix(_ body: [UInt8]) -> ArraySlice<UInt8> {
        guard body.count > robotsParseLimit else { return body[...] }
        let head = body[..<robotsParseLimit]
        return head.lastIndex(of: 0x0A).map { head[...$0] } ?? head
    }
    var seen = Set<String>()
    var summary = HarvestSummary()
    var pagesStarted = 0
    var listingPagesPerSite: [String: Int] = [:]
    var sitePatterns: [String: [NSRegularExpression]] = [:]
    var siteLimits: [String: (pages: Int, depth: Int)] = [:]
    var writer: WARCWriter?
    var warcName = ""
    /// Follow-ups (archive, discover, normalize) running now.
    var followUpsRunning = 0
    var runID = 0
    /// The frontier several workers share, when the state is in PostgreSQL.
    var frontier: SharedFrontier?
    /// The latest URL that failed for good, and why (for `nianbao status`).
    var lastFailure: String?
    /// True while a thread recovers dead workers' runs (one at a time).
    var recoveringDeadRuns = false
    var lastDeadRunCheck = 0.0
    /// Shared state: another worker took this run for dead (silent longer than the lease): nothing more
    /// is claimed or captured.
    var leaseLost = false
    /// Shared state: a descriptor holding an exclusive flock on this run's WARC file while the run
    /// lives, so that no worker on this machine takes a paused (not dead) worker's file for a dead one's.
    var warcLock: Int32 = -1
    let startTime = Date()
    /// Receives new and changed report pages; returns the record id, or an error reason.
    let onReport: (CapturedPage) -> Result<String, HarvestFailureReason>
    /// Receives log lines.
    let log: (String) -> Void
    /// Receives the running counts at most twice a second (a progress display), with the URLs still queued.
    public var progress: (@Sendable (HarvestSummary, Int) -> Void)?
    var lastProgress = 0.0

    /// Why a captured page gave no record.
    public struct HarvestFailureReason: Error, Sendable { public var reason: String; public init(_ r: String) { reason = r } }

    /// Prepares a run.
    public init(options: HarvestOptions, log: @escaping (String) -> Void, onReport: @escaping (CapturedPage) -> Result<String, HarvestFailureReason>) throws {
        self.options = options
        self.log = log
        self.onReport = onReport
        try FileManager.default.createDirectory(atPath: options.warcDirectory, withIntermediateDirectories: true)
        state = try HarvestState(path: options.statePath)
        scheduler = PolitenessScheduler(policy: options.politeness, seed: UInt64(Date().timeIntervalSince1970))
    }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Runs the harvest over a sites file. Throws only for setup problems; per-URL problems are counted.
    public func run(_ sites: SitesFile) throws -> HarvestSummary {
        try HTTPClient.globalInit()
        if state.isShared { return try runShared(sites) }
        try recoverInterruptedRuns()
        runID = try state.beginRun(at: Self.isoNow())
        let stamp = Self.isoNow().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        warcName = "nianbao-\(stamp)-\(runID).warc.gz"
        try markRunFile(warcName)
        for (url, kind, site) in seeds(sites) { enqueue(url, kind: kind, depth: 0, site: site) }

        let workers = max(1, options.politeness.globalConcurrency)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in self.workerLoop() }
        // The index written while capturing is in capture order; pywb wants it sorted and complete.
        if let w = writer {
            do { try CDXJ.writeIndex(forWARC: w.path) } catch { log("nianbao harvest: error: cannot index \(w.path): \(error)") }
        }
        try state.endRun(runID, at: Self.isoNow(), summary: summary.line)
        return summary
    }

    /// The sites file's listing pages and report URLs (with their site's key); notes each site's
    /// report patterns and limits.
    func seeds(_ sites: SitesFile) -> [(String, FetchTask.Kind, String?)] {
        var out: [(String, FetchTask.Kind, String?)] = []
        for site in sites.sites {
            let key = site.name ?? site.listings.first ?? "site"
            sitePatterns[key] = (site.reportPatterns ?? []).compactMap { try? NSRegularExpression(pattern: $0) }
            siteLimits[key] = (site.maxListingPages ?? 50, site.maxDepth ?? 3)
            out += site.listings.map { ($0, .listing, key) }
        }
        return out + sites.urls.map { ($0, .report, nil) }
    }

    /// The run of one worker of several sharing a PostgreSQL state: recovers dead workers' runs,
    /// joins the open round with the seeds, and claims URLs from the shared frontier until the round
    /// has nothing pending or leased (or a limit of this worker is reached).
    func runShared(_ sites: SitesFile) throws -> HarvestSummary {
        runID = try state.beginRun(at: Self.isoNow())
        let worker = Self.workerName(options.workerName)
        let stamp = Self.isoNow().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        warcName = "nianbao-\(stamp)-\(worker)-\(runID).warc.gz"
        try markRunFile(warcName)
        var entries: [SharedFrontier.Entry] = []
        for (url, kind, site) in seeds(sites) {
            guard let u = URL(string: url), u.host != nil else { summary.failures["bad_url", default: 0] += 1; continue }
            let host = Self.hostKey(u)
            entries.append(.init(url: host + "/robots.txt", host: host, kind: .robots, depth: 0, site: nil))
            entries.append(.init(url: url, host: host, kind: kind, depth: 0, site: site))
        }
        let frontier = try SharedFrontier(state: state, run: runID, worker: worker, policy: options.politeness, leaseSeconds: options.leaseSeconds,
                                          holdSeconds: options.leaseSeconds + Double(options.client.totalTimeout),
                                          warcDirectory: URL(fileURLWithPath: options.warcDirectory).standardizedFileURL.path, seeds: entries)
        self.frontier = frontier
        summary.discovered += frontier.newSeeds.filter { $0.kind == .report }.count
        for e in entries {
            seen.insert(e.url)
            siteOf[e.url] = e.site
        }
        // The heartbeat keeps this worker's leases; it stops when the run ends.
        let stop = DispatchSemaphore(value: 0)
        let beating = DispatchGroup()
        beating.enter()
        Thread.detachNewThread { [self] in
            defer { beating.leave() }
            repeat {
                lock.lock()
                let fetched = summary.fetched, failure = lastFailure
                lock.unlock()
                do {
                    if try !frontier.heartbeat(fetched: fetched, lastError: failure) { loseLeases() }
                } catch { log("nianbao harvest: error: heartbeat: \(error)") }
            } while stop.wait(timeout: .now() + max(0.1, options.leaseSeconds / 4)) == .timedOut
        }
        recoverDeadWorkers(force: true)
        let workers = max(1, options.politeness.globalConcurrency)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in self.sharedWorkerLoop(frontier) }
        if let w = writer {
            do { try CDXJ.writeIndex(forWARC: w.path) } catch { log("nianbao harvest: error: cannot index \(w.path): \(error)") }
        }
        stop.signal()
        beating.wait()
        if try frontier.heartbeat(fetched: summary.fetched, lastError: lastFailure) {
            try state.endRun(runID, at: Self.isoNow(), summary: summary.line)
        }
        if warcLock >= 0 { close(warcLock) }
        return summary
    }

    /// Another worker took this run for dead: stop claiming and capturing (once).
    func loseLeases() {
        lock.lock()
        defer { lock.unlock() }
        guard !leaseLost else { return }
        leaseLost = true
        summary.failures["lease_lost", default: 0] += 1
        log("nianbao harvest: error: this worker was silent longer than --lease (\(options.leaseSeconds) s) and another worker took over its URLs; it stops")
    }

    /// A worker name fit for a file name: letters, digits, `.`, `_` and `-` (default: host and pid).
    static func workerName(_ given: String?) -> String {
        let raw = given ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        let cleaned = String(raw.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) ? Character($0) : "_" })
        return cleaned.isEmpty ? "worker" : String(cleaned.prefix(64))
    }

    // MARK: queueing

    /// Site of each queued URL (for its patterns and limits).
    var siteOf: [String: String] = [:]
    /// Redirect hops of each queued URL.
    var hopsOf: [String: Int] = [:]
    /// The URLs that redirected to each queued URL (loop detection).
    var redirectChain: [String: [String]] = [:]

    /// Scheme + host + port: the key of politeness, robots.txt and `nianbao status`.
    static func hostKey(_ u: URL) -> String { "\(u.scheme ?? "http")://\(u.host ?? "")\(u.port.map { ":\($0)" } ?? "")" }

    /// Queues a URL once per run (caller holds no lock or the lock; uses its own).
    /// `listingLimit`: a listing page counts against its site's page limit (checked over every worker
    /// of a shared state; the caller checks it itself otherwise).
    func enqueue(_ url: String, kind: FetchTask.Kind, depth: Int, site: String?, hops: Int = 0, listingLimit: (key: String, pages: Int)? = nil) {
        guard let u = URL(string: url), u.host != nil else {
            summary.failures["bad_url", default: 0] += 1
            return
        }
        let host = Self.hostKey(u)
        if let frontier {
            // Shared: the frontier knows what the round has queued, over every worker; a URL found
            // after this worker reached its own limit is queued all the same, for the others.
            var entries: [SharedFrontier.Entry] = []
            if seen.insert(host + "/robots.txt").inserted { entries.append(.init(url: host + "/robots.txt", host: host, kind: .robots, depth: 0, site: nil)) }
            entries.append(.init(url: url, host: host, kind: kind, depth: depth, site: site, hops: hops, chain: redirectChain[url] ?? []))
            do {
                for e in entries {
                    let limit = e.kind == .listing && depth > 0 ? listingLimit.map { ($0.key, $0.pages) } : nil
                    if try frontier.enqueue(e, listingLimit: limit), e.kind == .report { summary.discovered += 1 }
                }
            } catch {
                log("nianbao harvest: error: cannot queue \(url): \(error)")
                summary.failures["state", default: 0] += 1
            }
            return
        }
        // Past --max-pages or --deadline nothing more is queued (what is found is still counted).
        if limitReached {
            if kind == .report, seen.insert(url).inserted { summary.discovered += 1 }
            summary.truncated = true
            return
        }
        if robots[host] == nil, !seen.contains(host + "/robots.txt") {
            seen.insert(host + "/robots.txt")
            scheduler.enqueue(FetchTask(url: host + "/robots.txt", host: host, kind: .robots))
        }
        guard seen.insert(url).inserted else { return }
        if kind == .report { summary.discovered += 1 }
        siteOf[url] = site
        hopsOf[url] = hops
        scheduler.enqueue(FetchTask(url: url, host: host, depth: depth, kind: kind))
    }

    // MARK: workers

    /// True once `--deadline` has passed, `--max-pages` pages have been started, or a stop was
    /// requested (caller holds the lock).
    var limitReached: Bool {
        stopRequested || leaseLost || (options.deadline.map { Date().timeIntervalSince(startTime) > $0 } ?? false)
            || (options.maxPages.map { pagesStarted >= $0 } ?? false)
    }
    var stopRequested = false

    /// Asks the run to stop (from a signal handler's queue): nothing more is started, the requests
    /// and the work in hand finish, and ``run(_:)`` returns normally.
    public func requestStop() {
        lock.lock()
        stopRequested = true
        summary.stopped = true
        lock.unlock()
    }

    /// The state file, for what the caller keeps with it (which records each sink has committed).
    public var harvestState: HarvestState { state }

    func workerLoop() {
        let client = HTTPClient(config: options.client)
        while true {
            lock.lock()
            let now = Date().timeIntervalSince1970
            // A limit is a decision of the scheduler: the queue is dropped at once, not drained
            // through the politeness clock one delay at a time; requests in flight finish.
            let overLimit = limitReached
            if overLimit, scheduler.pending > 0 {
                scheduler.dropQueued()
                summary.truncated = true
            }
            let next = scheduler.next(now: now)
            switch next {
            case .finished:
                // Work being archived may still discover more: only stop when none is left.
                let busy = followUpsRunning > 0
                lock.unlock()
                if busy { usleep(10_000); continue }
                return
            case .waitUntil(let t):
                lock.unlock()
                usleep(useconds_t(max(1_000, min(200_000, (t - now) * 1_000_000))))
            case .start(let task):
                if task.kind != .robots {
                    if overLimit {
                        summary.truncated = true
                        scheduler.completed(task, .permanent(reason: "limit"), now: now)
                        lock.unlock()
                        continue
                    }
                    pagesStarted += 1
                }
                lock.unlock()
                let (outcome, followUp) = perform(task, client: client)
                lock.lock()
                let t = Date().timeIntervalSince1970
                if let p = progress, t - lastProgress >= 0.5 {
                    lastProgress = t
                    p(summary, scheduler.pending)
                }
                let (retryAt, parked) = scheduler.completed(task, outcome, now: Date().timeIntervalSince1970)
                if let followUp {
                    // The host is free again; archiving, discovery and normalizing happen off its clock.
                    followUpsRunning += 1
                    lock.unlock()
                    let failure = followUp()
                    lock.lock()
                    followUpsRunning -= 1
                    if let f = failure { summary.failures[f, default: 0] += 1 }
                }
                account(task, outcome, retried: retryAt != nil, parked: parked)
                lock.unlock()
            }
        }
    }

    /// Counts what became of an attempt once it is final (caller holds the lock).
    func account(_ task: FetchTask, _ outcome: AttemptOutcome, retried: Bool, parked: Bool) {
        if parked { summary.parkedHosts.append(task.host) }
        guard !retried else { return }
        switch outcome {
        case .transient(let r), .permanent(let r):
            if r == "robots" { summary.robotsDisallowed += 1 } else if r != "limit" {
                summary.failures[r, default: 0] += 1
                // Every URL that failed for good gets its own line: the URL and what happened.
                if task.kind != .robots {
                    log("nianbao harvest: failed \(task.url): \(r)")
                    lastFailure = "\(r) \(task.url)"
                }
            }
        case .retryAfter(let status, _):
            summary.failures["http_\(status)", default: 0] += 1
            log("nianbao harvest: failed \(task.url): http_\(status) after \(task.attempt + 1) attempts")
            lastFailure = "http_\(status) \(task.url)"
        case .done:
            break
        }
    }

    /// A worker thread of a shared harvest: claims a URL from the frontier, fetches it, reports the
    /// outcome, runs the follow-up holding the URL's lease, until the round is over.
    func sharedWorkerLoop(_ frontier: SharedFrontier) {
        let client = HTTPClient(config: options.client)
        var stateErrors = 0
        while true {
            lock.lock()
            let over = limitReached
            if over && !stopRequested { summary.truncated = true }
            lock.unlock()
            // This worker stops taking work; the others carry the round on.
            if over { return }
            let claim: SharedFrontier.Claim
            do {
                claim = try frontier.claim()
                stateErrors = 0
            } catch {
                // The database is unreachable or failing: retry a few times, then stop this thread.
                stateErrors += 1
                log("nianbao harvest: error: shared state: \(error)")
                if stateErrors >= 10 {
                    lock.lock(); summary.failures["state", default: 0] += 1; lock.unlock()
                    return
                }
                usleep(500_000)
                continue
            }
            switch claim {
            case .finished:
                lock.lock()
                let busy = followUpsRunning > 0
                lock.unlock()
                if busy { usleep(10_000); continue }
                recoverDeadWorkers(force: false)
                if (try? frontier.finishRound()) ?? false { return }
                usleep(50_000)
            case .wait(let seconds):
                recoverDeadWorkers(force: false)
                usleep(useconds_t(seconds * 1_000_000))
            case .start(let task, let site, let hops, let chain, let rules):
                lock.lock()
                if limitReached {
                    lock.unlock()
                    try? frontier.release(task)
                    continue
                }
                if task.kind != .robots { pagesStarted += 1 }
                siteOf[task.url] = site
                hopsOf[task.url] = hops
                if !chain.isEmpty { redirectChain[task.url] = chain }
                if let rules { robots[task.host] = rules }
                lock.unlock()
                let (outcome, followUp) = perform(task, client: client)
                var (retryAt, parked): (Double?, Bool) = (nil, false)
                do { (retryAt, parked) = try frontier.complete(task, outcome, keepLease: followUp != nil) } catch {
                    log("nianbao harvest: error: shared state: \(task.url): \(error)")
                }
                lock.lock()
                if let p = progress, Date().timeIntervalSince1970 - lastProgress >= 0.5 {
                    lastProgress = Date().timeIntervalSince1970
                    p(summary, 0)
                }
                if let followUp {
                    followUpsRunning += 1
                    lock.unlock()
                    let failure = followUp()
                    do { try frontier.finish(task.url) } catch { log("nianbao harvest: error: shared state: \(task.url): \(error)") }
                    lock.lock()
                    followUpsRunning -= 1
                    if let f = failure { summary.failures[f, default: 0] += 1 }
                }
                account(task, outcome, retried: retryAt != nil, parked: parked)
                lock.unlock()
            }
        }
    }

    /// One attempt at one task: the outcome for the scheduler, and the work that follows a 2xx page
    /// (archive, discover, normalize; returns a failure reason or nil). Called without the lock.
    func perform(_ task: FetchTask, client: HTTPClient) -> (AttemptOutcome, (() -> String?)?) {
        let prior = (try? state.get(task.url)) ?? nil
        if task.kind != .robots {
            lock.lock()
            let rules = robots[task.host] ?? .allowAll
            let refused = refusedHosts.contains(task.host)
            lock.unlock()
            // A host whose address is refused is not "disallowed by robots.txt": say what happened.
            if refused {
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: nil, error: FetchFailure.refusedAddress.rawValue, at: Self.isoNow())
                return (.permanent(reason: FetchFailure.refusedAddress.rawValue), nil)
            }
            let u = URL(string: task.url)
            let path = (u?.path.isEmpty ?? true ? "/" : u!.path) + (u?.query.map { "?\($0)" } ?? "")
            if !rules.allows(path) {
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: nil, error: "robots", at: Self.isoNow())
                return (.permanent(reason: "robots"), nil)
            }
        }
        // A 304 for robots.txt or a listing page means "use the copy you have": ask conditionally only
        // when this worker can read that copy (with a shared state it may be in another worker's
        // WARC directory, or on another machine: then the page is fetched whole, and its links found).
        var headers: [String] = []
        var priorDirectory: String?
        if let p = prior, let warc = p.warc {
            priorDirectory = warcDirectory(of: warc)
            if priorDirectory != nil || task.kind == .report {
                if let e = p.etag { headers.append("If-None-Match: \(e)") }
                if let m = p.lastModified { headers.append("If-Modified-Since: \(m)") }
            }
        }
        let result = client.get(task.url, headers: headers)
        lock.lock(); summary.fetched += 1; lock.unlock()
        let exchange: HTTPExchange
        switch result {
        case .failure(let f):
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: nil, error: f.rawValue, at: Self.isoNow())
            if task.kind == .robots {
                // Unreachable robots.txt: wait and retry; when retries run out, or when the failure is
                // for good (too large, refused), assume complete disallow (RFC 9309 §2.3.1.3).
                if f == .refusedAddress {
                    lock.lock(); refusedHosts.insert(task.host); lock.unlock()
                    setRobots(task.host, .disallowAll)
                } else if task.attempt >= options.politeness.maxRetries || !f.isTransient {
                    setRobots(task.host, .disallowAll)
                    log("nianbao harvest: robots.txt \(task.url) could not be read (\(f.rawValue)): nothing on \(task.host) is fetched this run")
                }
            }
            return (f.isTransient ? .transient(reason: f.rawValue) : .permanent(reason: f.rawValue), nil)
        case .success(let e):
            exchange = e
        }
        let status = exchange.status
        if task.kind == .robots {
            switch status {
            case 200..<300:
                // RFC 9309 §2.5: parse at least the first 500 KiB. A 2xx whose body cannot be decoded
                // (unknown Content-Encoding, corrupt or oversized compression) is read as "disallow all".
                if let body = try? ContentCoding.decode(exchange.payload, encoding: exchange.header("Content-Encoding"), limit: Self.robotsDecodeLimit) {
                    setRobots(task.host, RobotsRules(parsing: String(decoding: Self.robotsPrefix(body), as: UTF8.self), productToken: options.robotsToken))
                } else {
                    setRobots(task.host, .disallowAll)
                    log("nianbao harvest: robots.txt \(task.url) could not be decoded (Content-Encoding: \(exchange.header("Content-Encoding") ?? "none")): nothing on \(task.host) is fetched this run")
                }
                if prior?.payloadDigest == WARCDigest.sha1(exchange.payload) {
                    try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
                } else {
                    _ = capture(task, exchange, prior: prior, extra: [("robots", "parsed")])
                }
            case 304:
                if let p = prior, let warc = p.warc, let off = p.warcOffset, let old = loadCapture(warc, off, in: priorDirectory) {
                    setRobots(task.host, RobotsRules(parsing: String(decoding: old.payload, as: UTF8.self), productToken: options.robotsToken))
                } else {
                    setRobots(task.host, .allowAll)
                }
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: 304, error: nil, at: Self.isoNow())
            case 400..<500 where status != 429:
                setRobots(task.host, .allowAll)
            case 429, 500..<600:
                if task.attempt >= options.politeness.maxRetries { setRobots(task.host, .disallowAll) }
                return (status == 429 || status == 503 ? .retryAfter(status: status, seconds: Self.retryAfter(exchange.header("Retry-After"))) : .transient(reason: "http_\(status)"), nil)
            default:
                setRobots(task.host, .allowAll)
            }
            return (.done(status: status), nil)
        }
        switch status {
        case 304:
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: 304, error: nil, at: Self.isoNow())
            lock.lock(); summary.notModified += 1; lock.unlock()
            if task.kind == .listing, let p = prior, let warc = p.warc, let off = p.warcOffset, let old = loadCapture(warc, off, in: priorDirectory) {
                discover(from: old.payload, contentType: old.contentType, task: task)
            }
            return (.done(status: 304), nil)
        case 300..<400:
            guard let loc = exchange.header("Location"), let base = URL(string: task.url), let target = Discovery.resolve(loc, base: base) else {
                return (.permanent(reason: "bad_redirect"), nil)
            }
            lock.lock()
            let hops = (hopsOf[task.url] ?? 0) + 1
            let chain = (redirectChain[task.url] ?? []) + [task.url]
            if hops > options.maxRedirects || chain.contains(target.absoluteString) {
                lock.unlock()
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: "redirect_loop", at: Self.isoNow())
                return (.permanent(reason: "redirect_loop"), nil)
            }
            redirectChain[target.absoluteString] = chain
            let site = siteOf[task.url]
            let wasReport = task.kind == .report
            if wasReport { summary.discovered -= 1 }  // the target is counted instead
            let before = summary.discovered
            enqueue(target.absoluteString, kind: task.kind, depth: task.depth, site: site ?? nil, hops: hops)
            if wasReport && summary.discovered == before { summary.discovered += 1 }
            lock.unlock()
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
            return (.done(status: status), nil)
        case 429, 503:
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
            return (.retryAfter(status: status, seconds: Self.retryAfter(exchange.header("Retry-After"))), nil)
        case 500..<600:
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
            return (.transient(reason: "http_\(status)"), nil)
        case 200..<300:
            break
        default:
            try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
            return (.permanent(reason: "http_\(status)"), nil)
        }
        // 2xx: decode (capped), capture if new, then discover or normalize — after the host is released.
        return (.done(status: status), { [self] in
            let payload: [UInt8]
            do { payload = try ContentCoding.decode(exchange.payload, encoding: exchange.header("Content-Encoding"), limit: options.maxDecodedBytes) } catch {
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: "decode", at: Self.isoNow())
                return "\(error)".contains("exceeds") ? "too_large" : "bad_encoding"
            }
            let digest = WARCDigest.sha1(exchange.payload)
            if let p = prior, p.payloadDigest == digest {
                try? state.recordAttempt(task.url, kind: task.kind.rawValue, status: status, error: nil, at: Self.isoNow())
                lock.lock(); summary.notModified += 1; lock.unlock()
                if task.kind == .listing { discover(from: payload, contentType: exchange.header("Content-Type"), task: task) }
                return nil
            }
            guard let (warc, offset, date) = capture(task, exchange, prior: prior, extra: []) else { return leaseLost ? nil : "archive" }
            if task.kind == .listing {
                discover(from: payload, contentType: exchange.header("Content-Type"), task: task)
                return nil
            }
            report(CapturedPage(url: task.url, payload: payload, contentType: exchange.header("Content-Type"), retrievedAt: date,
                                warc: warc, offset: offset, changed: prior?.payloadDigest != nil))
            return nil
        })
    }

    func report(_ page: CapturedPage) {
        defer { try? state.markNormalized(page.url) }
        switch onReport(page) {
        case .success(let id):
            try? state.setReportID(page.url, id)
            lock.lock()
            if page.changed { summary.changedReports += 1 } else { summary.newReports += 1 }
            lock.unlock()
            log("nianbao harvest: \(page.changed ? "changed" : "new") report \(page.url) → \(id)")
        case .failure(let f):
            lock.lock(); summary.failures[f.reason, default: 0] += 1; lock.unlock()
            log("nianbao harvest: \(page.url): \(f.reason)")
        }
    }

    func setRobots(_ host: String, _ rules: RobotsRules) {
        lock.lock()
        robots[host] = rules
        if let d = rules.crawlDelay { scheduler.setCrawlDelay(d, for: host) }
        lock.unlock()
        // Shared: every worker reads the host's rules from the state before fetching from it.
        do { try frontier?.setRobots(host, rules) } catch { log("nianbao harvest: error: cannot note robots.txt of \(host): \(error)") }
    }

    static func retryAfter(_ value: String?) -> Double? {
        guard let v = value?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let s = Double(v) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: v).map { max(0, $0.timeIntervalSinceNow) }
    }

    // MARK: archive

    /// Writes request, response and metadata records; updates the state. Returns (file, offset, date).
    func capture(_ task: FetchTask, _ e: HTTPExchange, prior: URLState?, extra: [(String, String)]) -> (String, Int, String)? {
        let date = Self.isoNow()
        let block = e.responseHead + e.body
        let responseID = WARCWriter.recordID(["response", task.url, date, WARCDigest.sha1(block)])
        var response = WARCRecord(fields: [("WARC-Type", "response"), ("WARC-Record-ID", responseID), ("WARC-Date", date),
                                           ("WARC-Target-URI", task.url), ("Content-Type", "application/http;msgtype=response"),
                                           ("WARC-Payload-Digest", WARCDigest.sha1(e.payload)), ("WARC-Block-Digest", WARCDigest.sha1(block))].map { (name: $0.0, value: $0.1) },
                                  block: block)
        if let ip = e.remoteIP { response.fields.insert((name: "WARC-IP-Address", value: ip), at: 3) }
        let request = WARCRecord(fields: [("WARC-Type", "request"), ("WARC-Record-ID", WARCWriter.recordID(["request", task.url, date, responseID])),
                                          ("WARC-Date", date), ("WARC-Target-URI", task.url), ("WARC-Concurrent-To", responseID),
                                          ("Content-Type", "application/http;msgtype=request"),
                                          ("WARC-Block-Digest", WARCDigest.sha1(e.requestHead))].map { (name: $0.0, value: $0.1) },
                                 block: e.requestHead)
        let robotsVerdict = task.kind == .robots ? "n/a" : "allowed"
        let metaFields = [("kind", task.kind.rawValue), ("depth", String(task.depth)), ("attempt", String(task.attempt + 1)),
                          ("robots", robotsVerdict), ("charset-declared", e.header("Content-Type").flatMap(CharsetDecoder.charsetParameter) ?? "none"),
                          ("fetch-time-ms", "connect=\(e.timings.connect) first-byte=\(e.timings.firstByte) total=\(e.timings.total)"),
                          ("previous-payload-digest", prior?.payloadDigest ?? "none")] + extra
        let metaBody = Array(metaFields.map { "\($0.0): \($0.1)\r\n" }.joined().utf8)
        let metadata = WARCRecord(fields: [("WARC-Type", "metadata"), ("WARC-Record-ID", WARCWriter.recordID(["metadata", task.url, date, responseID])),
                                           ("WARC-Date", date), ("WARC-Target-URI", task.url), ("WARC-Concurrent-To", responseID),
                                           ("Content-Type", "application/warc-fields"), ("WARC-Block-Digest", WARCDigest.sha1(metaBody))].map { (name: $0.0, value: $0.1) },
                                  block: metaBody)
        // Shared: only while the URL's lease is this worker's (a paused worker may have lost it).
        if let frontier, (try? frontier.holds(task.url)) != true {
            loseLeases()
            return nil
        }
        lock.lock()
        defer { lock.unlock() }
        do {
            // The run's WARC file is created with its first capture (a run with nothing new writes none).
            if writer == nil {
                writer = try WARCWriter(path: options.warcDirectory + "/" + warcName,
                                        info: [("software", "nianbao/0.1.0 (libcurl \(HTTPClient.curlVersion))"), ("format", "WARC File Format 1.1"),
                                               ("conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"),
                                               ("robots", "obey"), ("http-header-user-agent", options.client.userAgent)],
                                        date: date)
            }
            let w = writer!
            if frontier != nil && warcLock < 0 {
                warcLock = open(w.path, O_RDONLY)
                if warcLock >= 0 { _ = flock(warcLock, LOCK_EX | LOCK_NB) }
            }
            try w.write(request)
            let offset = try w.write(response)
            let length = w.size - offset
            try w.write(metadata)
            let name = (w.path as NSString).lastPathComponent
            try appendIndex(w.path, CDXJ.Entry(url: task.url, date: date, mime: CDXJ.mime(e.header("Content-Type")), status: e.status,
                                               digest: WARCDigest.sha1(e.payload), length: length, offset: offset, filename: name))
            try state.recordCapture(URLState(url: task.url, kind: task.kind.rawValue, etag: e.header("ETag"), lastModified: e.header("Last-Modified"),
                                             payloadDigest: WARCDigest.sha1(e.payload), status: e.status, warc: name, warcOffset: offset, reportID: nil), at: date)
            summary.captures += 1
            return (name, offset, date)
        } catch {
            log("nianbao harvest: error: cannot archive \(task.url): \(error)")
            return nil
        }
    }

    /// `<warc>.cdxj`: one line per response record as it is captured (the end of the run, or the
    /// recovery of a killed one, rewrites the file sorted from the WARC file itself).
    func appendIndex(_ warcPath: String, _ entry: CDXJ.Entry) throws {
        let line = entry.line + "\n"
        let path = warcPath + ".cdxj"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { return }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(line.utf8))
    }

    /// The directory holding a capture's WARC file: this run's `--warc-dir`, or with a shared state the
    /// directory of the run that wrote it (workers may each have their own); nil when it cannot be read from here.
    func warcDirectory(of warc: String) -> String? {
        if FileManager.default.isReadableFile(atPath: options.warcDirectory + "/" + warc) { return options.warcDirectory }
        guard state.isShared,
              let rows = try? state.q("SELECT r.warc_dir FROM run_files f JOIN runs r ON r.run_id = f.run_id WHERE f.warc = ?", [.text(warc)]),
              let dir = rows.first?.first ?? nil, FileManager.default.isReadableFile(atPath: dir + "/" + warc) else { return nil }
        return dir
    }

    /// The payload and Content-Type of an earlier capture.
    /// `directory`: where the WARC file is (default: this run's `--warc-dir`).
    func loadCapture(_ warc: String, _ offset: Int, in directory: String? = nil) -> (payload: [UInt8], contentType: String?, date: String?)? {
        guard let data = FileManager.default.contents(atPath: (directory ?? options.warcDirectory) + "/" + warc) else { return nil }
        let bytes = [UInt8](data)
        guard let member = try? Gzip.decompressMember(bytes, at: offset, limit: WARCReader.maxBlock) else { return nil }
        var found: (payload: [UInt8], contentType: String?, date: String?)?
        try? WARCReader.forEach(bytes: member.data) { _, r in
            if found == nil, r.type == "response", let http = HTTPResponse.parse(r.block),
               let p = try? http.decodedBody(limit: options.maxDecodedBytes) { found = (p, http.header("Content-Type"), r["WARC-Date"]) }
        }
        return found
    }

    // MARK: discovery

    func discover(from payload: [UInt8], contentType: String?, task: FetchTask) {
        guard let base = URL(string: task.url), let text = try? CharsetDecoder.decode(payload, contentType: contentType).text else { return }
        let page = HTMLPageReader.read(text)
        lock.lock()
        defer { lock.unlock() }
        let site = siteOf[task.url] ?? nil
        let patterns = site.flatMap { sitePatterns[$0] } ?? []
        let limits = site.flatMap { siteLimits[$0] } ?? (50, 3)
        let (reports, listings) = Discovery.classify(page.links, base: base, patterns: patterns)
        for r in reports where task.depth + 1 <= limits.depth { enqueue(r.absoluteString, kind: .report, depth: task.depth + 1, site: site) }
        for l in listings where task.depth + 1 <= limits.depth {
            let key = site ?? task.host
            if frontier != nil {
                enqueue(l.absoluteString, kind: .listing, depth: task.depth + 1, site: site, listingLimit: (key, limits.pages))
                continue
            }
            guard listingPagesPerSite[key, default: 1] < limits.pages, !seen.contains(l.absoluteString) else { continue }
            listingPagesPerSite[key, default: 1] += 1
            enqueue(l.absoluteString, kind: .listing, depth: task.depth + 1, site: site)
        }
    }

    // MARK: recovery

    /// Repairs a killed run's WARC file (its partial last record is cut back), notes the captures
    /// the state missed and hands their report pages to `onReport`, and rewrites its index.
    func recoverWARC(_ name: String, in directory: String? = nil) throws {
        let path = (directory ?? options.warcDirectory) + "/" + name
        let repaired = try WARCWriter(path: path, info: [], date: Self.isoNow())
        if repaired.repairedBytes > 0 { log("nianbao harvest: \(name): cut back \(repaired.repairedBytes) bytes of a partial record") }
        // The metadata records say what kind of page each response was.
        let kinds = try WARCReader.captureKinds(path: path)
        try WARCReader.forEach(path: path) { offset, record in
            guard record.type == "response", let url = record["WARC-Target-URI"], let http = HTTPResponse.parse(record.block) else { return }
            let digest = WARCDigest.sha1(http.body)
            let known = try state.get(url)
            guard known?.payloadDigest != digest else { return }
            let date = record["WARC-Date"] ?? Self.isoNow()
            let kind = record["WARC-Record-ID"].flatMap { kinds[$0] }.flatMap(FetchTask.Kind.init(rawValue:)) ?? (known?.kind).flatMap(FetchTask.Kind.init(rawValue:))
                ?? (url.hasSuffix("/robots.txt") ? .robots : .report)
            try state.recordCapture(URLState(url: url, kind: kind.rawValue, etag: http.header("ETag"), lastModified: http.header("Last-Modified"),
                                             payloadDigest: digest, status: http.status, warc: name, warcOffset: offset, reportID: nil), at: date)
            lock.lock(); summary.recovered += 1; lock.unlock()
            if kind == .report, let payload = try? http.decodedBody(limit: options.maxDecodedBytes) {
                report(CapturedPage(url: url, payload: payload, contentType: http.header("Content-Type"), retrievedAt: date,
                                    warc: name, offset: offset, changed: known?.payloadDigest != nil))
            }
        }
        do { try CDXJ.writeIndex(forWARC: path) } catch { log("nianbao harvest: error: cannot index \(path): \(error)") }
    }

    /// Hands to `onReport` the report captures the state notes but that were never normalized (a run
    /// killed while normalizing): all of them, or those of one WARC file, read from `directory`.
    func normalizeUnnormalizedCaptures(inWARC name: String? = nil, directory: String? = nil) throws {
        for (url, warc, offset, changed) in try state.unnormalizedReports(inWARC: name) {
            guard let c = loadCapture(warc, offset, in: directory) else { continue }
            report(CapturedPage(url: url, payload: c.payload, contentType: c.contentType, retrievedAt: c.date ?? Self.isoNow(), warc: warc, offset: offset, changed: changed))
        }
    }

    /// Shared state: recovers the runs of workers whose heartbeat stopped (killed, machine lost). A
    /// dead run's WARC file, when this machine can read it, is repaired and its captures noted and
    /// normalized before its URLs go back to the frontier, so nothing it captured is captured again.
    /// A run on another machine whose file is not readable here is released without that after three
    /// lease times (its own machine may still recover it first). Checked at most every quarter lease.
    func recoverDeadWorkers(force: Bool) {
        guard let frontier else { return }
        lock.lock()
        let now = Date().timeIntervalSince1970
        guard !recoveringDeadRuns, force || now - lastDeadRunCheck >= max(0.2, options.leaseSeconds / 4) else { lock.unlock(); return }
        recoveringDeadRuns = true
        lastDeadRunCheck = now
        lock.unlock()
        defer { lock.lock(); recoveringDeadRuns = false; lock.unlock() }
        do {
            for dead in try frontier.deadRuns() {
                // Its own WARC directory (absolute), else this worker's (same path on a shared mount).
                let dir = dead.warcDirectory ?? options.warcDirectory
                let file = dead.warc.map { dir + "/" + $0 }
                let readable = file.map { FileManager.default.fileExists(atPath: $0) } ?? false
                let sameMachine = dead.machine == nil || dead.machine == ProcessInfo.processInfo.hostName
                // Not readable from here: nothing was captured (same machine), or the file is elsewhere.
                if !readable && !sameMachine && dead.silence < 3 * options.leaseSeconds { continue }
                // A worker on this machine that still holds its file's lock is paused, not dead.
                var fileLock: Int32 = -1
                if readable, let f = file {
                    fileLock = open(f, O_RDONLY)
                    if fileLock >= 0 && flock(fileLock, LOCK_EX | LOCK_NB) != 0 {
                        close(fileLock)
                        continue
                    }
                }
                defer { if fileLock >= 0 { close(fileLock) } }
                guard try frontier.takeDeadRun(dead.run) else { continue }
                do {
                    if readable, let name = dead.warc {
                        try recoverWARC(name, in: dir)
                        try normalizeUnnormalizedCaptures(inWARC: name, directory: dir)
                    }
                    try frontier.releaseLeases(of: dead.run)
                } catch {
                    // Left for another try (this worker's next look, or another worker once this one ends).
                    frontier.giveUp(dead.run)
                    throw error
                }
                let how = readable ? "its WARC file was read back" : sameMachine ? "it had captured nothing" : "its WARC file \(dead.warc ?? "") was not readable here"
                try state.endRun(dead.run, at: Self.isoNow(), summary: "interrupted (no heartbeat for \(Int(dead.silence)) s); recovered by run \(runID): \(how)")
                log("nianbao harvest: worker run \(dead.run) stopped answering; recovered (\(how)), its URLs are back in the frontier")
            }
        } catch {
            log("nianbao harvest: error: recovering dead workers: \(error)")
        }
    }

    func markRunFile(_ name: String) throws {
        _ = try state.q("INSERT INTO run_files (run_id, warc) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET warc = excluded.warc", [.int(runID), .text(name)])
    }

    /// Repairs the WARC files of runs that never finished and brings their captures into the state.
    func recoverInterruptedRuns() throws {
        let rows = try state.q("SELECT f.run_id, f.warc FROM run_files f JOIN runs r ON r.run_id = f.run_id WHERE r.finished IS NULL ORDER BY f.run_id", [])
        for row in rows {
            guard let runID = row[0].flatMap({ Int($0) }), let name = row[1] else { continue }
            let path = options.warcDirectory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            try recoverWARC(name)
            try state.endRun(runID, at: Self.isoNow(), summary: "interrupted; recovered by a later run")
        }
        // Captures noted in the state whose record was never written (killed while normalizing).
        try normalizeUnnormalizedCaptures()
    }
}
