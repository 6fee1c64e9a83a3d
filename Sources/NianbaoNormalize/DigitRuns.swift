/// Labels and values that a flattened text copy wrote with no separator between them
/// (`规章000行政规范性文件5845546`, `（七）总计14710000148四、结转…`): the word is cut into label
/// pieces and runs of digits, each run one or several cells (issue: crawled text copies).
enum GluedText {
    /// A piece of a glued word.
    enum Piece: Equatable {
        /// Label text (row label, group label, header words).
        case label(String)
        /// Digits (and a decimal point) of one or several cells.
        case run(String)
    }

    /// Characters after which a digit run is part of the text, not a value (`2019年`, `〔2021〕`, `第711号`,
    /// and counts with a unit in a note: `合计15件` — a glued table value never carries its unit).
    private static let textAfterDigits: Set<Character> = ["年", "月", "日", "号", "〕", "]", "】", "%", "％", "岁", "时", "期",
                                                          "件", "条", "个", "次", "项", "家", "元", "万", "人", "篇", "场"]
    private static let textBeforeDigits: Set<Character> = ["第", "〔", "[", "【", "指", "于"]
    private static let groupNumerals: Set<Character> = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]

    /// The pieces of `word`, or nil when it holds no digit run written against a label.
    static func pieces(_ word: String) -> [Piece]? {
        // Cheap pre-check: an ASCII digit and a non-ASCII character must both be there.
        guard word.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }), word.utf8.contains(where: { $0 >= 0x80 }) else { return nil }
        let chars = Array(word)
        guard chars.contains(where: isDigit), chars.contains(where: { !isDigit($0) && $0 != "." }) else { return nil }
        var out: [Piece] = []
        var label: [Character] = []
        func flushLabel() {
            if !label.isEmpty { out.append(.label(String(label))); label = [] }
        }
        var i = 0
        while i < chars.count {
            guard isDigit(chars[i]) else {
                // A group label (（一）…（七）) or a numbered item (1.…8.) starts a new label piece.
                if !label.isEmpty, startsLabel(chars, at: i) { flushLabel() }
                label.append(chars[i])
                i += 1
                continue
            }
            var e = i
            while e < chars.count, isDigit(chars[e]) || (chars[e] == "." && e + 1 < chars.count && isDigit(chars[e + 1]) && e > i) { e += 1 }
            let before: Character? = i > 0 ? chars[i - 1] : nil
            let after: Character? = e < chars.count ? chars[e] : nil
            // A trailing item number: `…00000002.其他…`, `…1、属于…` (items are 1…8, one digit).
            var valueEnd = e
            var itemStart: Int?
            if let a = after, a == "." || a == "、", e + 1 < chars.count, !isDigit(chars[e + 1]), chars[e - 1] != "0", chars[e - 1] != "9" {
                valueEnd = e - 1
                itemStart = e - 1
            }
            if let b = before, textBeforeDigits.contains(b) { label.append(contentsOf: chars[i..<e]); i = e; continue }
            if itemStart == nil, let a = after, textAfterDigits.contains(a) { label.append(contentsOf: chars[i..<e]); i = e; continue }
            if valueEnd > i {
                flushLabel()
                out.append(.run(String(chars[i..<valueEnd])))
            }
            if let s = itemStart {
                flushLabel()
                label.append(chars[s])
            }
            i = e
        }
        flushLabel()
        return out.contains(where: { if case .run = $0 { return true } else { return false } }) ? out : nil
    }

    private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

    /// True where a row or group label starts: `（一）`…`（九）`, `一、`…`九、` (not inside a numeral run).
    static func startsLabel(_ chars: [Character], at i: Int) -> Bool {
        if chars[i] == "(" || chars[i] == "（" {
            return i + 2 < chars.count && groupNumerals.contains(chars[i + 1]) && (chars[i + 2] == ")" || chars[i + 2] == "）")
        }
        return groupNumerals.contains(chars[i]) && i + 1 < chars.count && chars[i + 1] == "、" && (i == 0 || !groupNumerals.contains(chars[i - 1]))
    }
}

