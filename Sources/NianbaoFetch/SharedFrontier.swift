import Foundation
import NianbaoSQL

/// The frontier, per-host politeness and leases of one crawl shared by several workers (processes,
/// machines), in the PostgreSQL harvest state.
///
/// - A **round** is one pass over the sites: workers that start while a round is open join it, and
///   a URL is fetched once per round (enqueueing a URL queued in this round already does nothing).
///   The round ends when no URL in it is pending or leased; a worker started after that opens the next.
/// - A worker **claims** one URL at a time: a host whose next allowed time has come and that no
///   live worker holds (`FOR UPDATE SKIP LOCKED`), then that host's oldest pending URL (its robots.txt
///   first). The claim sets the host's next allowed time to now + delay and holds the host until the
///   request ends, when the next allowed time becomes at least the end + delay. So N workers never
///   ask one host more often than one worker would. Times are the database server's clock.
/// - A worker's **leases** (its URLs and the host it holds) live as long as its heartbeat: a worker
///   whose heartbeat is older than the lease time is dead; another worker takes its run (`taken_by`),
///   recovers its WARC file (when it can read it, and no live process on this machine holds the file's
///   flock), notes its captures, and puts its URLs back as pending. A worker whose run was taken stops
///   at its next heartbeat, and checks its lease before each capture (``holds(_:)``).
final class SharedFrontier: @unchecked Sendable {
    let state: HarvestState
    let run: Int
    let round: Int
    let policy: PolitenessPolicy
    /// Seconds without a heartbeat after which a worker is dead and its leases go to others.
    let leaseSeconds: Double
    /// How long a claimed host stays held if its worker never says the request ended.
    let holdSeconds: Double
    /// Jitter of retry backoffs (used holding the state's lock).
    var rng: SplitMix
    /// Runs this worker is recovering (their heartbeat is kept fresh meanwhile).
    var recovering = Set<Int>()

    /// The database server's clock, in seconds since 1970.
    static let now = "EXTRACT(EPOCH FROM clock_timestamp())"
    /// The advisory lock key of joining and finishing rounds.
    static let roundLock: Int64 = 0x6E69_616E_726F_756E  // "nianroun"

    /// A URL to add to the frontier.
    struct Entry {
        var url: String
        var host: String
        var kind: FetchTask.Kind
        var depth: Int
        var site: String?
        var hops = 0
        var chain: [String] = []
    }

    /// Joins the open round (or opens one) and queues the seeds in it, in one transaction under the
    /// round lock, so that no worker finishes the round in between; ``newSeeds`` are the seeds that
    /// were new to the round.
    init(state: HarvestState, run: Int, worker: String, policy: PolitenessPolicy, leaseSeconds: Double, holdSeconds: Double,
         warcDirectory: String, seeds: [Entry]) throws {
        self.state = state
        self.run = run
        self.policy = policy
        self.leaseSeconds = leaseSeconds
        self.holdSeconds = holdSeconds
        rng = SplitMix(seed: UInt64(run) &* 0x9E37_79B9 &+ UInt64(Date().timeIntervalSince1970))
        let db = state.db
        let hostDelay = policy.hostDelay
        var joined = 0
        var newSeeds: [Entry] = []
        try state.locked {
            try db.transaction {
                try db.serialize(Self.roundLock)
                if let open = try db.query("SELECT round_id FROM rounds WHERE finished IS NULL ORDER BY round_id DESC LIMIT 1", []).first?.first.flatMap({ $0 }),
                   let r = Int(open) {
                    joined = r
                } else {
                    joined = Int(try db.query("INSERT INTO rounds (started) VALUES (\(Self.now)) RETURNING round_id", []).first?.first.flatMap { $0 } ?? "0") ?? 0
                }
                _ = try db.portableQuery("UPDATE runs SET worker = ?, round_id = ?, heartbeat = \(Self.now), machine = ?, lease_seconds = ?, warc_dir = ? WHERE run_id = ?",
                                         [.text(worker), .int(joined), .text(ProcessInfo.processInfo.hostName), .decimal(String(leaseSeconds)),
                                          .text(warcDirectory), .int(run)])
                for seed in seeds {
                    if try Self.insert(seed, round: joined, delay: hostDelay, listingLimit: nil, db: db) { newSeeds.append(seed) }
                }
            }
        }
        round = joined
        self.newSeeds = newSeeds
    }

