import NianbaoExtract
/// A calendar date with an optional day (`YYYY-MM` when the source gives no day).
public struct ReportDate: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// Year.
    public var year: Int
    /// Month 1–12.
    public var month: Int
    /// Day 1–31, nil when only the month is known.
    public var day: Int?

    /// Creates a date.
    public init(year: Int, month: Int, day: Int?) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// ISO 8601 text.
    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        guard let d = day else { return "\(year)-\(m)" }
        return "\(year)-\(m)-\(d < 10 ? "0\(d)" : "\(d)")"
    }

    public static func < (a: ReportDate, b: ReportDate) -> Bool {
        (a.year, a.month, a.day ?? 0) < (b.year, b.month, b.day ?? 0)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func valid(_ y: Int, _ m: Int, _ d: Int?) -> Bool {
        guard y >= 1990 && y <= 2100, m >= 1 && m <= 12 else { return false }
        if let d { return d >= 1 && d <= daysIn(m, y) }
        return true
    }
}

/// What a date is expected to be, used to choose among the readings of a damaged date (B1).
public enum DateRole: Sendable {
    /// Start of the statistics period (prior: 1 January).
    case periodStart
    /// End of the statistics period (prior: 31 December).
    case periodEnd
    /// Signature date at the end of a report (prior: the year after the data, January–March).
    case signature
    /// Anything else (metadata dates).
    case plain
}

/// A date read from page text, with whether separators had to be restored.
public struct ParsedDate: Sendable, Equatable {
    /// The date.
    public var date: ReportDate
    /// The text it was read from.
    public var raw: String
    /// The repair rule applied, nil when the text was a well-formed date.
    public var repair: String?
}

/// Reads dates as pages write them, including the broken forms of templates.md B1 and B3.
public enum DateReader {
    /// Parses one date expression (`2023年1月1日`, `2024-01-22`, `202311日`, `20241`, `2023 年 1 月 16 日`).
    ///
    /// `defaultYear` fills a missing year (`1231日` in `从202111日到1231日止`); `priorYear` is the
    /// year the role's prior refers to (the data year).
    public static func parse(_ text: String, role: DateRole, defaultYear: Int? = nil, priorYear: Int? = nil) -> ParsedDate? {
        let raw = TextWhitespace.trim(text)
        // Collapse spacing (B3) and fold full-width digits.
        var parts: [(digits: String, sep: Character?)] = []
        var current = ""
        for ch in LabelText.fold(raw) {
            if ch.isASCII, ch.isNumber { current.append(ch); continue }
            if ch == " " {
                // "2026-03-10 12:56": a space after an ISO-style date ends it.
                if !current.isEmpty, let last = parts.last?.sep, "-./".contains(last) { break }
                continue
            }
            if "年月日号-./".contains(ch) {
                parts.append((current, ch))
                current = ""
                continue
            }
            break
        }
        if !current.isEmpty { parts.append((current, nil)) }
        parts = parts.filter { !$0.digits.isEmpty || $0.sep == "年" || $0.sep == "月" || $0.sep == "日" }
        guard !parts.isEmpty, parts.contains(where: { !$0.digits.isEmpty }) else { return nil }

        // Well-formed: Y年M月D日 / Y-M-D / Y年M月 / Y.M.D
        let digitParts = parts.map(\.digits)
        let seps = parts.map(\.sep)
        if digitParts.count >= 2, digitParts[0].count == 4, let y = Int(digitParts[0]),
           ["年", "-", ".", "/"].contains(seps[0] ?? " "), let m = Int(digitParts[1]), (1...2).contains(digitParts[1].count) {
            var d: Int?
            if digitParts.count >= 3, (1...2).contains(digitParts[2].count) { d = Int(digitParts[2]) }
            if ReportDate.valid(y, m, d) {
                return ParsedDate(date: ReportDate(year: y, month: m, day: d), raw: raw, repair: nil)
            }
        }
        // Damaged: separators lost.
        let first = digitParts[0]
        var year: Int?
        var usedDefaultYear = false
        var rest: [(digits: String, sep: Character?)] = []
        if first.count >= 4, let y = Int(first.prefix(4)), y >= 1990, y <= 2100 {
            year = y
            let tail = String(first.dropFirst(4))
            if seps[0] == "年" {
                rest = Array(parts.dropFirst())
            } else {
                rest = [(tail, seps[0])] + parts.dropFirst()
            }
        } else if let dy = defaultYear {
            year = dy
            usedDefaultYear = true
            rest = parts
        }
        guard let y = year else { return nil }
        rest = rest.filter { !$0.digits.isEmpty }
        var candidates: [ReportDate] = []
        if rest.count >= 2, rest[0].sep == "月", let m = Int(rest[0].digits), let d = Int(rest[1].digits) {
            if ReportDate.valid(y, m, d) { candidates = [ReportDate(year: y, month: m, day: d)] }
        } else if rest.count == 1 {
            let run = rest[0].digits
            let sep = rest[0].sep
            if sep == "月", let m = Int(run), run.count <= 2 {
                if ReportDate.valid(y, m, nil) { candidates = [ReportDate(year: y, month: m, day: nil)] }
            } else {
                let chars = Array(run)
                if chars.count <= 4 {
                    for cut in 1...2 where cut < chars.count {
                        if let m = Int(String(chars[..<cut])), let d = Int(String(chars[cut...])), chars.count - cut <= 2,
                           chars[cut] != "0" || chars.count - cut == 2, chars[0] != "0" || cut == 2,
                           ReportDate.valid(y, m, d) {
                            candidates.append(ReportDate(year: y, month: m, day: d))
                        }
                    }
                    if sep == nil || sep == "月", chars.count <= 2, let m = Int(run), ReportDate.valid(y, m, nil), chars[0] != "0" || chars.count == 2 {
                        if role == .signature || candidates.isEmpty { candidates.append(ReportDate(year: y, month: m, day: nil)) }
                    }
                }
            }
        } else if rest.isEmpty {
            return nil
        }
        guard !candidates.isEmpty else { return nil }
        let chosen = choose(candidates, role: role, priorYear: priorYear ?? y)
        let wellFormed = parts.count >= 2 && seps[0] == "年"
        if usedDefaultYear {
            // "12月31日" after "2021年1月1日": the year is implied, nothing was lost inside the date.
            let separatorsIntact = rest.count >= 2 && rest[0].sep == "月"
            return ParsedDate(date: chosen, raw: raw, repair: separatorsIntact ? "date.year_implied" : "date.lost_separators")
        }
        return ParsedDate(date: chosen, raw: raw, repair: wellFormed && candidates.count == 1 && rest.count >= 2 ? nil : "date.lost_separators")
    }

