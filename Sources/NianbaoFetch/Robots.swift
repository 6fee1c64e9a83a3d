/// robots.txt rules for one host (RFC 9309, plus the common `Crawl-delay` extension).
///
/// The group whose `User-agent` matches nianbao's product token applies, else the `*` group. Among
/// the group's rules the longest matching path wins and `Allow` wins a tie; `*` matches any run of
/// characters and a final `$` anchors the end.
public struct RobotsRules: Sendable, Equatable {
    /// (allow, pattern) of the applicable group.
    public var rules: [(allow: Bool, pattern: String)]
    /// Seconds between requests asked by the applicable group.
    public var crawlDelay: Double?

    /// Everything allowed (no robots.txt, or a 4xx for it).
    public static let allowAll = RobotsRules(rules: [], crawlDelay: nil)
    /// Nothing allowed (robots.txt unreachable with a 5xx: RFC 9309 §2.3.1.3).
    public static let disallowAll = RobotsRules(rules: [(false, "/")], crawlDelay: nil)

    /// Creates rules.
    public init(rules: [(allow: Bool, pattern: String)], crawlDelay: Double?) {
        self.rules = rules
        self.crawlDelay = crawlDelay
    }

    public static func == (a: RobotsRules, b: RobotsRules) -> Bool {
        a.crawlDelay == b.crawlDelay && a.rules.map(\.allow) == b.rules.map(\.allow) && a.rules.map(\.pattern) == b.rules.map(\.pattern)
    }

    /// Parses robots.txt for `productToken` (e.g. `nianbao`).
    public init(parsing text: String, productToken: String) {
        struct Group { var agents: [String] = []; var rules: [(Bool, String)] = []; var delay: Double? }
        var groups: [Group] = []
        var current: Group?
        var lastWasAgent = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "user-agent":
                if !lastWasAgent { if let c = current { groups.append(c) }; current = Group() }
                current?.agents.append(value.lowercased())
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                guard current != nil else { continue }
                if value.isEmpty { continue }  // "Disallow:" with nothing allows everything
                current?.rules.append((key == "allow", value))
            case "crawl-delay":
                lastWasAgent = false
                if let d = Double(value), d >= 0 { current?.delay = d }
            default:
                lastWasAgent = false
            }
        }
        if let c = current { groups.append(c) }
        let token = productToken.lowercased()
        let chosen = groups.first { $0.agents.contains { $0 != "*" && token.hasPrefix($0) } } ?? groups.first { $0.agents.contains("*") }
        rules = chosen?.rules.map { (allow: $0.0, pattern: $0.1) } ?? []
        crawlDelay = chosen?.delay
    }

    /// The rules as text another worker reads back with ``init(serialized:)``: `C <delay>`, then one
    /// `A <pattern>` or `D <pattern>` line per rule (patterns have no line breaks).
    public var serialized: String {
        (crawlDelay.map { ["C \($0)"] } ?? []).joined() + rules.map { "\n\($0.allow ? "A" : "D") \($0.pattern)" }.joined()
    }

    /// Reads ``serialized`` back.
    public init(serialized: String) {
        var rules: [(allow: Bool, pattern: String)] = []
        var delay: Double?
        for line in serialized.split(separator: "\n") where line.count >= 2 {
            let value = String(line.dropFirst(2))
            switch line.first {
            case "C": delay = Double(value)
            case "A": rules.append((true, value))
            case "D": rules.append((false, value))
            default: continue
            }
        }
        self.init(rules: rules, crawlDelay: delay)
    }

    /// Whether `path` (path and query of a URL) may be fetched.
    public func allows(_ path: String) -> Bool {
        let p = path.isEmpty ? "/" : path
        var best: (length: Int, allow: Bool)?
        for r in rules where Self.matches(pattern: r.pattern, path: p) {
            let len = r.pattern.count
            if best == nil || len > best!.length || (len == best!.length && r.allow) { best = (len, r.allow) }
        }
        return best?.allow ?? true
    }

    static func matches(pattern: String, path: String) -> Bool {
        var pat = Array(pattern)
        let anchored = pat.last == "$"
        if anchored { pat.removeLast() }
        let s = Array(path)
        // Glob match of pat (with *) as a prefix of s (or the whole of s when anchored).
        func go(_ i: Int, _ j: Int) -> Bool {
            if i == pat.count { return !anchored || j == s.count }
            if pat[i] == "*" {
                var k = j
                while k <= s.count { if go(i + 1, k) { return true }; k += 1 }
                return false
            }
            guard j < s.count, s[j] == pat[i] else { return false }
            return go(i + 1, j + 1)
        }
        return go(0, 0)
    }
}
