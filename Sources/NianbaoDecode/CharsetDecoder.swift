#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the charset used to decode a page came from (`source.charset_source` in the record).
public enum CharsetSource: String, Sendable, Equatable {
    /// A byte-order mark at the start of the bytes.
    case bom
    /// The `charset` parameter of the HTTP `Content-Type` header (from the capture or sidecar).
    case httpHeader = "http-header"
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
    case meta
    /// Inferred from the bytes themselves (valid UTF-8, or GB18030 as the Chinese web's default).
    case detected
    /// Nothing told us and detection was not conclusive; a default was assumed.
    case assumed
}

/// The result of decoding raw page bytes into Unicode text.
public struct DecodedText: Sendable, Equatable {
    /// The decoded text as valid UTF-8 (invalid sequences replaced by U+FFFD): what the HTML reader
    /// parses, without a detour through String.
    public var utf8: [UInt8]
    /// The decoded text as a String.
    public var text: String { String(decoding: utf8, as: UTF8.self) }
    /// Canonical name of the decoder used: `"utf-8"`, `"gb18030"`, `"utf-16le"`, `"utf-16be"`, `"big5"`.
    public var charset: String
    /// Where the charset decision came from.
    public var source: CharsetSource
    /// How many bytes or sequences were replaced by U+FFFD.
    public var replacements: Int
    /// Human-readable notes on conflicts (declared charset contradicted by the bytes, lossy decoding).
    public var warnings: [DecodeWarning]
}

/// A decoder finding a reviewer should see; becomes a `quality.warnings` entry.
public struct DecodeWarning: Sendable, Equatable {
    /// Stable code, e.g. `charset.conflict` or `charset.lossy`.
    public var code: String
    /// One-sentence explanation.
    public var message: String
}

/// Why bytes could not be turned into text at all.
public enum DecodeError: Error, Equatable, CustomStringConvertible {
    /// The input has no bytes.
    case empty
    /// The bytes are not text in any supported charset (binary data, compressed data).
    case binary(String)

    public var description: String {
        switch self {
        case .empty: return "empty input"
        case .binary(let why): return "not text: \(why)"
        }
    }
}

/// Decodes page bytes the way a browser would, but without trusting a wrong label.
///
/// Order: BOM → HTTP header charset → `<meta>` in the first 1024 bytes → detection
/// (valid UTF-8, else GB18030). The GB family (`gb2312`, `gbk`, `cp936`, `x-gbk`, `gb18030`)
/// is always decoded as GB18030, its superset. A declared charset that the bytes contradict
/// (a "gbk" page that is valid multi-byte UTF-8, a "utf-8" page that is not UTF-8) is overridden
/// and reported as a `charset.conflict` warning.
public enum CharsetDecoder {
    /// Decodes `bytes`. `contentType` is the HTTP `Content-Type` header value, when known. Control
    /// characters other than TAB, LF and CR (NUL above all: SQLite cuts text at it and PostgreSQL
    /// refuses it) are replaced by spaces in the decoded text, with a `text.control_characters` warning.
    public static func decode(_ bytes: [UInt8], contentType: String? = nil, sniffMeta: Bool = true) throws -> DecodedText {
        var decoded = try decodeCharset(bytes, contentType: contentType, sniffMeta: sniffMeta)
        var replaced = 0
        var firstCode: UInt8 = 0
        for (i, b) in decoded.utf8.enumerated() where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D || b == 0x7F {
            if replaced == 0 { firstCode = b }
            replaced += 1
            decoded.utf8[i] = 0x20
        }
        if replaced > 0 {
            decoded.warnings.append(DecodeWarning(code: "text.control_characters",
                                                  message: "\(replaced) control character(s) (the first U+00\(firstCode < 0x10 ? "0" : "")\(String(firstCode, radix: 16, uppercase: true))) replaced by spaces while decoding"))
        }
        return decoded
    }

    /// ``decode(_:contentType:sniffMeta:)`` before control characters are replaced.
    static func decodeCharset(_ bytes: [UInt8], contentType: String?, sniffMeta: Bool) throws -> DecodedText {
        guard !bytes.isEmpty else { throw DecodeError.empty }
        if let magic = binarySignature(bytes) { throw DecodeError.binary(magic) }

        // 1. BOM
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return finish(utf8: Array(bytes.dropFirst(3)), source: .bom, warnings: [])
        }
        if bytes.starts(with: [0xFF, 0xFE]) {
            return utf16(Array(bytes.dropFirst(2)), littleEndian: true)
        }
        if bytes.starts(with: [0xFE, 0xFF]) {
            return utf16(Array(bytes.dropFirst(2)), littleEndian: false)
        }
        try rejectBinary(bytes)

