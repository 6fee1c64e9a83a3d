import Foundation
import NianbaoSQL

/// What the harvester remembers about one URL between runs.
public struct URLState: Sendable, Equatable {
    /// The URL.
    public var url: String
    /// `listing`, `report` or `robots`.
    public var kind: String
    /// Validators of the last capture.
    public var etag: String?
    /// See ``etag``.
    public var lastModified: String?
    /// `sha1:BASE32` of the last captured payload (as sent).
    public var payloadDigest: String?
    /// Last HTTP status (or 0 after a failure).
    public var status: Int?
    /// Where the last capture is: WARC file name and offset of its response record.
    public var warc: String?
    /// See ``warc``.
    public var warcOffset: Int?
    /// The record id normalizing the last capture gave.
    public var reportID: String?
}

/// The harvest state: per URL the validators, payload digest, last status and attempt, last capture
/// and report id; one row per run; what each sink committed. In one SQLite file (one harvest at a
/// time), or in PostgreSQL (`postgres://…`, schema `nianbao_harvest`), where several workers share
/// it and the frontier, per-host politeness and leases live too (``SharedFrontier``).
public final class HarvestState: @unchecked Sendable {
    let db: SQLConnection
    /// Every use of the connection holds this lock (a libpq connection serves one thread at a time,
    /// and a transaction's statements must not interleave with another thread's).
    let lock = NSRecursiveLock()
    /// The file, or the PostgreSQL URL with its password redacted.
    public let path: String
    /// True when the state is in PostgreSQL and may be shared by several workers.
    public var isShared: Bool { db.dialect == .postgres }
    /// The schema version of a PostgreSQL state (one migration so far).
    public static let sharedSchemaVersion = 1

    /// Opens (creating) the state: a SQLite file, or a PostgreSQL database given by a `postgres://` URL.
    public init(path: String) throws {
        if PostgresConnection.isURL(path) {
            self.path = PostgresConnection.redact(path)
            do { db = try PostgresConnection(url: path) } catch { throw HarvestError.io("\(self.path): \(error)") }
            try Self.migrateShared(db)
            return
        }
        self.path = path
        do { db = try SQLiteConnection(path: path) } catch { throw HarvestError.io("\(path): \(error)") }
        try db.exec("""
            CREATE TABLE IF NOT EXISTS urls (
              url TEXT PRIMARY KEY, kind TEXT NOT NULL, etag TEXT, last_modified TEXT, payload_digest TEXT,
              status INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_attempt TEXT, last_error TEXT,
              warc TEXT, warc_offset INTEGER, report_id TEXT, first_seen TEXT, changed_at TEXT,
              normalized INTEGER NOT NULL DEFAULT 0, captures INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS runs (
              run_id INTEGER PRIMARY KEY AUTOINCREMENT, started TEXT NOT NULL, finished TEXT, summary TEXT);
            CREATE TABLE IF NOT EXISTS sink_loads (
              sink TEXT NOT NULL, report_id TEXT NOT NULL, digest TEXT NOT NULL, loaded_at TEXT NOT NULL,
              PRIMARY KEY (sink, report_id));
            CREATE TABLE IF NOT EXISTS run_files (run_id INTEGER PRIMARY KEY, warc TEXT NOT NULL);
            """)
    }

