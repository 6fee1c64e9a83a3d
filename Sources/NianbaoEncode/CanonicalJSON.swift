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
        out.reserveCapacity(16 * 1024)
        write(value, to: &out)
        out.append(0x0A)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .int(let i): out.append(contentsOf: Array(String(i).utf8))
        case .decimal(let d): out.append(contentsOf: Array(d.description.utf8))
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
            // Sorted by UTF-8 bytes (= code point order), compared without copying.
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, k) in keys.enumerated() {
                if i > 0 { out.append(0x2C) }
                writeString(k, to: &out)
                out.append(0x3A)
                write(o[k]!, to: &out)
            }
            out.append(0x7D)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x08: out.append(contentsOf: [0x5C, 0x62])
            case 0x0C: out.append(contentsOf: [0x5C, 0x66])
            case 0x00..<0x20, 0x7F:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}