    /// The seeds that were new to the round when this worker joined it.
    let newSeeds: [Entry]

    /// Inserts a URL into round `round` unless it is there already; true when it was new to the round.
    static func insert(_ e: Entry, round: Int, delay: Double, listingLimit: (key: String, pages: Int)?, db: SQLConnection) throws -> Bool {
        _ = try db.portableQuery("INSERT INTO hosts (host, delay) VALUES (?, ?::float8) ON CONFLICT (host) DO NOTHING", [.text(e.host), .decimal(String(delay))])
        var params: [SQLValue] = [.text(e.url), .int(round), .text(e.host), .text(e.kind.rawValue), .int(e.depth),
                                  e.site.map { .text($0) } ?? .null, .int(e.hops), e.chain.isEmpty ? .null : .text(e.chain.joined(separator: "\n"))]
        var guardSQL = ""
        if let limit = listingLimit {
            // Listing pages per site, over every worker (the caller holds the site's advisory lock).
            guardSQL = " WHERE (SELECT count(*) FROM frontier WHERE round_id = ? AND kind = 'listing' AND COALESCE(site, host) = ?) < ?"
            params += [.int(round), .text(limit.key), .int(limit.pages)]
        }
        let rows = try db.portableQuery("""
            INSERT INTO frontier (url, round_id, host, kind, depth, site, hops, chain, status)
            SELECT ?, ?::bigint, ?, ?, ?::integer, ?, ?::integer, ?, 'pending'\(guardSQL)
            ON CONFLICT (url) DO UPDATE SET round_id = excluded.round_id, host = excluded.host, kind = excluded.kind,
              depth = excluded.depth, site = excluded.site, hops = excluded.hops, chain = excluded.chain, attempt = 0,
              status = 'pending', not_before = 0, lease_owner = NULL, last_error = NULL
            WHERE frontier.round_id < excluded.round_id
            RETURNING url
            """, params)
        return !rows.isEmpty
    }

    /// Adds a URL found while harvesting; true when it was new to the round. A listing page counts
    /// against its site's `pages` limit over all workers.
    func enqueue(_ e: Entry, listingLimit: (key: String, pages: Int)? = nil) throws -> Bool {
        try state.locked {
            guard let limit = listingLimit else { return try Self.insert(e, round: round, delay: policy.hostDelay, listingLimit: nil, db: state.db) }
            return try state.db.transaction {
                _ = try state.db.portableQuery("SELECT pg_advisory_xact_lock(hashtext(?))", [.text("nianbao listing \(limit.key)")])
                return try Self.insert(e, round: round, delay: policy.hostDelay, listingLimit: limit, db: state.db)
            }
        }
    }

    /// What a worker does next.
    enum Claim {
        /// Fetch this URL now; `robots` is its host's rules (nil for a robots.txt task).
        case start(FetchTask, site: String?, hops: Int, chain: [String], robots: RobotsRules?)
        /// Nothing can start now: ask again after this many seconds.
        case wait(Double)
        /// Nothing is pending or leased in the round.
        case finished
    }

