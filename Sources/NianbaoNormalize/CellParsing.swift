import NianbaoExtract

/// An exact decimal number: `mantissa × 10^-scale` (money keeps its decimals without binary rounding).
public struct DecimalNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The digits as an integer.
    public var mantissa: Int
    /// Number of decimal places.
    public var scale: Int

    /// Creates a number.
    public init(mantissa: Int, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
        normalize()
    }

    /// An integer.
    public init(_ i: Int) { self.init(mantissa: i, scale: 0) }

    mutating func normalize() {
        while scale > 0, mantissa % 10 == 0 { mantissa /= 10; scale -= 1 }
        if mantissa == 0 { scale = 0 }
    }

    /// The value when it is a whole number.
    public var integer: Int? { scale == 0 ? mantissa : nil }

    /// JSON text: `25.1`, `-4`, `4166.2416`.
    public var description: String {
        if scale == 0 { return String(mantissa) }
        let neg = mantissa < 0
        var digits = String(neg ? -mantissa : mantissa)
        while digits.count <= scale { digits = "0" + digits }
        let cut = digits.index(digits.endIndex, offsetBy: -scale)
        return (neg ? "-" : "") + digits[..<cut] + "." + digits[cut...]
    }

    /// Rounds half away from zero to at most `places` decimals.
    public func rounded(to places: Int) -> DecimalNumber {
        guard scale > places else { return self }
        var m = mantissa
        var s = scale
        var lastDropped = 0
        while s > places {
            lastDropped = abs(m % 10)
            m /= 10
            s -= 1
        }
        if lastDropped >= 5 { m += mantissa < 0 ? -1 : 1 }
        return DecimalNumber(mantissa: m, scale: s)
    }

    /// Divides by 10 000 exactly (元 → 万元).
    public func yuanToWanYuan() -> DecimalNumber { DecimalNumber(mantissa: mantissa, scale: scale + 4) }
}

extension DecimalNumber: Comparable {
    /// Numeric order (scales aligned).
    public static func < (a: DecimalNumber, b: DecimalNumber) -> Bool {
        let scale = max(a.scale, b.scale)
        var x = a.mantissa, y = b.mantissa
        for _ in a.scale..<scale { x *= 10 }
        for _ in b.scale..<scale { y *= 10 }
        return x < y
    }
}

/// What one table cell of the page holds, before it is placed in the canonical record.
public enum CellToken: Sendable, Equatable {
    /// A number, with the raw text and the conversions applied to read it.
    case number(DecimalNumber, raw: String, conversions: [String], unit: String?)
    /// An explicit not-applicable marker (`/`, `—`, `-`, `无` is *not* this: it reads as 0).
    case notApplicable(raw: String)
    /// An empty cell (a blank `<td>`, a lone `|` line).
    case blank
    /// Digits of one or several cells written together with no separator (a flattened text copy:
    /// `规章000`, `15130000154`): where the cells end is no longer on the page, and is decided by
    /// ``DigitRunSplitter`` and the identities, or not at all.
    case run(String)

    /// True for digits of cells run together (``run(_:)``).
    public var isRun: Bool { if case .run = self { return true } else { return false } }

    /// The raw text of the cell, nil for a blank.
    public var raw: String? {
        switch self {
        case .number(_, let raw, _, _): return raw
        case .notApplicable(let raw): return raw
        case .blank: return nil
        case .run(let digits): return digits
        }
    }
}