    /// Creates the PostgreSQL state's tables once: workers starting together wait on an advisory lock,
    /// and the first one migrates (noted in `migrations`); the others find it done.
    static func migrateShared(_ db: SQLConnection) throws {
        try db.exec("SET search_path = nianbao_harvest")
        try db.transaction {
            try db.serialize(0x6E69_616E_6861_7276)  // "nianharv"
            try db.exec("CREATE SCHEMA IF NOT EXISTS nianbao_harvest")
            try db.exec("CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL, applied_by TEXT NOT NULL)")
            let version = Int(try db.query("SELECT COALESCE(MAX(version), 0) FROM migrations", []).first?.first.flatMap { $0 } ?? "0") ?? 0
            guard version < 1 else { return }
            try db.exec("""
                CREATE TABLE urls (
                  url TEXT PRIMARY KEY, kind TEXT NOT NULL, etag TEXT, last_modified TEXT, payload_digest TEXT,
                  status INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_attempt TEXT, last_error TEXT,
                  warc TEXT, warc_offset BIGINT, report_id TEXT, first_seen TEXT, changed_at TEXT,
                  normalized INTEGER NOT NULL DEFAULT 0, captures INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE runs (
                  run_id BIGSERIAL PRIMARY KEY, started TEXT NOT NULL, finished TEXT, summary TEXT,
                  worker TEXT, machine TEXT, round_id BIGINT, heartbeat DOUBLE PRECISION, lease_seconds DOUBLE PRECISION, taken_by BIGINT, warc_dir TEXT, fetched INTEGER NOT NULL DEFAULT 0,
                  last_error TEXT);
                CREATE TABLE sink_loads (
                  sink TEXT NOT NULL, report_id TEXT NOT NULL, digest TEXT NOT NULL, loaded_at TEXT NOT NULL,
                  PRIMARY KEY (sink, report_id));
                CREATE TABLE run_files (run_id BIGINT PRIMARY KEY, warc TEXT NOT NULL);
                CREATE TABLE rounds (round_id BIGSERIAL PRIMARY KEY, started DOUBLE PRECISION NOT NULL, finished DOUBLE PRECISION);
                CREATE TABLE hosts (
                  host TEXT PRIMARY KEY, delay DOUBLE PRECISION NOT NULL, next_allowed DOUBLE PRECISION NOT NULL DEFAULT 0,
                  holder BIGINT, hold_expires DOUBLE PRECISION, failures INTEGER NOT NULL DEFAULT 0, parked_round BIGINT,
                  robots_round BIGINT, robots TEXT);
                CREATE TABLE frontier (
                  url TEXT PRIMARY KEY, seq BIGSERIAL, round_id BIGINT NOT NULL, host TEXT NOT NULL, kind TEXT NOT NULL,
                  depth INTEGER NOT NULL, site TEXT, hops INTEGER NOT NULL DEFAULT 0, chain TEXT, attempt INTEGER NOT NULL DEFAULT 0,
                  status TEXT NOT NULL, not_before DOUBLE PRECISION NOT NULL DEFAULT 0, lease_owner BIGINT, last_error TEXT);
                CREATE INDEX frontier_claim ON frontier (host, round_id, status);
                CREATE INDEX frontier_open ON frontier (round_id, status);
                CREATE INDEX hosts_next ON hosts (next_allowed);
                CREATE INDEX frontier_owner ON frontier (lease_owner) WHERE lease_owner IS NOT NULL;
                """)
            _ = try db.portableQuery("INSERT INTO migrations VALUES (1, EXTRACT(EPOCH FROM clock_timestamp()), ?)",
                                     [.text("\(ProcessInfo.processInfo.hostName) pid \(getpid())")])
        }
    }

    /// Runs `body` holding the connection.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Runs one `?`-placeholder statement holding the connection.
    func q(_ sql: String, _ params: [SQLValue] = []) throws -> [[String?]] {
        try locked { try db.portableQuery(sql, params) }
    }

    /// What an operator asks of a harvest state (`nianbao status`).
    public struct Status: Sendable {
        /// One host's URLs.
        public struct Host: Sendable {
            /// Scheme, name and port (`https://www.example.gov.cn`).
            public var host: String
            /// Report and listing URLs tried; of all URLs: fetched, captured into a WARC file, normalized
            /// into a record, failing at their last attempt, and refused by robots.txt (never requested).
            public var reports = 0, listings = 0, fetched = 0, captured = 0, normalized = 0, failing = 0, disallowed = 0
            /// The latest attempt at any of its URLs (ISO 8601).
            public var lastAttempt: String?
            /// The latest failure (a failure reason, or `http_<status>`), and its URL.
            public var lastError: String?
            /// The URL of ``lastError``.
            public var lastErrorURL: String?
            /// Shared state, latest round: URLs pending (not yet fetched) and leased (being fetched by a worker).
            public var pending = 0, leased = 0
            /// Shared state: parked in the latest round after repeated failures.
            public var parked = false
        }
        /// One worker of a shared state (one run of `harvest`).
        public struct Worker: Sendable {
            /// Its run.
            public var run: Int
            /// Its name (`--worker`) and machine.
            public var name: String, machine: String
            /// `running` (heartbeat within its lease time), `finished`, or `dead` (no heartbeat for longer: its
            /// leases go to others once a worker recovers it).
            public var state: String
            /// Seconds since its last heartbeat.
            public var silence: Double?
            /// URLs it holds leased now.
            public var leases: Int
            /// Requests it made.
            public var fetched: Int
            /// Its latest failure (reason and URL).
            public var lastError: String?
        }
        /// The latest round of a shared state.
        public struct Round: Sendable {
            /// Its number.
            public var id: Int
            /// True when it ended.
            public var finished: Bool
            /// URLs by state: pending, leased, done, dropped (a parked host's, or never startable).
            public var pending = 0, leased = 0, done = 0, dropped = 0
        }
        /// One site of the sites file (its `name`, or the host of URLs given without a site) in the
        /// latest round of a shared state.
        public struct Site: Sendable {
            /// The site's name.
            public var site: String
            /// Report and listing URLs queued in the round (discovered), and by state.
            public var reports = 0, listings = 0, pending = 0, leased = 0, done = 0, dropped = 0
            /// Its hosts parked in the round.
            public var parkedHosts: [String] = []
            /// The latest failure of one of its URLs in the round (reason and URL).
            public var lastError: String?
        }
        /// Per site, latest round of a shared state.
        public var sites: [Site] = []
        /// Workers of a shared state (the latest `runs` runs), newest first.
        public var workers: [Worker] = []
        /// The latest round of a shared state.
        public var round: Round?
        /// One run.
        public struct Run: Sendable {
            /// Run number.
            public var id: Int
            /// When it started (ISO 8601).
            public var started: String
            /// When it finished; nil while it runs, or when it was killed.
            public var finished: String?
            /// Its summary line.
            public var summary: String?
        }
        /// Per host, by host.
        public var hosts: [Host]
        /// The latest runs, newest first.
        public var runs: [Run]
    }

