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

    /// True when the string ends with `suffix` (byte-exact).
    func utf8HasSuffix(_ suffix: String) -> Bool {
        let n = suffix.utf8.count
        return utf8.count >= n && utf8.suffix(n).elementsEqual(suffix.utf8)
    }
}

/// Accumulates folded text of many lines as bytes for marker search.
struct ByteText {
    var bytes: [UInt8] = []

    mutating func append(_ s: String) {
        bytes.append(contentsOf: s.utf8)
        bytes.append(1)
    }
}

/// A fixed set of non-empty needles looked for in one pass over a text, instead of one scan of the
/// text per needle. The text is walked a scalar at a time; a bit per first scalar (8 KB) finds the
/// candidates, which are then compared.
struct NeedleSet: Sendable {
    /// The needles as UTF-8 bytes, in the order given.
    let needles: [[UInt8]]
    /// All needles' bytes back to back, and where each starts (count + 1 offsets): flat, so the
    /// scan touches no nested arrays (no reference counting in the inner loop).
    private let flatBytes: [UInt8]
    private let needleStart: [Int]
    /// One bit per code point (low 16 bits) that some needle starts with: 8 KB, stays in L1.
    private let firstScalarBits: [UInt64]
    /// For each code point (low 16 bits): 1 + group number, or 0. Read only on a bit hit.
    private let groupOfScalar: [UInt16]
    /// Needle indexes of each group, back to back, ascending within a group; `groupStart` has
    /// count + 1 offsets.
    private let groupMembers: [Int]
    private let groupStart: [Int]

    init(_ strings: [String]) {
        needles = strings.map { Array($0.utf8) }
        var table = [UInt16](repeating: 0, count: 1 << 16)
        var bits = [UInt64](repeating: 0, count: (1 << 16) / 64)
        var groups: [[Int]] = []
        for (i, string) in strings.enumerated() {
            guard let first = string.unicodeScalars.first else { preconditionFailure("NeedleSet needles cannot be empty") }
            let p = Int(first.value & 0xFFFF)
            if table[p] == 0 { groups.append([]); table[p] = UInt16(groups.count) }
            groups[Int(table[p]) - 1].append(i)
            bits[p >> 6] |= 1 << UInt64(p & 63)
        }
        groupOfScalar = table
        firstScalarBits = bits
        flatBytes = needles.flatMap { $0 }
        needleStart = needles.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        groupMembers = groups.flatMap { $0 }
        groupStart = groups.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    }

    /// Visits, left to right, every scalar position of `h` (valid UTF-8) where a needle occurs, with
    /// the needles found there in ascending order; `visit` returns true to stop.
    @inline(__always)
    private func scan(_ h: UnsafeBufferPointer<UInt8>, _ visit: (_ needle: Int) -> Bool) {
        guard let base = h.baseAddress else { return }
        let n = h.count
        groupOfScalar.withUnsafeBufferPointer { table in
        firstScalarBits.withUnsafeBufferPointer { bits in
        flatBytes.withUnsafeBufferPointer { flat in
        needleStart.withUnsafeBufferPointer { starts in
        groupMembers.withUnsafeBufferPointer { members in
        groupStart.withUnsafeBufferPointer { groupStarts in
            var i = 0
            while i < n {
                let b = base[i]
                let length: Int
                let p: Int
                if b < 0x80 {
                    length = 1; p = Int(b)
                } else if b < 0xE0 {
                    length = 2; p = i + 1 < n ? Int(b & 0x1F) << 6 | Int(base[i + 1] & 0x3F) : 0
                } else if b < 0xF0 {
                    length = 3; p = i + 2 < n ? Int(b & 0x0F) << 12 | Int(base[i + 1] & 0x3F) << 6 | Int(base[i + 2] & 0x3F) : 0
                } else {
                    length = 4; p = i + 3 < n ? (Int(base[i + 1] & 0x3F) << 12 | Int(base[i + 2] & 0x3F) << 6 | Int(base[i + 3] & 0x3F)) & 0xFFFF : 0
                }
                if bits[p >> 6] & (1 << UInt64(p & 63)) != 0 {
                    let g = Int(table[p]) - 1
                    for m in groupStarts[g]..<groupStarts[g + 1] {
                        let k = members[m]
                        let count = starts[k + 1] - starts[k]
                        if i + count <= n, memcmp(base + i, flat.baseAddress! + starts[k], count) == 0, visit(k) { return }
                    }
                }
                i += length
            }
        }
        }
        }
        }
        }
        }
    }

    /// Which needles occur in `text` (by needle index).
    func present(in text: UnsafeBufferPointer<UInt8>) -> [Bool] {
        var found = [Bool](repeating: false, count: needles.count)
        var remaining = needles.count
        scan(text) { k in
            if !found[k] { found[k] = true; remaining -= 1 }
            return remaining == 0
        }
        return found
    }

    /// True when at least one needle occurs in `s`.
    func containsAny(_ s: String) -> Bool { earliest(in: s) != nil }

    /// True when `s` starts with one of the needles.
    func isPrefix(of s: String) -> Bool {
        guard let first = s.unicodeScalars.first else { return false }
        let g = Int(groupOfScalar[Int(first.value & 0xFFFF)]) - 1
        guard g >= 0 else { return false }
        return groupMembers[groupStart[g]..<groupStart[g + 1]].contains { s.utf8.starts(with: needles[$0]) }
    }

    /// The needle that occurs first in `s` (ties: the needle listed first), by index.
    func earliest(in s: String) -> Int? {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { h -> Int? in
            // Groups list their needles in ascending order, so the first match is the first listed.
            var first: Int?
            scan(h) { k in first = k; return true }
            return first
        } ?? nil
    }
}