/// Every way to cut a row's digit runs into exactly the row's cells (a crawled text copy wrote
/// `15130000154` for 151 · 3 · 0 · 0 · 0 · 0 · 154). A cell is `0` or has no leading zero; a money
/// column may hold one decimal point. `accept` sees the values placed so far after each cell and
/// prunes splits that break the row's own identities (row total, 表四 block totals).
enum DigitRunSplitter {
    /// The splits found, and whether the search stopped at its limit (then the list is incomplete).
    struct Result {
        /// One value per column; nil where the row has a cell that cannot be read.
        var splits: [[DecimalNumber?]]
        var overflow: Bool
    }

    /// One value per column for each split of `tokens` (numbers count as one cell, runs as one or more).
    static func splits(_ tokens: [CellToken], columns n: Int, money: (Int) -> Bool,
                       accept: ([DecimalNumber?]) -> Bool = { _ in true }, limit: Int = 20_000) -> Result {
        enum Unit { case fixed(DecimalNumber?); case run([UInt8]) }
        var units: [Unit] = []
        for t in tokens {
            switch t {
            case .run(let digits): units.append(.run(Array(digits.utf8)))
            case .number(let v, _, _, _): units.append(.fixed(v))
            case .blank, .notApplicable: units.append(.fixed(nil))
            }
        }
        // Fewest and most cells the units from index i on can give.
        var minAfter = [Int](repeating: 0, count: units.count + 1)
        var maxAfter = [Int](repeating: 0, count: units.count + 1)
        for i in stride(from: units.count - 1, through: 0, by: -1) {
            minAfter[i] = minAfter[i + 1] + 1
            if case .run(let d) = units[i] { maxAfter[i] = maxAfter[i + 1] + d.filter { $0 != 0x2E }.count } else { maxAfter[i] = maxAfter[i + 1] + 1 }
        }
        var out: [[DecimalNumber?]] = []
        var overflow = false
        var steps = 0
        var values: [DecimalNumber?] = []
        guard minAfter[0] <= n, maxAfter[0] >= n else { return Result(splits: [], overflow: false) }

        func cell(_ d: ArraySlice<UInt8>, column: Int) -> DecimalNumber? {
            guard let first = d.first, first != 0x2E, d.count <= 15 else { return nil }
            var mantissa = 0, scale = 0, dot = false
            for b in d {
                if b == 0x2E { guard !dot, money(column) else { return nil }; dot = true; continue }
                mantissa = mantissa * 10 + Int(b - 0x30)
                if dot { scale += 1 }
            }
            if d.last == 0x2E { return nil }
            // "0" alone, or no leading zero ("0.5" is the one zero-led form, for money).
            if first == 0x30, d.count > 1, d[d.startIndex + 1] != 0x2E { return nil }
            return DecimalNumber(mantissa: mantissa, scale: scale)
        }

        func search(_ u: Int, _ offset: Int) {
            if overflow { return }
            steps += 1
            if steps > limit * 20 || out.count >= limit { overflow = true; return }
            if u == units.count {
                if values.count == n { out.append(values) }
                return
            }
            switch units[u] {
            case .fixed(let v):
                guard values.count + minAfter[u] <= n else { return }
                values.append(v)
                if accept(values) { search(u + 1, 0) }
                values.removeLast()
            case .run(let d):
                for end in (offset + 1)...d.count {
                    let restInRun = d[end...].filter { $0 != 0x2E }.count
                    let minRest = (end < d.count ? 1 : 0) + minAfter[u + 1]
                    let maxRest = restInRun + maxAfter[u + 1]
                    let placed = values.count + 1
                    guard placed + minRest <= n else { continue }
                    guard placed + maxRest >= n else { continue }
                    guard let v = cell(d[offset..<end], column: values.count) else { continue }
                    values.append(v)
                    if accept(values) {
                        if end == d.count { search(u + 1, 0) } else { search(u, end) }
                    }
                    values.removeLast()
                    if overflow { return }
                }
            }
        }
        search(0, 0)
        return Result(splits: out, overflow: overflow)
    }
}
