import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CDXJ indexes of WARC files in the form pywb reads and `cdxj-indexer` writes: one line per
/// `response` record, `<SURT key> <14-digit timestamp> {"url", "mime", "status", "digest", "length",
/// "offset", "filename"}`, sorted. The key is the URL in SURT form as the Internet Archive's default
/// canonicalizer makes it (the Python `surt` package: Google's canonicalization — escapes, dot
/// segments, numeric hosts — then IA's: lower case, no `www.`, no default port, no trailing slash,
/// query arguments sorted, session ids dropped).
public enum CDXJ {
    // MARK: SURT

    /// The SURT key of a URL, as `surt.surt(url)` makes it (`http://www.Example.com:80/A/b/?y=1&x=2#f`
    /// → `com,example)/a/b?x=2&y=1`). A URL whose port is not a number is its own key (as cdxj-indexer
    /// does when `surt` fails). Hosts that are not ASCII are percent-escaped, not IDNA-encoded.
    public static func surtKey(_ url: String) -> String {
        guard var u = ParsedURL(url) else { return url }
        googleCanonicalize(&u)
        iaCanonicalize(&u)
        var out: [UInt8] = []
        guard let host = u.host, !host.isEmpty else {
            out = u.scheme + Array(":".utf8)
            if let p = u.path, !p.isEmpty { out += p } else if u.query != nil { out.append(0x2F) }
            if let q = u.query { out += [0x3F] + q }
            return String(decoding: out, as: UTF8.self)
        }
        out = Array(host.split(separator: 0x2E, omittingEmptySubsequences: false).reversed().joined(separator: [0x2C]))
        if let p = u.port { out += Array(":\(p)".utf8) }
        out.append(0x29)  // )
        if let p = u.path, !p.isEmpty { out += p } else if u.query != nil { out.append(0x2F) }
        if let q = u.query { out += [0x3F] + q }
        return String(decoding: out, as: UTF8.self)
    }

    /// A URL split as `surt.handyurl.parse` splits it.
    struct ParsedURL {
        var scheme: [UInt8]
        var host: [UInt8]?
        var port: Int?
        var path: [UInt8]?
        var query: [UInt8]?

        init?(_ text: String) {
            var b = Array(text.utf8)
            // Strip ASCII whitespace at the ends, drop tabs and line breaks inside.
            let ws: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C]
            while let f = b.first, ws.contains(f) { b.removeFirst() }
            while let l = b.last, ws.contains(l) { b.removeLast() }
            b.removeAll { $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            // A scheme, or http:// in front.
            func schemeEnd(_ b: [UInt8]) -> Int? {
                guard let first = b.first, isAlpha(first) else { return nil }
                var i = 1
                while i < b.count, isAlpha(b[i]) || isDigit(b[i]) || b[i] == 0x2B || b[i] == 0x2D || b[i] == 0x2E { i += 1 }
                return i < b.count && b[i] == 0x3A ? i : nil
            }
            if schemeEnd(b) == nil { b = Array("http://".utf8) + b }
            // http://https://x → https://x (the last of repeated leading protocols).
            var lastProtocol: Int?, at = 0
            while true {
                let rest = b[at...]
                if rest.starts(with: "http://".utf8) { lastProtocol = at; at += 7 } else if rest.starts(with: "https://".utf8) { lastProtocol = at; at += 8 } else { break }
            }
            if let p = lastProtocol, p > 0 { b = Array(b[p...]) }
            let end = schemeEnd(b)!
            scheme = Array(b[..<end])
            var i = end + 1
            var netloc: [UInt8] = []
            if b[i...].starts(with: [0x2F, 0x2F]) {
                i += 2
                let start = i
                while i < b.count, b[i] != 0x2F, b[i] != 0x3F, b[i] != 0x23 { i += 1 }
                netloc = Array(b[start..<i])
            }
            let pathStart = i
            while i < b.count, b[i] != 0x3F, b[i] != 0x23 { i += 1 }
            let rawPath = Array(b[pathStart..<i])
            var rawQuery: [UInt8] = []
            if i < b.count, b[i] == 0x3F {
                i += 1
                let qs = i
                while i < b.count, b[i] != 0x23 { i += 1 }
                rawQuery = Array(b[qs..<i])
            }
            while netloc.last == 0x3A { netloc.removeLast() }
            // Host and port as Python's SplitResult gives them: after the last @, before the first :.
            var hostinfo = netloc
            if let at = hostinfo.lastIndex(of: 0x40) { hostinfo = Array(hostinfo[(at + 1)...]) }
            var hostname: [UInt8], portText: [UInt8]
            if hostinfo.first == 0x5B, let close = hostinfo.firstIndex(of: 0x5D) {
                hostname = Array(hostinfo[1..<close])
                let after = hostinfo[(close + 1)...]
                portText = after.first == 0x3A ? Array(after.dropFirst()) : []
            } else if let colon = hostinfo.firstIndex(of: 0x3A) {
                hostname = Array(hostinfo[..<colon])
                portText = Array(hostinfo[(colon + 1)...])
            } else {
                hostname = hostinfo
                portText = []
            }
            if !portText.isEmpty {
                guard portText.allSatisfy(isDigit), let p = Int(String(decoding: portText, as: UTF8.self)), p <= 65535 else { return nil }
                port = p == 0 ? nil : p
            }
            hostname = hostname.map(lower)
            host = hostname.isEmpty ? nil : hostname
            path = rawPath.isEmpty ? nil : rawPath
            query = rawQuery.isEmpty ? nil : rawQuery
            if scheme.starts(with: "http".utf8), host == nil, let p = path {
                var rest = p[...]
                while rest.first == 0x2F { rest = rest.dropFirst() }
                let slash = rest.firstIndex(of: 0x2F)
                host = Array(rest[..<(slash ?? rest.endIndex)])
                path = [0x2F] + (slash.map { Array(rest[($0 + 1)...]) } ?? [])
            }
        }
    }