    /// Claims the next URL: the host allowed longest ago that no live worker holds, its robots.txt
    /// first, then its oldest pending URL once its robots.txt is known this round.
    func claim() throws -> Claim {
        let db = state.db
        let r = SQLValue.int(round)
        return try state.locked {
            let claimed: Claim? = try db.transaction {
                guard let host = try db.portableQuery("""
                    SELECT h.host, h.robots_round IS NOT DISTINCT FROM ?, h.robots, GREATEST(h.delay, ?) FROM hosts h
                    WHERE h.next_allowed <= \(Self.now) AND (h.holder IS NULL OR h.hold_expires < \(Self.now))
                      AND h.parked_round IS DISTINCT FROM ?
                      AND EXISTS (SELECT 1 FROM frontier f WHERE f.host = h.host AND f.round_id = ? AND f.status = 'pending'
                                  AND f.not_before <= \(Self.now) AND (f.kind = 'robots' OR h.robots_round IS NOT DISTINCT FROM ?))
                    ORDER BY h.next_allowed LIMIT 1 FOR UPDATE OF h SKIP LOCKED
                    """, [r, .decimal(String(policy.hostDelay)), r, r, r]).first, let name = host[0] else { return nil }
                let robotsKnown = host[1] == "t"
                guard let row = try db.portableQuery("""
                    SELECT url, kind, depth, site, hops, chain, attempt FROM frontier
                    WHERE host = ? AND round_id = ? AND status = 'pending' AND not_before <= \(Self.now) AND (kind = 'robots' OR ?)
                    ORDER BY (kind = 'robots') DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED
                    """, [.text(name), r, .text(robotsKnown ? "true" : "false")]).first, let url = row[0] else { return nil }
                _ = try db.portableQuery("UPDATE frontier SET status = 'leased', lease_owner = ? WHERE url = ?", [.int(run), .text(url)])
                _ = try db.portableQuery("UPDATE hosts SET holder = ?, hold_expires = \(Self.now) + ?, next_allowed = \(Self.now) + ? WHERE host = ?",
                                         [.int(run), .decimal(String(holdSeconds)), .decimal(host[3] ?? "0"), .text(name)])
                let kind = FetchTask.Kind(rawValue: row[1] ?? "report") ?? .report
                let task = FetchTask(url: url, host: name, attempt: Int(row[6] ?? "0") ?? 0, depth: Int(row[2] ?? "0") ?? 0, kind: kind)
                return .start(task, site: row[3], hops: Int(row[4] ?? "0") ?? 0, chain: row[5].map { $0.split(separator: "\n").map(String.init) } ?? [],
                              robots: kind == .robots ? nil : host[2].map(RobotsRules.init(serialized:)) ?? .allowAll)
            }
            if let claimed { return claimed }
            let open = try openWork()
            if open.pending == 0 && open.leased == 0 { return .finished }
            guard let soonest = open.soonest else { return open.leased == 0 ? .finished : .wait(0.1) }
            return .wait(min(0.1, max(0.01, soonest)))
        }
    }

    /// URLs of the round still pending (that some host could ever start) and leased, and the seconds
    /// until the earliest pending one may start (nil when none could).
    func openWork() throws -> (pending: Int, leased: Int, soonest: Double?) {
        let r = SQLValue.int(round)
        let row = try state.db.portableQuery("""
            SELECT count(*) FILTER (WHERE f.status = 'pending' AND h.parked_round IS DISTINCT FROM ?),
                   count(*) FILTER (WHERE f.status = 'leased'),
                   MIN(GREATEST(h.next_allowed, f.not_before) - \(Self.now)) FILTER (WHERE f.status = 'pending' AND h.parked_round IS DISTINCT FROM ?
                       AND (f.kind = 'robots' OR h.robots_round IS NOT DISTINCT FROM ?))
            FROM frontier f JOIN hosts h ON h.host = f.host
            WHERE f.round_id = ? AND f.status IN ('pending', 'leased')
            """, [r, r, r, r]).first ?? []
        return (Int(row.first.flatMap { $0 } ?? "0") ?? 0, Int(row.dropFirst().first.flatMap { $0 } ?? "0") ?? 0,
                row.count > 2 ? row[2].flatMap(Double.init) : nil)
    }

    /// Ends the round when nothing in it is pending or leased (checked again under the round lock);
    /// pending URLs no host can ever start (their host parked, its robots.txt never read) are dropped.
    /// True when the round is over (ended now or by another worker).
    func finishRound() throws -> Bool {
        let db = state.db
        return try state.locked {
            try db.transaction {
                try db.serialize(Self.roundLock)
                let open = try openWork()
                if open.leased > 0 || open.soonest != nil { return false }
                _ = try db.portableQuery("UPDATE frontier SET status = 'dropped' WHERE round_id = ? AND status = 'pending'", [.int(round)])
                _ = try db.portableQuery("UPDATE rounds SET finished = \(Self.now) WHERE round_id = ? AND finished IS NULL", [.int(round)])
                return true
            }
        }
    }

