import NianbaoNormalize

/// Writes records as canonical JSON bytes (report-json.md "Byte-level rules").
///
/// UTF-8 without BOM, object keys sorted by their UTF-8 bytes, no insignificant whitespace,
/// CJK and all other non-ASCII characters written as themselves, control characters escaped,
/// one trailing `\n`. Equal values always give equal bytes, so a record is also one NDJSON line.
public enum CanonicalJSON {
    /// The canonical bytes of `value`, with the trailing newline.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 * 1024)
        write(value, to: &out)
        out.append(0x0A)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): writeInt(i, to: &out)
        case .decimal(let d): out.append(contentsOf: d.description.utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(0x2C) }
                write(v, to: &out)
            }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            // JSONObject keeps its members in canonical order (keys by UTF-8 bytes).
            for (i, m) in o.members.enumerated() {
                if i > 0 { out.append(0x2C) }
                writeString(m.key, to: &out)
                out.append(0x3A)
                write(m.value, to: &out)
            }
            out.append(0x7D)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeInt(_ i: Int, to out: inout [UInt8]) {
        if i == Int.min { out.append(contentsOf: String(i).utf8); return }
        if i < 0 { out.append(0x2D) }
        var v = i.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                v /= 10
                n += 1
            } while v > 0
            for k in stride(from: n - 1, through: 0, by: -1) { out.append(d[k]) }
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.makeContiguousUTF8()
        out.append(0x22)
        s.utf8.withContiguousStorageIfAvailable { b in
            // Runs of bytes that need no escape are copied whole.
            var runStart = 0
            var i = 0
            let n = b.count
            while i < n {
                // Eight bytes at a time while none needs an escape (SWAR: no byte < 0x20, none equal
                // to '"', '\\' or 0x7F).
                if i + 8 <= n {
                    let x = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                    func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
                    let control = (x &- 0x2020_2020_2020_2020) & ~x & highs != 0
                    if !control && !hasZero(x ^ 0x2222_2222_2222_2222) && !hasZero(x ^ 0x5C5C_5C5C_5C5C_5C5C)
                        && !hasZero(x ^ 0x7F7F_7F7F_7F7F_7F7F) {
                        i += 8
                        continue
                    }
                }
                let c = b[i]
                i += 1
                guard c < 0x20 || c == 0x22 || c == 0x5C || c == 0x7F else { continue }
                let at = i - 1
                if at > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<at])) }
                runStart = at + 1
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0x08: out.append(0x5C); out.append(0x62)
                case 0x0C: out.append(0x5C); out.append(0x66)
                default:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            if b.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<b.count])) }
        }
        out.append(0x22)
    }
}