    /// `GoogleURLCanonicalizer.canonicalize`.
    static func googleCanonicalize(_ u: inout ParsedURL) {
        if let q = u.query { u.query = escapeOnce(unescapeRepeatedly(q)) }
        if var host = u.host {
            host = unescapeRepeatedly(host)
            if !host.allSatisfy({ $0 < 0x80 }), let ascii = idna(host) { host = ascii }
            host = replaceDoubleDots(host)
            while host.first == 0x2E { host.removeFirst() }
            while host.last == 0x2E { host.removeLast() }
            if let ip = numericHost(host) { host = ip } else { host = escapeOnce(host.map(lower)) }
            u.host = host
        }
        var path = unescapeRepeatedly(u.path ?? [])
        if u.host != nil { path = normalizePath(path) }
        u.path = path.isEmpty ? nil : escapeOnce(path)
    }

    /// `IAURLCanonicalizer.canonicalize` with its defaults.
    static func iaCanonicalize(_ u: inout ParsedURL) {
        if var host = u.host {
            host = host.map(lower)
            // www., www2. … at the front go.
            if host.starts(with: "www".utf8) {
                var i = 3
                while i < host.count, isDigit(host[i]) { i += 1 }
                if i < host.count, host[i] == 0x2E { host = Array(host[(i + 1)...]) }
            }
            u.host = host
        }
        let scheme = String(decoding: u.scheme, as: UTF8.self).lowercased()
        if (scheme == "http" && u.port == 80) || (scheme == "https" && u.port == 443) { u.port = nil }
        if var path = u.path {
            path = path.map(lower)
            path = Array(stripPathSessionID(String(decoding: path, as: UTF8.self)).utf8)
            if path.count > 1, path.last == 0x2F { path.removeLast() }
            u.path = path
        }
        if var q = u.query {
            q = Array(stripQuerySessionID(String(decoding: q, as: UTF8.self)).utf8)
            q = q.map(lower)
            q = alphaReorder(q)
            u.query = q.isEmpty ? nil : q
        }
    }

