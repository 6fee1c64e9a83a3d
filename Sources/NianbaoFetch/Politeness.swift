/// What became of one attempt, as the scheduler needs to know it.
public enum AttemptOutcome: Sendable, Equatable {
    /// The server answered with a final status (2xx, 3xx, 304, 404 …): no retry.
    case done(status: Int)
    /// 429 or 503 with `Retry-After` seconds (nil when the header is absent).
    case retryAfter(status: Int, seconds: Double?)
    /// A timeout, a reset connection, a 5xx: worth retrying with backoff.
    case transient(reason: String)
    /// Refused for good (robots.txt, a private address, a bad URL, a body too large).
    case permanent(reason: String)
}

/// One URL to fetch and how many times it was tried.
public struct FetchTask: Sendable, Equatable, Hashable {
    /// The URL.
    public var url: String
    /// Scheme + host + port: the politeness key.
    public var host: String
    /// Attempts made so far.
    public var attempt: Int
    /// Discovery depth (0 for seeds).
    public var depth: Int
    /// What kind of page it is expected to be.
    public var kind: Kind

    /// Listing pages are crawled for links; report pages are captured and normalized.
    public enum Kind: String, Sendable, Hashable { case listing, report, robots }

    /// Creates a task.
    public init(url: String, host: String, attempt: Int = 0, depth: Int = 0, kind: Kind) {
        self.url = url
        self.host = host
        self.attempt = attempt
        self.depth = depth
        self.kind = kind
    }
}

/// Politeness and retry policy, all defaults documented in the README.
public struct PolitenessPolicy: Sendable {
    /// Seconds between two requests to one host (raised by a robots.txt Crawl-delay).
    public var hostDelay = 2.0
    /// Requests in flight over all hosts.
    public var globalConcurrency = 8
    /// Retries after the first attempt for transient failures.
    public var maxRetries = 3
    /// First backoff in seconds; doubles each retry, ±25% jitter.
    public var backoffBase = 2.0
    /// Longest wait honoured from Retry-After or backoff.
    public var maxWait = 300.0
    /// Consecutive transient failures after which a host is parked for the rest of the run.
    public var parkAfter = 5

    /// The defaults.
    public init() {}
}

/// The politeness state machine: per-host spacing, a global concurrency limit, Retry-After,
/// exponential backoff with jitter, parked hosts. A pure value type driven by events (a task
/// asked for at a time, an attempt's outcome at a time); the harvester's threads feed it.
public struct PolitenessScheduler: Sendable {
    /// The policy.
    public let policy: PolitenessPolicy
    /// A host's tasks in order: an array read from `head` on, so taking the first task, putting a
    /// retry back in front and appending are O(1) (amortized); the consumed front is cut off now and then.
    struct TaskQueue: Sendable {
        private var items: [FetchTask] = []
        private var head = 0
        var isEmpty: Bool { head == items.count }
        var count: Int { items.count - head }
        mutating func append(_ t: FetchTask) { items.append(t) }
        mutating func popFirst() -> FetchTask? {
            guard head < items.count else { return nil }
            let t = items[head]
            head += 1
            if head >= 1024 && head * 2 >= items.count { items.removeFirst(head); head = 0 }
            return t
        }
        mutating func pushFront(_ t: FetchTask) {
            if head > 0 { head -= 1; items[head] = t } else { items.insert(t, at: 0) }
        }
        mutating func removeAll() { items.removeAll(); head = 0 }
    }
    struct Host: Sendable {
        var queue = TaskQueue()
        var nextAllowed = 0.0
        var delay: Double
        var inFlight = false
        var failures = 0
        var parked = false
    }
    var hosts: [String: Host] = [:]
    var hostOrder: [String] = []
    var inFlight = 0
    /// Tasks queued over all hosts (kept current, so ``pending`` is O(1)).
    var queued = 0
    var rng: SplitMix

    /// Creates a scheduler; `seed` makes the jitter reproducible.
    public init(policy: PolitenessPolicy, seed: UInt64 = 1) {
        self.policy = policy
        rng = SplitMix(seed: seed)
    }

    /// Adds a task at the end of its host's queue.
    public mutating func enqueue(_ task: FetchTask) {
        if hosts[task.host] == nil {
            hosts[task.host] = Host(delay: policy.hostDelay)
            hostOrder.append(task.host)
        }
        guard hosts[task.host]!.parked == false else { return }
        hosts[task.host]!.queue.append(task)
        queued += 1
    }

    /// Drops every queued task (a limit of the run was reached): nothing more starts, the tasks in
    /// flight finish. Returns how many were dropped.
    @discardableResult
    public mutating func dropQueued() -> Int {
        let dropped = queued
        for h in hostOrder { hosts[h]!.queue.removeAll() }
        queued = 0
        return dropped
    }

    /// Raises a host's spacing to a robots.txt Crawl-delay (never lowers it below the policy).
    public mutating func setCrawlDelay(_ seconds: Double, for host: String) {
        if hosts[host] == nil { hosts[host] = Host(delay: policy.hostDelay); hostOrder.append(host) }
        hosts[host]!.delay = max(policy.hostDelay, min(seconds, policy.maxWait))
    }

    /// The spacing in force for a host.
    public func delay(for host: String) -> Double { hosts[host]?.delay ?? policy.hostDelay }