    /// Records the end of an attempt: the host is released (its next allowed time at least now +
    /// delay, later after a Retry-After or a backoff; parked after repeated failures), and the URL is
    /// done, pending again for a retry, or stays leased while its follow-up (archive, discover,
    /// normalize) runs when `keepLease`. Returns when a retry may run (nil: no retry) and whether the
    /// host was parked now.
    func complete(_ task: FetchTask, _ outcome: AttemptOutcome, keepLease: Bool) throws -> (retryAt: Double?, parked: Bool) {
        let db = state.db
        return try state.locked {
            try db.transaction {
                let host = try db.portableQuery("SELECT failures, GREATEST(delay, ?) FROM hosts WHERE host = ? FOR UPDATE",
                                                [.decimal(String(policy.hostDelay)), .text(task.host)]).first
                let failures = Int(host?[0] ?? "0") ?? 0
                let delay = host?[1] ?? String(policy.hostDelay)
                let d = PolitenessScheduler.decide(outcome, attempt: task.attempt, failures: failures, policy: policy) {
                    PolitenessScheduler.backoff($0, policy: policy, rng: &rng)
                }
                let next = try db.portableQuery("""
                    UPDATE hosts SET holder = CASE WHEN holder = ? THEN NULL ELSE holder END,
                      hold_expires = CASE WHEN holder = ? THEN NULL ELSE hold_expires END, failures = ?,
                      next_allowed = GREATEST(next_allowed, \(Self.now) + ?, \(Self.now) + ?),
                      parked_round = CASE WHEN ? THEN ? ELSE parked_round END
                    WHERE host = ? RETURNING next_allowed
                    """, [.int(run), .int(run), .int(d.failures), .decimal(delay), .decimal(String(d.hostWait ?? 0)),
                          .text(d.park ? "true" : "false"), .int(round), .text(task.host)]).first?.first.flatMap { $0 }
                var reason: String?
                switch outcome {
                case .transient(let r), .permanent(let r): reason = r
                case .retryAfter(let status, _): reason = "http_\(status)"
                case .done: reason = nil
                }
                if d.retry {
                    _ = try db.portableQuery("""
                        UPDATE frontier SET status = 'pending', attempt = attempt + 1, not_before = ?, lease_owner = NULL, last_error = ?
                        WHERE url = ? AND lease_owner = ?
                        """, [.decimal(next ?? "0"), reason.map { .text($0) } ?? .null, .text(task.url), .int(run)])
                } else if !keepLease {
                    _ = try db.portableQuery("UPDATE frontier SET status = 'done', lease_owner = NULL, last_error = ? WHERE url = ? AND lease_owner = ?",
                                             [reason.map { .text($0) } ?? .null, .text(task.url), .int(run)])
                }
                if d.park {
                    _ = try db.portableQuery("UPDATE frontier SET status = 'dropped', last_error = 'host parked' WHERE host = ? AND round_id = ? AND status = 'pending'",
                                             [.text(task.host), .int(round)])
                }
                return (d.retry ? Double(next ?? "0") : nil, d.park)
            }
        }
    }

    /// The follow-up of a URL finished: the URL is done.
    func finish(_ url: String) throws {
        _ = try state.q("UPDATE frontier SET status = 'done', lease_owner = NULL WHERE url = ? AND lease_owner = ?", [.text(url), .int(run)])
    }

    /// Gives back a claimed URL that was not fetched (a limit of this worker was reached).
    func release(_ task: FetchTask) throws {
        _ = try state.q("UPDATE frontier SET status = 'pending', lease_owner = NULL WHERE url = ? AND lease_owner = ?", [.text(task.url), .int(run)])
        _ = try state.q("UPDATE hosts SET holder = NULL, hold_expires = NULL WHERE host = ? AND holder = ?", [.text(task.host), .int(run)])
    }

    /// Notes a host's robots.txt rules for the round (and raises its delay to a Crawl-delay).
    func setRobots(_ host: String, _ rules: RobotsRules) throws {
        _ = try state.q("""
            UPDATE hosts SET robots_round = ?, robots = ?, delay = GREATEST(?::float8, LEAST(COALESCE(?::float8, 0), ?::float8)) WHERE host = ?
            """, [.int(round), .text(rules.serialized), .decimal(String(policy.hostDelay)),
                  rules.crawlDelay.map { .decimal(String($0)) } ?? .null, .decimal(String(policy.maxWait)), .text(host)])
    }

