import CStringSearch

/// First occurrence of `n` in `h` (byte offsets), or nil. glibc's memmem: a two-byte-pair shift table,
/// far faster on CJK text than scanning for a lead byte that every other character shares.
@usableFromInline
func byteSearch(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let hb = h.baseAddress, let nb = n.baseAddress, n.count > 0, n.count <= h.count else { return nil }
    guard let p = nianbao_memmem(hb, h.count, nb, n.count) else { return nil }
    return UnsafeRawPointer(p) - UnsafeRawPointer(hb)
}

/// Substring search on UTF-8 bytes. The hot paths of the normalizer only need exact,
/// already-folded matches, for which the standard library's Character-based search (grapheme
/// breaking, canonical equivalence) is an order of magnitude slower.
extension String {
    /// Byte offset of the first occurrence of `needle`, or nil.
    @inlinable
    func utf8Offset(of needle: String) -> Int? {
        var hay = self, pin = needle
        hay.makeContiguousUTF8()
        pin.makeContiguousUTF8()
        return hay.utf8.withContiguousStorageIfAvailable { h -> Int? in
            pin.utf8.withContiguousStorageIfAvailable { n -> Int? in
                byteSearch(h, n)
            } ?? nil
        } ?? nil
    }

    /// True when `needle` occurs in the string (byte-exact).
    @inlinable
    func utf8Contains(_ needle: String) -> Bool { utf8Offset(of: needle) != nil }

    /// True when the string starts with `prefix` (byte-exact).
    @inlinable
    func utf8HasPrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }

    /// The range of the first occurrence of `needle` (byte-exact), or nil.
    func utf8Range(of needle: String) -> Range<String.Index>? {
        guard let off = utf8Offset(of: needle) else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: off)
        return lower..<utf8.index(lower, offsetBy: needle.utf8.count)
    }

    /// The text after the first occurrence of `needle`, or nil.
    func utf8Suffix(after needle: String) -> Substring? {
        guard let off = utf8Offset(of: needle) else { return nil }
        let i = utf8.index(utf8.startIndex, offsetBy: off + needle.utf8.count)
        return self[i...]
    }
}

/// Accumulates folded text of many lines as bytes for marker search.
struct ByteText {
    var bytes: [UInt8] = []

    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        bytes.append(1)
    }

    func contains(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= bytes.count else { return false }
        return bytes.withUnsafeBufferPointer { h in
            n.withUnsafeBufferPointer { nb in byteSearch(h, nb) != nil }
        }
    }
}

/// A fixed set of needles (each at least two UTF-8 bytes) looked for in one pass over a text, instead
/// of one scan of the text per needle. Candidates are found by a table over the needles' first two
/// bytes, then compared.
struct NeedleSet: Sendable {
    /// The needles as UTF-8 bytes, in the order given.
    let needles: [[UInt8]]
    /// For each two-byte prefix: 1 + index into `groups`, or 0 when no needle starts with it.
    private let byPrefix: [UInt16]
    private let groups: [[Int]]

    init(_ strings: [String]) {
        needles = strings.map { Array($0.utf8) }
        var table = [UInt16](repeating: 0, count: 1 << 16)
        var groups: [[Int]] = []
        for (i, n) in needles.enumerated() {
            precondition(n.count >= 2, "NeedleSet needles need two bytes or more")
            let p = Int(n[0]) << 8 | Int(n[1])
            if table[p] == 0 { groups.append([]); table[p] = UInt16(groups.count) }
            groups[Int(table[p]) - 1].append(i)
        }
        byPrefix = table
        self.groups = groups
    }

    /// Which needles occur in `text` (by needle index).
    func present(in text: UnsafeBufferPointer<UInt8>) -> [Bool] {
        var found = [Bool](repeating: false, count: needles.count)
        guard let base = text.baseAddress else { return found }
        var remaining = needles.count
        let n = text.count
        var i = 0
        while i + 1 < n {
            let g = Int(byPrefix[Int(base[i]) << 8 | Int(base[i + 1])])
            if g != 0 {
                for k in groups[g - 1] where !found[k] {
                    let needle = needles[k]
                    if i + needle.count <= n, needle.withUnsafeBufferPointer({ memcmp(base + i, $0.baseAddress!, needle.count) }) == 0 {
                        found[k] = true
                        remaining -= 1
                        if remaining == 0 { return found }
                    }
                }
            }
            i += 1
        }
        return found
    }

    /// ``present(in:)`` on a String.
    func present(in s: String) -> [Bool] {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { present(in: $0) } ?? [Bool](repeating: false, count: needles.count)
    }

    /// True when at least one needle occurs in `s`.
    func containsAny(_ s: String) -> Bool { earliest(in: s) != nil }

    /// True when `s` starts with one of the needles.
    func isPrefix(of s: String) -> Bool {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { h -> Bool in
            guard h.count >= 2, let base = h.baseAddress else { return false }
            let g = Int(byPrefix[Int(base[0]) << 8 | Int(base[1])])
            guard g != 0 else { return false }
            return groups[g - 1].contains { k in
                needles[k].count <= h.count && needles[k].withUnsafeBufferPointer { memcmp(base, $0.baseAddress!, $0.count) } == 0
            }
        } ?? false
    }

    /// The needle that occurs first in `s` (ties: the needle listed first), by index.
    func earliest(in s: String) -> Int? {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { h -> Int? in
            guard let base = h.baseAddress else { return nil }
            var i = 0
            while i + 1 < h.count {
                let g = Int(byPrefix[Int(base[i]) << 8 | Int(base[i + 1])])
                if g != 0 {
                    // Groups list their needles in ascending order, so the first match is the first listed.
                    for k in groups[g - 1] {
                        let needle = needles[k]
                        if i + needle.count <= h.count, needle.withUnsafeBufferPointer({ memcmp(base + i, $0.baseAddress!, needle.count) }) == 0 { return k }
                    }
                }
                i += 1
            }
            return nil
        } ?? nil
    }
}