    /// What to do at time `now`: a task to start now, a time to wait until, or nothing left.
    public enum Next: Sendable, Equatable { case start(FetchTask), waitUntil(Double), finished }

    /// Picks the next task: the host that has been allowed longest, free, with work, under the global limit.
    public mutating func next(now: Double) -> Next {
        var soonest: Double?
        var best: (host: String, at: Double)?
        for h in hostOrder {
            let s = hosts[h]!
            guard !s.parked, !s.queue.isEmpty, !s.inFlight else { continue }
            if s.nextAllowed <= now {
                if best == nil || s.nextAllowed < best!.at { best = (h, s.nextAllowed) }
            } else {
                soonest = min(soonest ?? s.nextAllowed, s.nextAllowed)
            }
        }
        if inFlight >= policy.globalConcurrency {
            return (best != nil || soonest != nil || inFlight > 0) ? .waitUntil(now + 0.05) : .finished
        }
        if let b = best, let task = hosts[b.host]!.queue.popFirst() {
            // Mutated in place (a copy of the host would copy its queue).
            hosts[b.host]!.inFlight = true
            // Spacing counts from the start of this request.
            hosts[b.host]!.nextAllowed = now + hosts[b.host]!.delay
            queued -= 1
            inFlight += 1
            return .start(task)
        }
        if let t = soonest { return .waitUntil(t) }
        return inFlight > 0 ? .waitUntil(now + 0.05) : .finished
    }

    /// Records an attempt's outcome; returns whether the task is finished (`nil`) or was requeued
    /// (the time it may run again), and whether its host got parked.
    @discardableResult
    public mutating func completed(_ task: FetchTask, _ outcome: AttemptOutcome, now: Double) -> (retryAt: Double?, parkedHost: Bool) {
        guard hosts[task.host] != nil else { return (nil, false) }
        // The host is taken out while it changes, so its queue is not copied.
        var s = hosts.removeValue(forKey: task.host)!
        defer { hosts[task.host] = s }
        s.inFlight = false
        inFlight -= 1
        // Spacing also counts from the end of this request, so the server never sees two requests
        // closer than the delay, whatever the connection set-up or response times.
        s.nextAllowed = max(s.nextAllowed, now + s.delay)
        let d = Self.decide(outcome, attempt: task.attempt, failures: s.failures, policy: policy) { backoff($0) }
        s.failures = d.failures
        if let w = d.hostWait { s.nextAllowed = max(s.nextAllowed, now + w) }
        var retryAt: Double?
        if d.park {
            s.parked = true
            queued -= s.queue.count
            s.queue.removeAll()
        } else if d.retry {
            var t = task
            t.attempt += 1
            s.queue.pushFront(t)
            queued += 1
            retryAt = s.nextAllowed
        }
        return (retryAt, d.park)
    }

    /// What an attempt's outcome does to its host and its task: the retry policy alone, shared by
    /// this scheduler and the PostgreSQL frontier several workers share.
    public struct Decision: Sendable, Equatable {
        /// Seconds from now the host must wait at least (Retry-After, backoff), besides its delay.
        public var hostWait: Double?
        /// The task is tried again (attempt + 1) when the host allows.
        public var retry: Bool
        /// The host's consecutive transient failures after this outcome.
        public var failures: Int
        /// The host is parked for the rest of the run.
        public var park: Bool
    }

    /// Decides what `outcome` of attempt `attempt` does, given the host's consecutive failures so far;
    /// `backoff` gives the jittered wait before retry number `attempt + 1`.
    public static func decide(_ outcome: AttemptOutcome, attempt: Int, failures: Int, policy: PolitenessPolicy,
                              backoff: (Int) -> Double) -> Decision {
        switch outcome {
        case .done, .permanent:
            return Decision(hostWait: nil, retry: false, failures: 0, park: false)
        case .retryAfter(_, let seconds):
            let wait = min(policy.maxWait, seconds ?? backoff(attempt))
            return Decision(hostWait: wait, retry: attempt < policy.maxRetries, failures: failures, park: false)
        case .transient:
            if failures + 1 >= policy.parkAfter { return Decision(hostWait: nil, retry: false, failures: failures + 1, park: true) }
            guard attempt < policy.maxRetries else { return Decision(hostWait: nil, retry: false, failures: failures + 1, park: false) }
            return Decision(hostWait: backoff(attempt), retry: true, failures: failures + 1, park: false)
        }
    }

    /// True when a host was parked.
    public func isParked(_ host: String) -> Bool { hosts[host]?.parked ?? false }

    /// Tasks still queued (all hosts).
    public var pending: Int { queued }

    /// The jittered exponential backoff before retry number `attempt + 1`.
    mutating func backoff(_ attempt: Int) -> Double { Self.backoff(attempt, policy: policy, rng: &rng) }

    /// `backoffBase × 2^attempt`, ±25 % jitter from `rng`, at most `maxWait`.
    static func backoff(_ attempt: Int, policy: PolitenessPolicy, rng: inout SplitMix) -> Double {
        let base = policy.backoffBase * Double(1 << min(attempt, 16))
        let jitter = 0.75 + 0.5 * rng.nextUnit()
        return min(policy.maxWait, base * jitter)
    }
}

/// A small deterministic generator (SplitMix64) for jitter.
struct SplitMix: Sendable {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