    /// Says this worker is alive: its run's heartbeat, what it fetched, its last failure, and the hold
    /// on the host it is fetching from; also the runs it is recovering. False when another worker has
    /// taken this run for dead (it was silent longer than the lease: paused, or cut off from the
    /// database): its leases are no longer its own.
    @discardableResult
    func heartbeat(fetched: Int, lastError: String?) throws -> Bool {
        try state.locked {
            let mine = try state.db.portableQuery("""
                UPDATE runs SET heartbeat = \(Self.now), fetched = ?, last_error = ? WHERE run_id = ? AND taken_by IS NULL RETURNING run_id
                """, [.int(fetched), lastError.map { .text($0) } ?? .null, .int(run)])
            _ = try state.db.portableQuery("UPDATE hosts SET hold_expires = \(Self.now) + ? WHERE holder = ?", [.decimal(String(holdSeconds)), .int(run)])
            for other in recovering {
                _ = try state.db.portableQuery("UPDATE runs SET heartbeat = \(Self.now) WHERE run_id = ?", [.int(other)])
            }
            return !mine.isEmpty
        }
    }

    /// True while this worker holds the lease of `url` (checked before a capture is written, so a
    /// worker whose leases were taken over never captures a URL another worker now has).
    func holds(_ url: String) throws -> Bool {
        !(try state.q("SELECT 1 FROM frontier WHERE url = ? AND lease_owner = ? AND status = 'leased'", [.text(url), .int(run)]).isEmpty)
    }

    /// A worker that stopped saying it is alive.
    struct DeadRun {
        var run: Int
        /// Its WARC file's name.
        var warc: String?
        /// The machine it ran on.
        var machine: String?
        /// Its `--warc-dir`, absolute.
        var warcDirectory: String?
        /// Seconds since its last heartbeat.
        var silence: Double
    }

    /// Unfinished runs of other workers whose heartbeat is older than the lease time.
    func deadRuns() throws -> [DeadRun] {
        try state.q("""
            SELECT r.run_id, f.warc, r.machine, \(Self.now) - r.heartbeat, r.warc_dir FROM runs r LEFT JOIN run_files f ON f.run_id = r.run_id
            WHERE r.finished IS NULL AND r.run_id <> ? AND r.heartbeat < \(Self.now) - ?
            ORDER BY r.run_id
            """, [.int(run), .decimal(String(leaseSeconds))]).compactMap { row in
            guard let id = row[0].flatMap({ Int($0) }) else { return nil }
            return DeadRun(run: id, warc: row[1], machine: row[2], warcDirectory: row[4], silence: row[3].flatMap(Double.init) ?? 0)
        }
    }

    /// Takes a dead run to recover (no other worker takes it while this one's heartbeat keeps it
    /// fresh); false when another worker took it first.
    func takeDeadRun(_ dead: Int) throws -> Bool {
        let taken = try state.q("""
            UPDATE runs SET heartbeat = \(Self.now), summary = ?, taken_by = ? WHERE run_id = ? AND finished IS NULL
              AND heartbeat < \(Self.now) - ? RETURNING run_id
            """, [.text("interrupted; being recovered by run \(run)"), .int(run), .int(dead), .decimal(String(leaseSeconds))])
        guard !taken.isEmpty else { return false }
        state.locked { _ = recovering.insert(dead) }
        return true
    }

    /// Stops keeping a dead run's heartbeat fresh (its recovery failed), so that it can be taken again.
    func giveUp(_ dead: Int) {
        state.locked { _ = recovering.remove(dead) }
        _ = try? state.q("UPDATE runs SET taken_by = NULL WHERE run_id = ? AND taken_by = ?", [.int(dead), .int(run)])
    }

    /// Puts a recovered dead run's URLs back as pending and releases the host it held.
    func releaseLeases(of dead: Int) throws {
        try state.locked {
            try state.db.transaction {
                _ = try state.db.portableQuery("UPDATE frontier SET status = 'pending', lease_owner = NULL WHERE lease_owner = ? AND status = 'leased'", [.int(dead)])
                _ = try state.db.portableQuery("UPDATE hosts SET holder = NULL, hold_expires = NULL WHERE holder = ?", [.int(dead)])
            }
            recovering.remove(dead)
        }
    }
}