/// Parses the text of table cells (templates.md B6, B11, B12).
public enum CellParser {
    /// Reads a cell's text as a value token, or nil when it is not a value (a label, a header).
    public static func parse(_ text: String) -> CellToken? {
        // Fast paths: plain digits, and text that starts with a character no value can start with.
        var plain = 0
        var allDigits = !text.isEmpty && text.utf8.count <= 18
        if allDigits {
            for b in text.utf8 {
                guard b >= 0x30 && b <= 0x39 else { allDigits = false; break }
                plain = plain * 10 + Int(b - 0x30)
            }
            if allDigits { return .number(DecimalNumber(plain), raw: text, conversions: [], unit: nil) }
        }
        if let first = text.unicodeScalars.first, first.value >= 0x4E00, first.value <= 0x9FFF,
           first != "增", first != "减", first != "无", first != "零" {
            return nil
        }
        // A Latin letter, or a CJK character that is neither a sign, a zero word nor a unit, makes a label.
        for u in text.unicodeScalars {
            let v = u.value
            if (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) { return nil }
            if v >= 0x4E00 && v <= 0x9FFF {
                switch u {
                case "增", "减", "无", "零", "万", "元", "件", "个", "条", "项", "次", "家": break
                default: return nil
                }
            }
        }
        let trimmed = TextWhitespace.trim(text)
        if trimmed.isEmpty { return .blank }
        var s = Array(trimmed.unicodeScalars)
        var conversions: [String] = []
        // Full-width digits and signs.
        if s.contains(where: { $0.value >= 0xFF01 && $0.value <= 0xFF5E }) {
            if s.contains(where: { $0.value >= 0xFF10 && $0.value <= 0xFF19 }) { conversions.append("number.fullwidth") }
            s = s.map { LabelText.foldScalar($0) }
        }
        let str = String(String.UnicodeScalarView(s))
        let compact = str.filter { $0 != " " }
        if ["/", "\\", "—", "——", "-", "--", "－", "—/—", "/—", "…", "——/"].contains(compact) || compact.allSatisfy({ $0 == "—" || $0 == "-" || $0 == "/" }) {
            return .notApplicable(raw: trimmed)
        }
        if compact == "无" || compact == "零" {
            return .number(DecimalNumber(0), raw: trimmed, conversions: ["number.word_zero"], unit: nil)
        }
        var chars = Array(compact)
        var negative = false
        if let f = chars.first {
            if f == "+" || f == "增" { chars.removeFirst(); if f == "增" { conversions.append("number.worded_sign") } }
            else if f == "-" || f == "减" || f == "—" { chars.removeFirst(); negative = true; if f == "减" { conversions.append("number.worded_sign") } }
        }
        // Units.
        var unit: String?
        let unitSuffixes: [(String, String?)] = [("万元", "万元"), ("元", "元"), ("件", nil), ("个", nil), ("条", nil), ("项", nil), ("次", nil), ("家", nil)]
        for (suffix, u) in unitSuffixes {
            let sc = Array(suffix)
            if chars.count > sc.count, Array(chars.suffix(sc.count)) == sc {
                chars.removeLast(sc.count)
                unit = u ?? unit
                if u == nil { conversions.append("number.unit_stripped") }
                break
            }
        }
        guard !chars.isEmpty else { return nil }
        var mantissa = 0
        var scale = 0
        var inFraction = false
        var digitsSeen = 0
        var separators = false
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let d = c.wholeNumberValue, c.isASCII {
                if digitsSeen > 17 { return nil }
                mantissa = mantissa * 10 + d
                digitsSeen += 1
                if inFraction { scale += 1 }
            } else if c == "." && !inFraction && digitsSeen > 0 {
                inFraction = true
            } else if c == "," && !inFraction && digitsSeen > 0 && i + 3 < chars.count + 0 && groupOfThree(chars, after: i) {
                separators = true
            } else {
                return nil
            }
            i += 1
        }
        if digitsSeen == 0 { return nil }
        if inFraction && scale == 0 { return nil }
        if separators { conversions.append("number.thousands_separator") }
        let value = DecimalNumber(mantissa: negative ? -mantissa : mantissa, scale: scale)
        return .number(value, raw: trimmed, conversions: conversions, unit: unit)
    }

    private static func groupOfThree(_ chars: [Character], after i: Int) -> Bool {
        var n = 0
        var j = i + 1
        while j < chars.count, chars[j].isASCII, chars[j].wholeNumberValue != nil { n += 1; j += 1 }
        return n == 3
    }
}