        // 2./3. declared charset
        var declared: (name: String, source: CharsetSource)?
        if let ct = contentType, let cs = charsetParameter(ct), let canon = canonicalName(cs) {
            declared = (canon, .httpHeader)
        } else if sniffMeta, let cs = metaCharset(bytes), let canon = canonicalName(cs) {
            declared = (canon, .meta)
        }
        let utf8Check = UTF8Validation(bytes, stopAtFirstInvalid: declared.map { $0.name == "gb18030" || $0.name == "big5" } ?? false)
        if let d = declared {
            switch d.name {
            case "utf-8":
                if utf8Check.valid || utf8Check.invalidSequences * 200 < max(1, utf8Check.multibyte) {
                    return finish(utf8: bytes, source: d.source, warnings: [], validation: utf8Check)
                }
                // Declared UTF-8 but mostly not: try GB18030.
                let gb = gb18030(bytes)
                if gb.replacements == 0 {
                    return DecodedText(utf8: gb.utf8, charset: "gb18030", source: .detected, replacements: 0,
                                       warnings: [DecodeWarning(code: "charset.conflict",
                                                                message: "declared utf-8 (\(d.source.rawValue)) but the bytes are not UTF-8; decoded as gb18030")])
                }
                return finish(utf8: bytes, source: d.source, warnings: [], validation: utf8Check)
            case "gb18030":
                if utf8Check.valid && utf8Check.multibyte >= 4 {
                    return DecodedText(utf8: bytes, charset: "utf-8", source: .detected,
                                       replacements: 0,
                                       warnings: [DecodeWarning(code: "charset.conflict",
                                                                message: "declared gb18030 family (\(d.source.rawValue)) but the bytes are valid UTF-8; decoded as utf-8")])
                }
                return gbResult(bytes, source: d.source, extra: [])
            case "big5":
                if utf8Check.valid && utf8Check.multibyte >= 4 {
                    return DecodedText(utf8: bytes, charset: "utf-8", source: .detected,
                                       replacements: 0,
                                       warnings: [DecodeWarning(code: "charset.conflict",
                                                                message: "declared big5 (\(d.source.rawValue)) but the bytes are valid UTF-8; decoded as utf-8")])
                }
                let r = iconvDecode(bytes, from: "BIG5")
                return DecodedText(utf8: r.utf8, charset: "big5", source: d.source, replacements: r.replacements,
                                   warnings: r.replacements > 0 ? [lossy("big5", r.replacements)] : [])
            case "utf-16le", "utf-16be":
                return utf16(bytes, littleEndian: d.name == "utf-16le")
            default:
                // Western single-byte labels on Chinese pages are wrong more often than right.
                if utf8Check.valid {
                    return DecodedText(utf8: bytes, charset: "utf-8", source: .detected,
                                       replacements: 0,
                                       warnings: utf8Check.multibyte > 0 ? [DecodeWarning(code: "charset.conflict",
                                                                                          message: "declared \(d.name) (\(d.source.rawValue)) but the bytes are valid UTF-8; decoded as utf-8")] : [])
                }
                return gbResult(bytes, source: .detected,
                                extra: [DecodeWarning(code: "charset.conflict",
                                                      message: "declared \(d.name) (\(d.source.rawValue)); decoded as gb18030")])
            }
        }
        // 4. detection
        if utf8Check.valid {
            return DecodedText(utf8: bytes, charset: "utf-8",
                               source: utf8Check.multibyte > 0 ? .detected : .assumed, replacements: 0, warnings: [])
        }
        let gb = gb18030(bytes)
        if gb.replacements * 100 <= max(1, bytes.count / 2) {
            return DecodedText(utf8: gb.utf8, charset: "gb18030", source: .detected, replacements: gb.replacements,
                               warnings: gb.replacements > 0 ? [lossy("gb18030", gb.replacements)] : [])
        }
        throw DecodeError.binary("no charset decodes it (\(gb.replacements) invalid sequences as GB18030, not UTF-8)")
    }

    // MARK: - helpers

    private static func lossy(_ name: String, _ n: Int) -> DecodeWarning {
        DecodeWarning(code: "charset.lossy", message: "\(n) invalid byte sequence(s) replaced by U+FFFD while decoding \(name)")
    }

    private static func gbResult(_ bytes: [UInt8], source: CharsetSource, extra: [DecodeWarning]) -> DecodedText {
        let gb = gb18030(bytes)
        var w = extra
        if gb.replacements > 0 { w.append(lossy("gb18030", gb.replacements)) }
        return DecodedText(utf8: gb.utf8, charset: "gb18030", source: source, replacements: gb.replacements, warnings: w)
    }

    private static func finish(utf8 bytes: [UInt8], source: CharsetSource, warnings: [DecodeWarning],
                               validation: UTF8Validation? = nil) -> DecodedText {
        let check = validation ?? UTF8Validation(bytes)
        var w = warnings
        if !check.valid { w.append(lossy("utf-8", check.invalidSequences)) }
        // Valid bytes are used as they are; invalid sequences are replaced by U+FFFD.
        let utf8 = check.valid ? bytes : Array(String(decoding: bytes, as: UTF8.self).utf8)
        return DecodedText(utf8: utf8, charset: "utf-8", source: source, replacements: check.invalidSequences, warnings: w)
    }

    private static func utf16(_ bytes: [UInt8], littleEndian: Bool) -> DecodedText {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 0
        while i + 1 < bytes.count {
            let a = UInt16(bytes[i]), b = UInt16(bytes[i + 1])
            units.append(littleEndian ? (a | b << 8) : (a << 8 | b))
            i += 2
        }
        var repl = 0
        var scalars = String.UnicodeScalarView()
        var it = units.makeIterator()
        var dec = UTF16()
        loop: while true {
            switch dec.decode(&it) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: repl += 1; scalars.append("\u{FFFD}")
            }
        }
        let name = littleEndian ? "utf-16le" : "utf-16be"
        return DecodedText(utf8: Array(String(scalars).utf8), charset: name, source: .bom, replacements: repl,
                           warnings: repl > 0 ? [lossy(name, repl)] : [])
    }

    /// Maps a charset label to the decoder nianbao uses, or nil for an unknown label.
    public static func canonicalName(_ label: String) -> String? {
        let l = label.trimmingASCIIWhitespaceAndQuotes().lowercased()
        switch l {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8": return "utf-8"
        case "gb2312", "gbk", "gb18030", "cp936", "x-gbk", "gb_2312-80", "csgb2312", "euc-cn", "x-euc-cn", "windows-936", "chinese", "iso-ir-58", "csiso58gb231280":
            return "gb18030"
        case "big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5": return "big5"
        case "utf-16", "utf-16le": return "utf-16le"
        case "utf-16be": return "utf-16be"
        case "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "us-ascii", "ascii", "iso8859-1": return "windows-1252"
        default: return nil
        }
    }

    /// The `charset=` parameter of a Content-Type value (or of the inside of a `<meta>` tag).
    public static func charsetParameter(_ contentType: String) -> String? {
        charsetParameter(bytes: Array(contentType.utf8))
    }

    static func charsetParameter(bytes b: [UInt8]) -> String? {
        let needle: [UInt8] = Array("charset".utf8)
        var i = 0
        while i + needle.count <= b.count {
            var match = true
            for k in 0..<needle.count where (b[i + k] | 0x20) != needle[k] { match = false; break }
            if !match { i += 1; continue }
            var j = i + needle.count
            while j < b.count, b[j] == 0x20 { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "=") else { i += needle.count; continue }
            j += 1
            while j < b.count, b[j] == 0x20 || b[j] == 0x22 || b[j] == 0x27 { j += 1 }
            var value: [UInt8] = []
            let stops: Set<UInt8> = [0x3B, 0x22, 0x27, 0x20, 0x3E, 0x2F, 0x09, 0x0A, 0x0D]
            while j < b.count, !stops.contains(b[j]), value.count < 40 { value.append(b[j] | (b[j] >= 65 && b[j] <= 90 ? 0x20 : 0)); j += 1 }
            return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
        }
        return nil
    }

    /// Finds a charset declared by `<meta>` in the first 1024 bytes.
    public static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = Array(bytes.prefix(1024))
        let open: [UInt8] = Array("<meta".utf8)
        var i = 0
        while i + open.count <= head.count {
            var match = true
            for k in 0..<open.count where (head[i + k] | 0x20) != open[k] { match = false; break }
            if !match { i += 1; continue }
            var end = i + open.count
            while end < head.count, head[end] != UInt8(ascii: ">") { end += 1 }
            if let cs = charsetParameter(bytes: Array(head[(i + open.count)..<end])) { return cs }
            i = end
        }
        return nil
    }

    private static func binarySignature(_ b: [UInt8]) -> String? {
        if b.starts(with: [0x1F, 0x8B]) { return "gzip-compressed data (decompress it first)" }
        if b.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "zip archive" }
        if b.starts(with: [0x25, 0x50, 0x44, 0x46]) { return "PDF document" }
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "PNG image" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "JPEG image" }
        if b.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { return "OLE2 document (.doc/.xls)" }
        return nil
    }

    private static func rejectBinary(_ b: [UInt8]) throws {
        let sample = b.prefix(8192)
        var nul = 0, control = 0
        for x in sample {
            if x == 0 { nul += 1 } else if x < 0x09 || (x > 0x0D && x < 0x20 && x != 0x1B) { control += 1 }
        }
        if nul > 0 { throw DecodeError.binary("contains NUL bytes (binary data)") }
        if control * 20 > sample.count { throw DecodeError.binary("too many control bytes (binary data)") }
    }

    /// GB18030 to UTF-8: pages of ASCII and two-byte codes (nearly all) through a table, anything
    /// else (four-byte codes, invalid bytes) through iconv, so the result is iconv's either way.
    static func gb18030(_ bytes: [UInt8]) -> (utf8: [UInt8], replacements: Int) {
        if let fast = GB18030TwoByte.decode(bytes) { return (fast, 0) }
        return iconvDecode(bytes, from: "GB18030")
    }

    /// Lossy decode through glibc iconv: an invalid byte becomes U+FFFD and decoding resumes after it.
    static func iconvDecode(_ bytes: [UInt8], from encoding: String) -> (utf8: [UInt8], replacements: Int) {
        let cd = iconv_open("UTF-8", encoding)
        if cd == iconv_t(bitPattern: -1) {
            return (Array(String(decoding: bytes, as: UTF8.self).utf8), 0)
        }
        defer { iconv_close(cd) }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3 / 2 + 16)
        var replacements = 0
        var input = bytes
        let total = input.count
        var consumed = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeMutableBufferPointer { inBuf in
            while consumed < total {
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress! + consumed).assumingMemoryBound(to: CChar.self)
                var inLeft = total - consumed
                let result: Int = buffer.withUnsafeMutableBufferPointer { outBuf in
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    let produced = outBuf.count - outLeft
                    out.append(contentsOf: outBuf[0..<produced])
                    return r == -1 ? Int(errno) : 0
                }
                consumed = total - inLeft
                if result == 0 { break }
                if result == Int(E2BIG) { continue }
                // EILSEQ or EINVAL (truncated at end): replace one byte and go on.
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                replacements += 1
                consumed += 1
                _ = iconv(cd, nil, nil, nil, nil)
            }
        }
        return (out, replacements)
    }
}

