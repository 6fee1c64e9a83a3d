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