    static func choose(_ c: [ReportDate], role: DateRole, priorYear: Int) -> ReportDate {
        if c.count == 1 { return c[0] }
        switch role {
        case .periodStart:
            return c.first(where: { $0.month == 1 && $0.day == 1 }) ?? c.min()!
        case .periodEnd:
            return c.first(where: { $0.month == 12 && $0.day == 31 }) ?? c.max()!
        case .signature:
            return c.first(where: { $0.month <= 3 }) ?? c.min()!
        case .plain:
            return c.min()!
        }
    }

    /// Finds date-like runs in a line: digits mixed with 年/月/日 and spaces, at least 5 digits or with 年.
    public static func dateExpressions(in text: String) -> [String] {
        // An expression needs at least four digits (ASCII or full-width U+FF10…FF19): fewer in the
        // whole text means none, without the Character walk.
        var digitCount = 0
        var tail: (UInt8, UInt8) = (0, 0)
        for b in text.utf8 {
            if (b >= 0x30 && b <= 0x39) || (tail == (0xEF, 0xBC) && b >= 0x90 && b <= 0x99) {
                digitCount += 1
                if digitCount >= 4 { break }
            }
            tail = (tail.1, b)
        }
        guard digitCount >= 4 else { return [] }
        var out: [String] = []
        // The run being read, as scalars in a reused array; a String is made only for a date.
        var current: [Unicode.Scalar] = []
        current.reserveCapacity(32)
        var digits = 0
        var hasSep = false
        func flush() {
            guard !current.isEmpty else { return }
            if digits >= 5 || (hasSep && digits >= 4) {
                var lo = 0, hi = current.count
                while lo < hi, current[lo] == " " { lo += 1 }
                while hi > lo, current[hi - 1] == " " { hi -= 1 }
                var view = String.UnicodeScalarView()
                view.append(contentsOf: current[lo..<hi])
                out.append(String(view))
            }
            current.removeAll(keepingCapacity: true); digits = 0; hasSep = false
        }
        // A scalar walk (the text's digits, 年月日号, separators and spaces are single scalars).
        // Without "(" or "（" folding cannot strip a pinyin gloss, so it is the scalar-wise fold,
        // applied here as the scalars go by instead of on a copy of the whole text.
        let hasParen = text.utf8.contains(0x28) || text.utf8Contains("（")
        let scalars = hasParen ? LabelText.fold(text).unicodeScalars : text.unicodeScalars
        for raw in scalars {
            let u = hasParen ? raw : LabelText.foldScalar(raw)
            let v = u.value
            if v >= 0x30 && v <= 0x39 { current.append(u); digits += 1 }
            else if (u == "年" || u == "月" || u == "日" || u == "号") && digits > 0 { current.append(u); hasSep = true }
            else if (u == "-" || u == "." || u == "/") && digits > 0, let last = current.last, last.value >= 0x30 && last.value <= 0x39 { current.append(u) }
            else if u == " " && !current.isEmpty { current.append(u) }
            else if !current.isEmpty { flush() }
        }
        flush()
        return out
    }
}