/// The two-byte codes of GB18030 (lead 0x81…0xFE, trail 0x40…0x7E or 0x80…0xFE) as a table built
/// once from glibc's own GB18030 converter, so decoding through it gives iconv's result exactly.
enum GB18030TwoByte {
    /// Scalar of each code, index (lead - 0x81) * 191 + (trail - 0x40); 0 = not decodable here.
    static let table: [UInt32] = {
        var input: [UInt8] = []
        var codes: [Int] = []
        for lead in 0x81...0xFE {
            for trail in 0x40...0xFE where trail != 0x7F {
                input += [UInt8(lead), UInt8(trail), 0x0A]
                codes.append((lead - 0x81) * 191 + (trail - 0x40))
            }
        }
        var table = [UInt32](repeating: 0, count: 126 * 191)
        // The output is one line per code; a code that decodes on its own gives exactly one scalar
        // that is not U+FFFD. Lines are read straight off the UTF-8 bytes.
        let utf8 = CharsetDecoder.iconvDecode(input, from: "GB18030").utf8
        var line: [UInt32] = []
        var k = 0
        for scalar in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            if scalar == "\n" {
                if k < codes.count, line.count == 1, line[0] != 0xFFFD { table[codes[k]] = line[0] }
                k += 1
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(scalar.value)
            }
        }
        return table
    }()

    /// The UTF-8 of `bytes`, or nil when they hold anything but ASCII and table codes.
    static func decode(_ bytes: [UInt8]) -> [UInt8]? {
        // Every code takes at most twice its bytes in UTF-8 (two bytes → up to four; ASCII → one).
        var ok = true
        let out = [UInt8](unsafeUninitializedCapacity: 2 * bytes.count) { o, filled in
            filled = 0
            table.withUnsafeBufferPointer { t in
                bytes.withUnsafeBufferPointer { b in
                    let n = b.count
                    var i = 0
                    var w = 0
                    defer { filled = w }
                    while i < n {
                        // Markup is mostly ASCII: copy it eight bytes at a time.
                        if i + 8 <= n {
                            let word = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                            if word & 0x8080_8080_8080_8080 == 0 {
                                UnsafeMutableRawPointer(o.baseAddress! + w).storeBytes(of: word, as: UInt64.self)
                                w += 8
                                i += 8
                                continue
                            }
                        }
                        let lead = b[i]
                        if lead < 0x80 { o[w] = lead; w += 1; i += 1; continue }
                        guard lead >= 0x81, lead <= 0xFE, i + 1 < n else { ok = false; return }
                        let trail = b[i + 1]
                        guard trail >= 0x40, trail <= 0xFE, trail != 0x7F else { ok = false; return }
                        let v = t[Int(lead - 0x81) * 191 + Int(trail - 0x40)]
                        guard v != 0 else { ok = false; return }
                        if v < 0x80 {
                            o[w] = UInt8(v); w += 1
                        } else if v < 0x800 {
                            o[w] = UInt8(0xC0 | (v >> 6)); o[w + 1] = UInt8(0x80 | (v & 0x3F)); w += 2
                        } else if v < 0x10000 {
                            o[w] = UInt8(0xE0 | (v >> 12)); o[w + 1] = UInt8(0x80 | ((v >> 6) & 0x3F)); o[w + 2] = UInt8(0x80 | (v & 0x3F)); w += 3
                        } else {
                            o[w] = UInt8(0xF0 | (v >> 18)); o[w + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                            o[w + 2] = UInt8(0x80 | ((v >> 6) & 0x3F)); o[w + 3] = UInt8(0x80 | (v & 0x3F)); w += 4
                        }
                        i += 2
                    }
                }
            }
        }
        return ok ? out : nil
    }
}