    /// Per host (scheme, name and port of the URL): URLs tried by kind, fetched, captured, normalized,
    /// disallowed by robots.txt, failing now (an error, or a 4xx/5xx answer, at their last attempt) and the latest failure; and
    /// the latest `runs` runs, newest first.
    public func status(runs limit: Int = 5) throws -> Status {
        var hosts: [String: Status.Host] = [:]
        let rows = try q("SELECT url, kind, attempts, warc, report_id, last_attempt, last_error, status FROM urls ORDER BY url", [])
        for row in rows {
            guard let url = row[0], let u = URL(string: url) else { continue }
            let key = Harvester.hostKey(u)
            var h = hosts[key] ?? Status.Host(host: key)
            switch row[1] {
            case "report": h.reports += 1
            case "listing": h.listings += 1
            default: break
            }
            let attempts = row[2].flatMap { Int($0) } ?? 0
            if row[6] == "robots" {
                // Refused by robots.txt: never requested, not a failure.
                h.disallowed += 1
                hosts[key] = h
                continue
            }
            if attempts > 0 { h.fetched += 1 }
            if row[3] != nil { h.captured += 1 }
            if row[4] != nil { h.normalized += 1 }
            if let at = row[5], at > (h.lastAttempt ?? "") { h.lastAttempt = at }
            let status = row[7].flatMap { Int($0) }
            if let e = row[6] ?? status.flatMap({ $0 >= 400 ? "http_\($0)" : nil }) {
                h.failing += 1
                if let at = row[5], at >= (h.lastAttempt ?? "") || h.lastError == nil { h.lastError = e; h.lastErrorURL = url }
            }
            hosts[key] = h
        }
        let runs = try q("SELECT run_id, started, finished, summary FROM runs ORDER BY run_id DESC LIMIT \(limit)", []).compactMap { r -> Status.Run? in
            guard let id = r[0].flatMap({ Int($0) }), let started = r[1] else { return nil }
            return Status.Run(id: id, started: started, finished: r[2], summary: r[3])
        }
        var status = Status(hosts: hosts.keys.sorted().map { hosts[$0]! }, runs: runs)
        if isShared { try addShared(to: &status, hosts: &hosts, limit: limit) }
        return status
    }