    static func isAlpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }

    /// `%XX` decoded until nothing changes (`%2541` → `%41` → `A`).
    static func unescapeRepeatedly(_ input: [UInt8]) -> [UInt8] {
        var cur = input
        while true {
            var out: [UInt8] = []
            out.reserveCapacity(cur.count)
            var i = 0
            while i < cur.count {
                if cur[i] == 0x25, i + 2 < cur.count, let h = hexValue(cur[i + 1]), let l = hexValue(cur[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                } else {
                    out.append(cur[i])
                    i += 1
                }
            }
            if out == cur { return cur }
            cur = out
        }
    }

    /// Bytes outside letters, digits and ``escapeSafe`` as `%XX` (upper-case hex), as Python's
    /// `quote_from_bytes(input, safe=…)` writes them.
    static func escapeOnce(_ input: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        for c in input {
            if isAlpha(c) || isDigit(c) || escapeSafe.contains(c) { out.append(c) } else { out += [0x25, hex[Int(c >> 4)], hex[Int(c & 15)]] }
        }
        return out
    }
    static let escapeSafe = Set("_.-~!\"$&'()*+,/:;<=>?@[\\]^`{|}".utf8)

    /// A host name that is not ASCII in IDNA form, as Python's `idna` codec writes it (labels split
    /// at the four full stops, each non-ASCII label NFKC-folded, lower-cased and Punycode-encoded
    /// after `xn--`); nil where that codec fails (an empty or over-long label).
    static func idna(_ host: [UInt8]) -> [UInt8]? {
        let text = String(decoding: host, as: UTF8.self).replacingOccurrences(of: "\u{FFFD}", with: "")
        var labels = text.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "\u{3002}" || $0 == "\u{FF0E}" || $0 == "\u{FF61}" }.map(String.init)
        var trailingDot = false
        if labels.count > 1, labels.last == "" { labels.removeLast(); trailingDot = true }
        var out: [String] = []
        for label in labels {
            var ascii: String
            if label.unicodeScalars.allSatisfy({ $0.isASCII }) {
                ascii = label
            } else {
                let prepared = label.precomposedStringWithCompatibilityMapping.lowercased()
                if prepared.unicodeScalars.allSatisfy({ $0.isASCII }) { ascii = prepared } else {
                    guard let p = punycode(prepared) else { return nil }
                    ascii = "xn--" + p
                }
            }
            guard (1...63).contains(ascii.utf8.count) else { return nil }
            out.append(ascii)
        }
        return Array((out.joined(separator: ".") + (trailingDot ? "." : "")).utf8)
    }

    /// RFC 3492 Punycode of a label.
    static func punycode(_ input: String) -> String? {
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        let code = input.unicodeScalars.map { Int($0.value) }
        var output = code.filter { $0 < 0x80 }.map { Character(Unicode.Scalar(UInt8($0))) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        func digit(_ d: Int) -> Character { Character(Unicode.Scalar(UInt8(d < 26 ? d + 97 : d + 22))) }
        func adapt(_ delta: Int, _ points: Int, _ first: Bool) -> Int {
            var d = first ? delta / damp : delta / 2
            d += d / points
            var k = 0
            while d > ((base - tMin) * tMax) / 2 { d /= base - tMin; k += base }
            return k + (base - tMin + 1) * d / (d + skew)
        }
        var n = 0x80, delta = 0, bias = 72
        while handled < code.count {
            guard let m = code.filter({ $0 >= n }).min() else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for c in code {
                if c < n { delta += 1 }
                if c == n {
                    var q = delta, k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(output)
    }

    /// `..` → `.`, left to right, not overlapping (as `bytes.replace`).
    static func replaceDoubleDots(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], i = 0
        while i < b.count {
            if b[i] == 0x2E, i + 1 < b.count, b[i + 1] == 0x2E { out.append(0x2E); i += 2 } else { out.append(b[i]); i += 1 }
        }
        return out
    }

    /// A host written as a number (`2130706433`, `127.1`, `0177.0.0.1`) as a dotted quad; nil otherwise.
    static func numericHost(_ host: [UInt8]) -> [UInt8]? {
        guard !host.isEmpty else { return nil }
        if host.allSatisfy(isDigit) {
            // Python: int(host) & 0xffffffff.
            var v: UInt64 = 0
            for c in host { v = (v &* 10 &+ UInt64(c - 0x30)) & 0xFFFF_FFFF_FFFF }
            return dotted(UInt32(truncatingIfNeeded: v & 0xFFFF_FFFF))
        }
        // Up to four dot-separated digit groups, the first starting 1-9 (decimal) or 0 (octal):
        // resolved as the C library's inet_aton does.
        let parts = host.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard parts.count <= 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isDigit) }) else { return nil }
        let text = String(decoding: host, as: UTF8.self)
        var addr = in_addr()
        guard inet_aton(text, &addr) != 0 else { return nil }
        return dotted(UInt32(bigEndian: addr.s_addr))
    }

    static func dotted(_ v: UInt32) -> [UInt8] { Array("\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)".utf8) }

    /// `/a/./b/../c` → `/a/c`; empty segments except the last are dropped; `..` above the root is kept.
    static func normalizePath(_ path: [UInt8]) -> [UInt8] {
        guard !path.isEmpty else { return [0x2F] }
        var kept: [ArraySlice<UInt8>] = []
        for (k, p) in path.split(separator: 0x2F, omittingEmptySubsequences: false).enumerated() {
            if k == 0 { continue }
            if p.elementsEqual([0x2E]) { continue }
            if p.elementsEqual([0x2E, 0x2E]) {
                if !kept.isEmpty { kept.removeLast() } else { kept.append(p) }
                continue
            }
            kept.append(p)
        }
        var out: [UInt8] = [0x2F]
        for p in kept.dropLast() where !p.isEmpty { out += p + [0x2F] }
        if let last = kept.last { out += last }
        return out
    }

    static let pathSessionIDs = [#"^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^\?]+\.aspx.*)$"#, #"^(.*/)(\([0-9a-z]{24}\)/)([^\?]+\.aspx.*)$"#]
        .map { try! NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }
    static let querySessionIDs = [#"^(.*)(?:jsessionid=[0-9a-zA-Z]{32})(?:&(.*))?$"#, #"^(.*)(?:phpsessid=[0-9a-zA-Z]{32})(?:&(.*))?$"#,
                                  #"^(.*)(?:sid=[0-9a-zA-Z]{32})(?:&(.*))?$"#, #"^(.*)(?:ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24})(?:&(.*))?$"#,
                                  #"^(.*)(?:cfid=[^&]+&cftoken=[^&]+)(?:&(.*))?$"#]
        .map { try! NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }

    static func group(_ s: String, _ m: NSTextCheckingResult, _ k: Int) -> String? {
        let r = m.range(at: k)
        guard r.location != NSNotFound, let range = Range(r, in: s) else { return nil }
        return String(s[range])
    }

    static func stripPathSessionID(_ path: String) -> String {
        var p = path
        for re in pathSessionIDs {
            if let m = re.firstMatch(in: p, range: NSRange(p.startIndex..., in: p)) { p = (group(p, m, 1) ?? "") + (group(p, m, 3) ?? "") }
        }
        return p
    }

    static func stripQuerySessionID(_ query: String) -> String {
        var q = query
        for re in querySessionIDs {
            if let m = re.firstMatch(in: q, range: NSRange(q.startIndex..., in: q)) {
                let rest = group(q, m, 2)
                q = (group(q, m, 1) ?? "") + ((rest?.isEmpty == false) ? rest! : "")
            }
        }
        return q
    }

    /// Query arguments sorted (by name, then value; an argument without `=` before one with it).
    static func alphaReorder(_ q: [UInt8]) -> [UInt8] {
        guard q.count > 1 else { return q }
        let args = q.split(separator: 0x26, omittingEmptySubsequences: false).map { a -> (name: [UInt8], value: [UInt8]?) in
            if let eq = a.firstIndex(of: 0x3D) { return (Array(a[..<eq]), Array(a[(eq + 1)...])) }
            return (Array(a), nil)
        }
        let sorted = args.sorted { x, y in
            if x.name != y.name { return x.name.lexicographicallyPrecedes(y.name) }
            switch (x.value, y.value) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case let (a?, b?): return a.lexicographicallyPrecedes(b)
            }
        }
        return Array(sorted.map { arg in arg.value.map { arg.name + [0x3D] + $0 } ?? arg.name }.joined(separator: [0x26]))
    }

    // MARK: lines

    /// `2026-12-06T09:32:55Z` → `20261206093255`.
    public static func timestamp(_ warcDate: String) -> String {
        let digits = warcDate.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.prefix(14)
        return String(String.UnicodeScalarView(digits)).padding(toLength: 14, withPad: "0", startingAt: 0)
    }

    /// What one index line says of a `response` record.
    public struct Entry: Sendable, Equatable {
        /// `WARC-Target-URI`.
        public var url: String
        /// `WARC-Date`.
        public var date: String
        /// The HTTP Content-Type up to its first `;` or space (nil when absent).
        public var mime: String?
        /// The HTTP status code.
        public var status: Int?
        /// `WARC-Payload-Digest`.
        public var digest: String?
        /// Length of the record in the file (its gzip member).
        public var length: Int
        /// Offset of the record in the file.
        public var offset: Int
        /// The WARC file's name.
        public var filename: String

        /// Creates one.
        public init(url: String, date: String, mime: String?, status: Int?, digest: String?, length: Int, offset: Int, filename: String) {
            self.url = url
            self.date = date
            self.mime = mime
            self.status = status
            self.digest = digest
            self.length = length
            self.offset = offset
            self.filename = filename
        }

        /// The index line (no newline), as cdxj-indexer writes it (Python's `json.dumps`).
        public var line: String {
            var fields: [(String, String)] = [("url", url)]
            if let m = mime { fields.append(("mime", m)) }
            if let s = status { fields.append(("status", String(s))) }
            if let d = digest { fields.append(("digest", d)) }
            fields += [("length", String(length)), ("offset", String(offset)), ("filename", filename)]
            let json = "{" + fields.map { "\(CDXJ.jsonString($0.0)): \(CDXJ.jsonString($0.1))" }.joined(separator: ", ") + "}"
            return "\(CDXJ.surtKey(url)) \(CDXJ.timestamp(date)) \(json)"
        }
    }

    /// The MIME type of a Content-Type value, as cdxj-indexer takes it (up to the first `;` or white space).
    public static func mime(_ contentType: String?) -> String? {
        guard let ct = contentType else { return nil }
        let end = ct.firstIndex { $0 == ";" || $0.isWhitespace } ?? ct.endIndex
        return String(ct[..<end]).trimmingCharacters(in: .whitespaces)
    }

    /// A JSON string as Python's `json.dumps` writes it (ASCII only: `\uXXXX`, lower-case hex).
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.utf16 {
            switch u {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(u)))
            default: out += "\\u" + String(format: "%04x", u)
            }
        }
        return out + "\""
    }

    // MARK: files

    /// The entries of every `response` record of a WARC file, in file order.
    public static func entries(warc path: String) throws -> [Entry] {
        let name = (path as NSString).lastPathComponent
        var offsets: [Int] = []
        var found: [(offset: Int, record: WARCRecord)] = []
        try WARCReader.forEach(path: path) { offset, record in
            offsets.append(offset)
            if record.type == "response" { found.append((offset, record)) }
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var next: [Int: Int] = [:]
        for (a, b) in zip(offsets, offsets.dropFirst() + [size]) { next[a] = b }
        return found.map { offset, r in
            let http = HTTPResponse.parse(r.block)
            return Entry(url: r["WARC-Target-URI"] ?? "", date: r["WARC-Date"] ?? "", mime: mime(http?.header("Content-Type")), status: http?.status,
                         digest: r["WARC-Payload-Digest"], length: (next[offset] ?? size) - offset, offset: offset, filename: name)
        }
    }

    /// Index lines sorted as `cdxj-indexer -s` and pywb sort them (by their bytes).
    public static func sorted(_ lines: [String]) -> [String] {
        lines.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `<warc>.cdxj` (sorted, complete) from the WARC file itself, atomically; returns the
    /// number of lines.
    @discardableResult
    public static func writeIndex(forWARC path: String) throws -> Int {
        let lines = sorted(try entries(warc: path).map(\.line))
        let text = lines.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + ".cdxj"), options: .atomic)
        return lines.count
    }
}