/// Result of scanning bytes as UTF-8.
struct UTF8Validation {
    var valid = true
    var invalidSequences = 0
    var multibyte = 0

    /// Scans `bytes`. With `stopAtFirstInvalid` (when only "is it valid UTF-8?" matters, as for a
    /// page declared GB or Big5) the scan ends at the first invalid sequence, counts then partial.
    init(_ bytes: [UInt8], stopAtFirstInvalid: Bool = false) {
        var valid = true, invalidSequences = 0, multibyte = 0
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            while i < n {
                // ASCII fast path: 8 bytes at a time.
                if i + 8 <= n {
                    let word = UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 { i += 8; continue }
                }
                let lead = b[i]
                if lead < 0x80 { i += 1; continue }
                // Fast path for the common case, a well-formed three-byte sequence (CJK text).
                if lead & 0xF0 == 0xE0, i + 2 < n {
                    let c1 = b[i + 1], c2 = b[i + 2]
                    if c1 & 0xC0 == 0x80, c2 & 0xC0 == 0x80 {
                        let scalar = UInt32(lead & 0x0F) << 12 | UInt32(c1 & 0x3F) << 6 | UInt32(c2 & 0x3F)
                        if scalar >= 0x800, scalar < 0xD800 || scalar > 0xDFFF {
                            multibyte += 1
                            i += 3
                            continue
                        }
                    }
                }
                var need = 0
                var minScalar: UInt32 = 0
                var scalar: UInt32 = 0
                if lead & 0xE0 == 0xC0 { need = 1; scalar = UInt32(lead & 0x1F); minScalar = 0x80 }
                else if lead & 0xF0 == 0xE0 { need = 2; scalar = UInt32(lead & 0x0F); minScalar = 0x800 }
                else if lead & 0xF8 == 0xF0 { need = 3; scalar = UInt32(lead & 0x07); minScalar = 0x10000 }
                else { valid = false; invalidSequences += 1; if stopAtFirstInvalid { break }; i += 1; continue }
                if i + need > n - 1 { valid = false; invalidSequences += 1; if stopAtFirstInvalid { break }; i += 1; continue }
                var ok = true
                for k in 1...need {
                    let c = b[i + k]
                    if c & 0xC0 != 0x80 { ok = false; break }
                    scalar = scalar << 6 | UInt32(c & 0x3F)
                }
                if !ok || scalar < minScalar || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                    valid = false; invalidSequences += 1; if stopAtFirstInvalid { break }; i += 1; continue
                }
                multibyte += 1
                i += need + 1
            }
        }
        self.valid = valid
        self.invalidSequences = invalidSequences
        self.multibyte = multibyte
    }
}

extension String {
    func trimmingASCIIWhitespaceAndQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\"" || f == "'" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\"" || l == "'" || l == "\t" || l == ";" { s = s.dropLast() }
        return String(s)
    }
}