    /// The frontier's view of the latest round, per host and per worker.
    func addShared(to status: inout Status, hosts: inout [String: Status.Host], limit: Int) throws {
        let now = "EXTRACT(EPOCH FROM clock_timestamp())"
        guard let r = try q("SELECT round_id, finished IS NOT NULL FROM rounds ORDER BY round_id DESC LIMIT 1").first, let id = r[0].flatMap({ Int($0) }) else { return }
        var round = Status.Round(id: id, finished: r[1] == "t")
        for row in try q("SELECT f.host, f.status, count(*), h.parked_round IS NOT DISTINCT FROM ? FROM frontier f JOIN hosts h ON h.host = f.host WHERE f.round_id = ? GROUP BY 1, 2, 4",
                         [.int(id), .int(id)]) {
            guard let host = row[0], let n = row[2].flatMap({ Int($0) }) else { continue }
            var h = hosts[host] ?? Status.Host(host: host)
            switch row[1] {
            case "pending": h.pending += n; round.pending += n
            case "leased": h.leased += n; round.leased += n
            case "done": round.done += n
            default: round.dropped += n
            }
            if row[3] == "t" { h.parked = true }
            hosts[host] = h
        }
        status.hosts = hosts.keys.sorted().map { hosts[$0]! }
        status.round = round
        status.sites = try q("""
            SELECT COALESCE(f.site, f.host), count(*) FILTER (WHERE f.kind = 'report'), count(*) FILTER (WHERE f.kind = 'listing'),
                   count(*) FILTER (WHERE f.status = 'pending'), count(*) FILTER (WHERE f.status = 'leased'),
                   count(*) FILTER (WHERE f.status = 'done'), count(*) FILTER (WHERE f.status = 'dropped'),
                   string_agg(DISTINCT CASE WHEN h.parked_round = ? THEN f.host END, ' '),
                   (array_agg(f.last_error || ' ' || f.url ORDER BY f.seq DESC) FILTER (WHERE f.last_error IS NOT NULL))[1]
            FROM frontier f JOIN hosts h ON h.host = f.host
            WHERE f.round_id = ? AND f.kind <> 'robots' GROUP BY 1 ORDER BY 1
            """, [.int(id), .int(id)]).compactMap { row in
            guard let name = row[0] else { return nil }
            func n(_ i: Int) -> Int { row[i].flatMap { Int($0) } ?? 0 }
            return Status.Site(site: name, reports: n(1), listings: n(2), pending: n(3), leased: n(4), done: n(5), dropped: n(6),
                               parkedHosts: row[7].map { $0.split(separator: " ").map(String.init) } ?? [], lastError: row[8])
        }
        status.workers = try q("""
            SELECT r.run_id, r.worker, r.machine, r.finished IS NOT NULL, \(now) - r.heartbeat, COALESCE(r.lease_seconds, 60), r.fetched, r.last_error,
                   (SELECT count(*) FROM frontier f WHERE f.lease_owner = r.run_id AND f.status = 'leased')
            FROM runs r WHERE r.worker IS NOT NULL ORDER BY r.run_id DESC LIMIT ?
            """, [.int(limit)]).compactMap { row in
            guard let run = row[0].flatMap({ Int($0) }) else { return nil }
            let silence = row[4].flatMap(Double.init)
            let state = row[3] == "t" ? "finished" : (silence ?? .infinity) <= (row[5].flatMap(Double.init) ?? 60) ? "running" : "dead"
            return Status.Worker(run: run, name: row[1] ?? "", machine: row[2] ?? "", state: state, silence: silence,
                                 leases: row[8].flatMap { Int($0) } ?? 0, fetched: row[6].flatMap { Int($0) } ?? 0, lastError: row[7])
        }
    }

    /// What a sink has committed: per report id the content digest and when it was noted (seconds
    /// since 1970). `sink` is the sink's description, e.g. `sqlite:nianbao.sqlite`.
    public func loadedDigests(sink: String) throws -> [String: (digest: String, at: Double)] {
        var out: [String: (digest: String, at: Double)] = [:]
        for r in try q("SELECT report_id, digest, loaded_at FROM sink_loads WHERE sink = ?", [.text(sink)]) {
            if let id = r[0], let d = r[1] { out[id] = (d, r[2].flatMap(Double.init) ?? 0) }
        }
        return out
    }

    /// Notes that `sink` has committed these records; called only after the sink committed them, so a
    /// run killed before that leaves them unmarked and the next run loads them.
    public func markLoaded(sink: String, _ items: [(id: String, digest: String)], at time: Double) throws {
        guard !items.isEmpty else { return }
        try locked { try db.transaction {
            for item in items {
                _ = try q("""
                    INSERT INTO sink_loads (sink, report_id, digest, loaded_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(sink, report_id) DO UPDATE SET digest = excluded.digest, loaded_at = excluded.loaded_at
                    """, [.text(sink), .text(item.id), .text(item.digest), .text(String(time))])
            }
        } }
    }

    /// The state of a URL, if it was ever seen.
    public func get(_ url: String) throws -> URLState? {
        let rows = try q("SELECT url, kind, etag, last_modified, payload_digest, status, warc, warc_offset, report_id FROM urls WHERE url = ?", [.text(url)])
        guard let r = rows.first else { return nil }
        return URLState(url: r[0]!, kind: r[1] ?? "report", etag: r[2], lastModified: r[3], payloadDigest: r[4],
                        status: r[5].flatMap { Int($0) }, warc: r[6], warcOffset: r[7].flatMap { Int($0) }, reportID: r[8])
    }

