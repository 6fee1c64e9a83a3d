import NianbaoExtract

/// One cell of a table region in reading order: a grid cell of an HTML table, or a piece of a
/// flattened text line. Both inputs meet here and share every later step.
struct StreamCell {
    /// Text as on the page.
    var text: String
    /// Folded, whitespace-free text for label matching.
    var key: String
    /// The value this cell holds, nil when it is a label or header.
    var token: CellToken?
    /// True for the first cell of a grid row or of a pipe row (a known row boundary).
    var rowStart: Bool
    /// True when the cell comes from a real table grid (positions are exact).
    var fromGrid: Bool
}

/// Turns page segments into a stream of cells (templates.md B4: the flattened shapes).
enum CellStreamBuilder {
    /// Builds the stream of a region of segments.
    static func build(_ segments: ArraySlice<Segment>) -> [StreamCell] {
        var out: [StreamCell] = []
        for seg in segments {
            switch seg {
            case .table(let grid):
                for row in grid.rows {
                    var first = true
                    for cell in row where !cell.isSpanCopy {
                        out.append(make(cell.text, rowStart: first, fromGrid: true))
                        first = false
                    }
                }
            case .line(let line):
                appendLine(line, to: &out)
            }
        }
        return out
    }

    static func make(_ text: String, rowStart: Bool, fromGrid: Bool) -> StreamCell {
        StreamCell(text: text, key: LabelText.matchKey(text), token: CellParser.parse(text), rowStart: rowStart, fromGrid: fromGrid)
    }

    /// True for a line of running prose that can hold no table cells: a sentence, or words that
    /// continue after a number (`2020 年,我单位…`, `新闻发布会 20 场`) where a table row would end in numbers.
    static func isProse(_ line: String) -> Bool {
        if line.contains("。") { return true }
        let words = line.split(separator: " ")
        var numbers = 0
        var wordAfterNumber = false
        for w in words {
            if case .number? = CellParser.parse(String(w)) { numbers += 1 } else if numbers > 0, !w.allSatisfy({ $0 == "|" }) { wordAfterNumber = true }
        }
        // Sentence punctuation outside brackets: labels such as (区分处理的,只计这一情形,…) do not count.
        var depth = 0
        var sentencePunctuation = false
        for ch in line {
            switch ch {
            case "(", "（": depth += 1
            case ")", "）": depth = max(0, depth - 1)
            case "，", ",", "；", ";": if depth == 0 { sentencePunctuation = true }
            default: break
            }
        }
        if numbers == 0 { return line.unicodeScalars.count > 60 && sentencePunctuation && !line.contains("|") }
        if wordAfterNumber && (numbers < 3 || sentencePunctuation) && !line.contains("|") { return true }
        return false
    }

    /// Splits one text line into cells: pipe rows, lone `|` blanks, label + numbers on one line.
    static func appendLine(_ rawLine: String, to out: inout [StreamCell]) {
        let line = rawLine.replacingPipes()
        if isProse(line) { return }
        if line.contains("|") {
            let onlyPipes = line.allSatisfy { $0 == "|" || $0 == " " }
            if onlyPipes {
                // One lone "|" is an empty cell; runs of pipes are colspan residue and carry nothing.
                if line.filter({ $0 == "|" }).count == 1 {
                    out.append(StreamCell(text: "", key: "", token: .blank, rowStart: false, fromGrid: false))
                }
                return
            }
            var pieces = line.split(separator: "|", omittingEmptySubsequences: false).map { TextWhitespace.trim(String($0)) }
            while let last = pieces.last, last.isEmpty { pieces.removeLast() }
            var first = true
            for p in pieces {
                if p.isEmpty {
                    out.append(StreamCell(text: "", key: "", token: .blank, rowStart: first && pieces.count > 1, fromGrid: false))
                } else {
                    appendWords(p, to: &out, rowStart: first && pieces.count > 1)
                }
                first = false
            }
            return
        }
        appendWords(line, to: &out, rowStart: false)
    }

    /// A line without pipes: whitespace-separated numbers become cells, runs of words one label.
    static func appendWords(_ text: String, to out: inout [StreamCell], rowStart: Bool) {
        let words = text.split(separator: " ").map(String.init)
        if words.count <= 1, GluedText.pieces(text) == nil {
            out.append(make(text, rowStart: rowStart, fromGrid: false))
            return
        }
        var label: [String] = []
        var first = rowStart
        func flushLabel() {
            if !label.isEmpty {
                out.append(make(label.joined(separator: " "), rowStart: first, fromGrid: false))
                first = false
                label = []
            }
        }
        for (wi, w) in words.enumerated() {
            // A short word between two values of one line is a value that can no longer be read
            // (garbled): it keeps its position, and its value is unknown.
            if label.isEmpty, wi > 0, wi + 1 < words.count, w.count <= 2, CellParser.parse(w) == nil,
               case .number? = CellParser.parse(words[wi - 1]), case .number? = CellParser.parse(words[wi + 1]) {
                out.append(StreamCell(text: w, key: LabelText.matchKey(w), token: .notApplicable(raw: w), rowStart: false, fromGrid: false))
                continue
            }
            if let t = CellParser.parse(w), t != .blank {
                flushLabel()
                out.append(StreamCell(text: w, key: LabelText.matchKey(w), token: t, rowStart: first, fromGrid: false))
                first = false
            } else if let pieces = GluedText.pieces(w) {
                // Labels and values written together (a crawled text copy): each run is a value token.
                for (k, piece) in pieces.enumerated() {
                    switch piece {
                    case .label(let text):
                        if k > 0 || GluedText.startsLabel(Array(text), at: 0) { flushLabel() }
                        label.append(text)
                    case .run(let digits):
                        flushLabel()
                        let token: CellToken = digits.utf8.count == 1 ? CellParser.parse(digits)! : .run(digits)
                        out.append(StreamCell(text: digits, key: digits, token: token, rowStart: first, fromGrid: false))
                        first = false
                    }
                }
            } else {
                label.append(w)
            }
        }
        flushLabel()
    }
}

extension String {
    /// The non-empty pieces between pipes (`|`, `¦`, `｜`, `│`); the line itself when it has none.
    func pipeFragments() -> [String] {
        // ¦ = C2 A6, ｜ = EF BD 9C, │ = E2 94 82: all start with a byte that "|" lines need anyway.
        let hasPipe = utf8.contains { $0 == 0x7C || $0 == 0xC2 || $0 == 0xEF || $0 == 0xE2 }
        if !hasPipe { return isEmpty ? [] : [self] }
        return replacingPipes().split(separator: "|").map { String($0) }
    }

    /// Maps the broken-bar and full-width bars that text copies use to `|`.
    func replacingPipes() -> String {
        guard unicodeScalars.contains(where: { $0 == "¦" || $0 == "｜" || $0 == "│" }) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.map { $0 == "¦" || $0 == "｜" || $0 == "│" ? "|" : $0 }))
    }
}

/// The cells the page gave for one template row.
struct RowObservation {
    /// The label as written.
    var label: String
    /// Value tokens in page order (numbers, not-applicable markers, blanks).
    var tokens: [CellToken]
    /// True when the tokens come from one grid row (their positions are exact).
    var fromGrid: Bool
}

/// Where a matched label belongs.
enum LabelMatch: Equatable {
    /// A data row, by its id.
    case row(String)
    /// A group label (表三 `（三）不予公开` …).
    case group(String)
}

/// Walks a cell stream and assigns value tokens to template rows by their labels (B4, B5, B8, B9, B14).
struct RowAligner {
    /// Row matcher: (folded key, current group, ids already seen) → match.
    let match: (String, String?, Set<String>) -> LabelMatch?
    /// Item rows of each group, for rows whose labels were lost (B8).
    let groupItems: [String: [String]]
    /// Number of value columns of each row id.
    let columns: (String) -> Int

    struct Result {
        var rows: [String: RowObservation] = [:]
        var order: [String] = []
        var extraRows: [String] = []
        var warnings: [(String, String)] = []
    }