    /// Records an attempt that gave no new capture (304, same payload, an error).
    public func recordAttempt(_ url: String, kind: String, status: Int?, error: String?, at time: String) throws {
        _ = try q("""
            INSERT INTO urls (url, kind, status, attempts, last_attempt, last_error, first_seen) VALUES (?, ?, ?, 1, ?, ?, ?)
            ON CONFLICT(url) DO UPDATE SET status = COALESCE(excluded.status, urls.status), attempts = urls.attempts + 1,
              last_attempt = excluded.last_attempt, last_error = excluded.last_error
            """, [.text(url), .text(kind), status.map { .int($0) } ?? .null, .text(time), error.map { .text($0) } ?? .null, .text(time)])
    }

    /// Records a new capture.
    public func recordCapture(_ s: URLState, at time: String) throws {
        _ = try q("""
            INSERT INTO urls (url, kind, etag, last_modified, payload_digest, status, attempts, last_attempt, last_error, warc, warc_offset, report_id, first_seen, changed_at, normalized, captures)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?, NULL, ?, ?, ?, ?, ?, 0, 1)
            ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, etag = excluded.etag, last_modified = excluded.last_modified,
              payload_digest = excluded.payload_digest, status = excluded.status, attempts = urls.attempts + 1,
              last_attempt = excluded.last_attempt, last_error = NULL, warc = excluded.warc, warc_offset = excluded.warc_offset,
              report_id = COALESCE(excluded.report_id, urls.report_id), changed_at = excluded.changed_at,
              normalized = 0, captures = urls.captures + 1
            """, [.text(s.url), .text(s.kind), s.etag.map { .text($0) } ?? .null, s.lastModified.map { .text($0) } ?? .null,
                  s.payloadDigest.map { .text($0) } ?? .null, s.status.map { .int($0) } ?? .null, .text(time),
                  s.warc.map { .text($0) } ?? .null, s.warcOffset.map { .int($0) } ?? .null, s.reportID.map { .text($0) } ?? .null,
                  .text(time), .text(time)])
    }

    /// Sets the report id of a URL's current capture.
    public func setReportID(_ url: String, _ id: String) throws {
        _ = try q("UPDATE urls SET report_id = ? WHERE url = ?", [.text(id), .text(url)])
    }

    /// Notes that a capture was handed to normalization (whatever came of it).
    public func markNormalized(_ url: String) throws {
        _ = try q("UPDATE urls SET normalized = 1 WHERE url = ?", [.text(url)])
    }

    /// Report captures never handed to normalization: (url, warc, offset, had an earlier capture).
    /// Only those captured into the WARC file `warc` when it is given.
    public func unnormalizedReports(inWARC warc: String? = nil) throws -> [(String, String, Int, Bool)] {
        try q("SELECT url, warc, warc_offset, captures FROM urls WHERE kind = 'report' AND warc IS NOT NULL AND normalized = 0"
              + (warc == nil ? "" : " AND warc = ?"), warc.map { [.text($0)] } ?? []).compactMap { r in
            guard let u = r[0], let w = r[1], let o = r[2].flatMap({ Int($0) }) else { return nil }
            return (u, w, o, (r[3].flatMap { Int($0) } ?? 1) > 1)
        }
    }

    /// How many captures each URL has had (tests: "captured exactly once").
    public func captureCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try q("SELECT url, captures FROM urls", []) { if let u = r[0] { out[u] = Int(r[1] ?? "0") ?? 0 } }
        return out
    }

    /// Starts a run; returns its id.
    public func beginRun(at time: String) throws -> Int {
        // A shared state's run is alive from its first instant (its heartbeat), or another worker would take it for dead.
        Int(try q(isShared ? "INSERT INTO runs (started, heartbeat) VALUES (?, EXTRACT(EPOCH FROM clock_timestamp())) RETURNING run_id"
                           : "INSERT INTO runs (started) VALUES (?) RETURNING run_id", [.text(time)]).first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// Ends a run with its summary.
    public func endRun(_ id: Int, at time: String, summary: String) throws {
        _ = try q("UPDATE runs SET finished = ?, summary = ? WHERE run_id = ?", [.text(time), .text(summary), .int(id)])
    }
}