    func align(_ stream: [StreamCell]) -> Result {
        var result = Result()
        var currentID: String?
        var current: RowObservation?
        var group: String?
        var orphanGroup: String?
        var orphanTokens: [CellToken] = []
        var extraLabel: String?
        var seen = Set<String>()

        func close() {
            if let id = currentID, let obs = current {
                if result.rows[id] == nil { result.rows[id] = obs; result.order.append(id) }
                else if result.rows[id]!.tokens.isEmpty { result.rows[id] = obs }
            }
            currentID = nil
            current = nil
            extraLabel = nil
            if let g = orphanGroup, !orphanTokens.isEmpty {
                let items = groupItems[g] ?? []
                let values = orphanTokens
                if !items.isEmpty, items.allSatisfy({ result.rows[$0] == nil }) {
                    let per = items.map(columns)
                    let need = per.reduce(0, +)
                    if values.count == need {
                        var k = 0
                        for (i, id) in items.enumerated() {
                            result.rows[id] = RowObservation(label: "", tokens: Array(values[k..<(k + per[i])]), fromGrid: false)
                            result.order.append(id)
                            seen.insert(id)
                            k += per[i]
                        }
                        result.warnings.append(("table.row_labels_lost", "the \(items.count) rows of group \(g) had no labels; \(values.count) values aligned by count"))
                    } else {
                        result.warnings.append(("table.row_labels_lost", "group \(g) is followed by \(values.count) unlabelled values where \(need) were expected; its rows are left unknown"))
                    }
                }
            }
            orphanGroup = nil
            orphanTokens = []
        }

        var i = 0
        while i < stream.count {
            let cell = stream[i]
            if cell.rowStart && cell.fromGrid && (current?.fromGrid ?? false) { close() }
            if let tok = cell.token {
                if current != nil {
                    current!.tokens.append(tok)
                } else if extraLabel != nil {
                    // values of an unknown extra row: swallowed, never shifted into canonical rows
                } else if let g = orphanGroup ?? group, groupItems[g] != nil, tok != .blank {
                    orphanGroup = g
                    orphanTokens.append(tok)
                } else if orphanGroup != nil {
                    orphanTokens.append(tok)
                }
                i += 1
                continue
            }
            // A label: try it alone, then joined with following label cells (split labels, B9).
            var joined = cell.key
            var consumed = 1
            var m = cell.key.isEmpty ? nil : match(cell.key, group, seen)
            // Split labels (B9) are short fragments: only those are joined with what follows.
            let firstScalars = cell.key.unicodeScalars.count
            if m == nil, firstScalars <= 8 {
                var j = i + 1
                var joinedScalars = firstScalars
                while j < stream.count, stream[j].token == nil, consumed < 12, joinedScalars < 60 {
                    joined += stream[j].key
                    joinedScalars += stream[j].key.unicodeScalars.count
                    consumed += 1
                    if let mm = match(joined, group, seen) { m = mm; break }
                    j += 1
                }
                if m == nil { consumed = 1 }
            }
            switch m {
            case .row(let id):
                close()
                currentID = id
                seen.insert(id)
                current = RowObservation(label: stream[i..<(i + consumed)].map(\.text).joined(), tokens: [], fromGrid: cell.fromGrid)
            case .group(let g):
                close()
                group = g
            case nil:
                // Text in a grid row after its first value: a value cell that cannot be read (garbled).
                // It keeps its position; its value is unknown.
                let nextIsValue: Bool = { if i + 1 < stream.count, case .number? = stream[i + 1].token { return true } else { return false } }()
                if let cur = current, (cell.fromGrid && !cell.rowStart && cur.fromGrid && (!cur.tokens.isEmpty || cell.text.count <= 2))
                    || (!cell.fromGrid && !cur.tokens.isEmpty && cell.text.count <= 2 && nextIsValue) {
                    current!.tokens.append(.notApplicable(raw: cell.text))
                    i += 1
                    continue
                }
                // Unknown label. If values follow directly, it is an extra local row (B14).
                let next = i + consumed < stream.count ? stream[i + consumed] : nil
                if let n = next, n.token != nil, n.token != .blank, cell.key.count >= 2, !cell.key.allSatisfy({ $0.isNumber }) {
                    close()
                    extraLabel = cell.text
                    result.extraRows.append(cell.text)
                } else if !(cell.fromGrid && !cell.rowStart && current == nil) {
                    close()
                }
            }
            i += consumed
        }
        close()
        return result
    }
}
