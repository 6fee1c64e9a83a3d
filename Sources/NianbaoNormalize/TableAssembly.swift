import NianbaoExtract

/// Positions of a row's tokens once the page's cell shape is known.
enum RowShape {
    /// One token per column, in column order.
    case positional([CellToken])
    /// Fewer tokens than columns, order kept, positions unknown (blank cells dropped, B5).
    case compressed([CellToken])
    /// Digits of several cells run together (a crawled text copy): the row's values in page order,
    /// runs among them, to be split by ``DigitRunSplitter``.
    case segmented([CellToken])
}

extension NormalizeState {
    /// Decides whether a row's tokens sit in known columns.
    mutating func shape(_ obs: RowObservation, columns n: Int, path: String) -> RowShape {
        var toks = obs.tokens
        if toks.contains(where: \.isRun) {
            return .segmented(toks.filter { $0 != .blank })
        }
        if toks.count == n { return .positional(toks) }
        while toks.count > n, toks.last == .blank { toks.removeLast() }
        if toks.count == n { return .positional(toks) }
        if toks.count > n {
            let values = toks.filter { $0 != .blank }
            if values.count == n { return .positional(values) }
            if values.count > n {
                // Which of them are the row's is not on the page (values of a lost row or table ran on).
                warn("table.extra_values", "\(path): \(values.count) values where the template has \(n) columns; none is used")
                return .compressed([])
            }
            return .compressed(values)
        }
        if toks.isEmpty { return .compressed([]) }
        // Fewer tokens than columns. Trailing blanks of a grid row are positions; a text row lost its blanks.
        return .compressed(obs.fromGrid ? toks : toks.filter { $0 != .blank })
    }

    // MARK: 表二

    mutating func proactiveTable(_ spec: ReportTemplate, region: ArraySlice<Segment>?) -> JSONValue {
        let stream = region.map { CellStreamBuilder.build($0) } ?? []
        let rows = spec.proactive
        let aligner = RowAligner(
            match: { key, _, _ in
                // Characters ≤ scalars ≤ UTF-8 bytes: count Characters only when the cheap bounds fail.
                guard key.utf8.count <= 70 || key.unicodeScalars.count <= 70 || key.count <= 70 else { return nil }
                // A label that names two rows (a value between them lost or garbled) names neither.
                guard let id = spec.proactiveMatcher.earliest(in: key), spec.proactiveMatcher.all(in: key).count == 1 else { return nil }
                return .row(id)
            },
            groupItems: [:],
            columns: { id in rows.first { $0.block == id }?.columns.count ?? 1 }
        )
        let result = aligner.align(stream)
        for extra in result.extraRows { warn("table.extra_row", "表二 row \"\(extra)\" is not in the \(spec.kind.rawValue) template; its values are left out") }
        for w in result.warnings { warn(w.0, w.1) }
        // Column headers with a unit: 采购总金额(万元) / 本年收费金额(单位:万元).
        var table: JSONObject = [:]
        for row in rows {
            var block: JSONObject = [:]
            let base = "tables.proactive.\(row.block)"
            guard let obs = result.rows[row.block] else {
                rowsNotOnPage["表二", default: 0] += 1
                for c in row.columns {
                    block[c] = .null
                    note("\(base).\(c)", status: "missing", raw: nil, rule: "row.not_found")
                }
                table[row.block] = .object(block)
                continue
            }
            switch shape(obs, columns: row.columns.count, path: base) {
            case .positional(let t):
                for (i, c) in row.columns.enumerated() {
                    let (value, status, raw, rule) = proactiveCell(t[i], kind: row.kinds[i])
                    block[c] = value
                    if let s = status { note("\(base).\(c)", status: s, raw: raw, rule: rule) }
                }
            case .compressed(let t):
                // Blank cells were dropped: where the values stood is not on the page, and 表二 has no
                // identity to decide it. Each cell lists the values that could stand in it.
                for (i, c) in row.columns.enumerated() {
                    block[c] = .null
                    let possible = t.indices.filter { k in k <= i && t.count - k <= row.columns.count - i }
                    let values = possible.compactMap { k -> DecimalNumber? in
                        if case .number(let n, _, _, _) = t[k] { return n } else { return nil }
                    }
                    if t.isEmpty {
                        note("\(base).\(c)", status: "missing", raw: nil, rule: "cell.blank")
                    } else {
                        note("\(base).\(c)", status: "ambiguous", raw: t.compactMap(\.raw).joined(separator: " "), rule: "placement.several_placements",
                             candidates: Array(Set(values)).sorted())
                    }
                }
            case .segmented(let t):
                let raw = t.compactMap(\.raw).joined(separator: " ")
                let result = DigitRunSplitter.splits(t, columns: row.columns.count, money: { row.kinds[$0] == .moneyWanYuan })
                let cut = t.count < row.columns.count
                for (i, c) in row.columns.enumerated() {
                    let path = "\(base).\(c)"
                    let values = Set(result.splits.map { $0[i] })
                    guard !result.overflow, let first = values.first else {
                        block[c] = .null
                        note(path, status: "missing", raw: raw, rule: result.overflow ? "segmentation.too_many_splits" : "segmentation.no_split")
                        continue
                    }
                    guard values.count == 1, let v = first else {
                        // Several values fit (or, in some split, a cell that cannot be read stands here).
                        block[c] = .null
                        note(path, status: values.count > 1 ? "ambiguous" : "missing", raw: raw,
                             rule: values.count > 1 ? "segmentation.several_splits" : "cell.unreadable",
                             candidates: values.count > 1 ? values.compactMap { $0 }.sorted() : nil)
                        continue
                    }
                    let token = CellToken.number(v, raw: v.description, conversions: [], unit: nil)
                    let (value, status, cellRaw, rule) = proactiveCell(token, kind: row.kinds[i])
                    block[c] = value
                    if cut {
                        note(path, status: "segmented", raw: raw, rule: result.splits.count == 1 ? "segmentation.unique" : "segmentation.all_splits_agree")
                    } else if let s = status {
                        note(path, status: s, raw: cellRaw, rule: rule)
                    }
                }
            }
            table[row.block] = .object(block)
        }
        return .object(table)
    }

    /// (value, status or nil when plainly reported, raw, rule)
    func proactiveCell(_ token: CellToken?, kind: ColumnKind) -> (JSONValue, String?, String?, String?) {
        guard let token else { return (.null, "missing", nil, "cell.not_on_page") }
        switch token {
        case .blank: return (.null, "missing", nil, "cell.blank")
        case .notApplicable(let raw): return (.null, "missing", raw, "cell.not_applicable")
        case .run(let digits): return (.null, "missing", digits, "segmentation.no_split")
        case .number(let n, let raw, let conversions, let unit):
            switch kind {
            case .count, .signedCount:
                guard let i = n.integer else { return (.null, "missing", raw, "number.not_integer") }
                if kind == .count && i < 0 { return (.int(i), "converted", raw, "number.negative_count") }
                return (.int(i), conversions.isEmpty ? nil : "converted", raw, conversions.first)
            case .moneyWanYuan:
                var v = n
                var rules = conversions
                if unit == "元" { v = v.yuanToWanYuan(); rules.insert("unit.yuan_to_wan_yuan", at: 0) }
                if v.scale > 4 { v = v.rounded(to: 4); rules.append("money.rounded_4dp") }
                return (.decimal(v), rules.isEmpty ? nil : "converted", raw, rules.first)
            }
        }
    }

    // MARK: 表三 and 表四

    mutating func applicationsAndReview(_ spec: ReportTemplate, template: TemplateKind, appsRegion: ArraySlice<Segment>?,
                                        reviewRegion: ArraySlice<Segment>?) -> (JSONValue, JSONValue, [JSONValue]) {
        let appRows = spec.applications
        let stream = appsRegion.map { CellStreamBuilder.build($0) } ?? []
        var groupItems: [String: [String]] = [:]
        for r in appRows { if let g = r.group, g != "outcome" { groupItems[g, default: []].append(r.dotted) } }
        let is2019 = template == .t2019
        let aligner = RowAligner(
            match: { key, group, seen in
                // Characters ≤ scalars ≤ UTF-8 bytes: count Characters only when the cheap bounds fail.
                guard key.utf8.count <= 80 || key.unicodeScalars.count <= 80 || key.count <= 80 else { return nil }
                let core = LabelText.stripNumbering(key)
                // An item number that is no longer a number (`口.其他`: a garbled run ate it): the label
                // may be this row's or the next one's.
                if Self.hasDamagedItemNumber(key) { return nil }
                // 表三 total row: (七)总计, or a bare 总计 once the outcome rows have started.
                if key.utf8Contains("(七)总计") || core == "七总计" || (core == "总计" && seen.contains("outcome.granted")) {
                    return .row("outcome.total")
                }
                if !is2019, core == "其他", group == "other_processing" || seen.contains("outcome.other_processing.fee_unpaid") {
                    return .row("outcome.other_processing.other")
                }
                if let id = spec.applicationsMatcher.earliest(in: key) {
                    // Two row labels run together (a lost separator or a lost value between them):
                    // the values that follow belong to one of them, and nothing says which.
                    if spec.applicationsMatcher.all(in: key).count > 1 { return nil }
                    // 予以公开 must not match 不予公开 (the group label).
                    if id == "outcome.granted" && core.utf8HasPrefix("不予") { return .group("denied") }
                    return .row(id)
                }
                for g in ReportTemplate.groups where g.labelKeys.contains(where: { core.utf8HasPrefix($0) }) {
                    return .group(g.key)
                }
                return nil
            },
            groupItems: groupItems,
            columns: { _ in 7 }
        )
        let aligned = aligner.align(stream)
        for extra in aligned.extraRows { warn("table.extra_row", "表三 row \"\(extra)\" is not in the template; its values are left out") }
        for w in aligned.warnings { warn(w.0, w.1) }

        // 表四 tokens: every value of the region, header words ignored (B10).
        var reviewTokens: [CellToken] = []
        var reviewFromGrid = false
        if let r = reviewRegion {
            // Values count only after 表四's own header words (结果维持, 尚未审结, 复议后起诉 …) and until
            // another table's labels: values of 表二/表三 never land in 表四.
            func isReviewHeader(_ key: String) -> Bool { Self.reviewHeaderKeys.contains { key.utf8Contains($0) } }
            func isOtherTable(_ key: String) -> Bool { Self.otherTableKeys.contains { key.utf8Contains($0) } }
            var inReview = false
            var stopped = false
            for seg in r where !stopped {
                switch seg {
                case .table(let g):
                    for row in g.rows where !stopped {
                        let texts = row.filter { !$0.isSpanCopy }.map(\.text)
                        let keys = texts.map(LabelText.matchKey)
                        if keys.contains(where: isOtherTable) { if inReview { stopped = true }; continue }
                        if keys.contains(where: isReviewHeader) { inReview = true; continue }
                        let cells = texts.map { CellParser.parse($0) }
                        if inReview, cells.contains(where: { if case .number? = $0 { return true } else { return false } }) {
                            reviewTokens += cells.compactMap { $0 }
                            reviewFromGrid = true
                        }
                    }
                case .line:
                    break
                }
            }
            if !reviewFromGrid {
                inReview = false
                for c in CellStreamBuilder.build(r) {
                    if c.token == nil {
                        if isOtherTable(c.key) { if inReview { break } else { continue } }
                        if isReviewHeader(c.key) { inReview = true }
                        continue
                    }
                    if inReview { reviewTokens.append(c.token!) }
                }
            }
        }

        // Cell index space: 表三 rows × 7, then 表四's 15.
        let width = 7
        let reviewBase = appRows.count * width
        let cellCount = reviewBase + 15
        var solverRows: [SolverRow] = []
        var tokenFor = [CellToken?](repeating: nil, count: cellCount)
        var rowsSeen = Set<String>()

        func intToken(_ t: CellToken) -> Int? {
            if case .number(let n, _, _, _) = t, let i = n.integer { return i }
            return nil
        }
        for (r, spec) in appRows.enumerated() {
            guard let obs = aligned.rows[spec.dotted] else { continue }
            rowsSeen.insert(spec.dotted)
            let cells = (0..<width).map { r * width + $0 }
            switch shape(obs, columns: width, path: "tables.applications.\(spec.dotted)") {
            case .positional(let toks):
                for (k, t) in toks.enumerated() { tokenFor[cells[k]] = t }
                solverRows.append(SolverRow(cells: cells, tokens: toks.map(intToken), raws: toks.map(\.raw), positional: true))
            case .compressed(let toks):
                if toks.isEmpty { continue }
                solverRows.append(Self.compressedRow(cells: cells, tokens: toks, totalsAt: [6], blockWidth: 7))
            case .segmented(let toks):
                solverRows.append(Self.segmentedRow(cells: cells, tokens: toks, totalsAt: [6], blockWidth: 7))
            }
        }
        var reviewSeen = false
        if !reviewTokens.isEmpty {
            reviewSeen = true
            let cells = (0..<15).map { reviewBase + $0 }
            var toks = reviewTokens
            if toks.contains(where: \.isRun) {
                solverRows.append(Self.segmentedRow(cells: cells, tokens: toks.filter { $0 != .blank }, totalsAt: [4, 9, 14], blockWidth: 5))
            } else {
                if toks.count > 15 {
                    while toks.count > 15, toks.last == .blank { toks.removeLast() }
                    let values = toks.filter { $0 != .blank }
                    if toks.count > 15 { toks = values }
                    if values.count > 15 {
                        warn("table.extra_values", "表四: \(values.count) values where the template has 15; none is used")
                        toks = []
                    }
                }
                if toks.isEmpty {
                    reviewSeen = false
                } else if toks.count == 15 {
                    for (k, t) in toks.enumerated() { tokenFor[cells[k]] = t }
                    solverRows.append(SolverRow(cells: cells, tokens: toks.map(intToken), raws: toks.map(\.raw), positional: true))
                } else {
                    let values = reviewFromGrid ? toks : toks.filter { $0 != .blank }
                    solverRows.append(Self.compressedRow(cells: cells, tokens: values, totalsAt: [4, 9, 14], blockWidth: 5))
                }
            }
        }

        let identities = spec.identities
        let solved = IdentitySolver(cellCount: cellCount, rows: solverRows, identities: identities.map(\.linear),
                                    tables: [0..<reviewBase, reviewBase..<cellCount]).solve()
        var values = [Int?](repeating: nil, count: cellCount)

        func settle(_ cell: Int, path: @autoclosure () -> String) -> JSONValue {
            let s = solved.cells[cell]
            values[cell] = s.value
            let token = tokenFor[cell]
            switch s.status {
            case "reported":
                if case .number(let n, let raw, let conv, _)? = token {
                    if n.integer == nil { note(path(), status: "missing", raw: raw, rule: "number.not_integer"); values[cell] = nil; return .null }
                    if !conv.isEmpty { note(path(), status: "converted", raw: raw, rule: conv.first) }
                }
                if let raw = s.raw, token == nil, let t = CellParser.parse(raw), case .number(_, _, let conv, _) = t, !conv.isEmpty {
                    note(path(), status: "converted", raw: raw, rule: conv.first)
                }
                return .num(s.value)
            case "missing":
                let rule = s.rule ?? (token == nil ? "cell.not_on_page" : (token == .blank ? "cell.blank" : "cell.not_applicable"))
                note(path(), status: "missing", raw: s.raw, rule: rule)
                return .null
            default:
                note(path(), status: s.status, raw: s.raw, rule: s.rule, candidates: s.status == "ambiguous" ? s.candidates.map { $0.map(DecimalNumber.init) } : nil)
                return .num(s.value)
            }
        }

        // 表三 output. Row objects are built in canonical key order (applicantColumnOrder).
        var appEntries: [(path: ArraySlice<String>, value: JSONValue)] = []
        appEntries.reserveCapacity(appRows.count + spec.applicationsSubtotals.count)
        var rowValues: [String: [Int?]] = [:]
        for (r, spec) in appRows.enumerated() {
            var rowCells = [JSONValue](repeating: .null, count: width)
            var vals: [Int?] = []
            vals.reserveCapacity(width)
            let rowSeen = rowsSeen.contains(spec.dotted)
            if !rowSeen { rowsNotOnPage["表三", default: 0] += 1 }
            for (k, col) in ReportTemplate.applicantColumns.enumerated() {
                let path = { "tables.applications.\(spec.dotted).\(col)" }
                if !rowSeen && solved.cells[r * width + k].value == nil {
                    note(path(), status: "missing", raw: nil, rule: "row.not_found")
                    vals.append(nil)
                    continue
                }
                rowCells[k] = settle(r * width + k, path: path())
                vals.append(values[r * width + k])
            }
            rowValues[spec.dotted] = vals
            let row = JSONObject(orderedMembers: ReportTemplate.applicantColumnOrder.map { (ReportTemplate.applicantColumns[$0], rowCells[$0]) })
            appEntries.append((spec.path[...], .object(row)))
        }
        for sub in spec.applicationsSubtotals {
            var row: JSONObject = [:]
            row.reserveCapacity(7)
            let itemRows = sub.items.map { rowValues[$0.joined(separator: ".")] }
            for (k, col) in ReportTemplate.applicantColumns.enumerated() {
                let items = itemRows.map { $0?[k] ?? nil }
                row[col] = items.contains(where: { $0 == nil }) ? .null : .int(items.reduce(0) { $0 + $1! })
            }
            appEntries.append((sub.path[...], .object(row)))
        }

        // 表四 output.
        if !reviewSeen { rowsNotOnPage["表四"] = 1 }
        var review: JSONObject = [:]
        for (b, block) in ReportTemplate.reviewBlocks.enumerated() {
            var o: JSONObject = [:]
            o.reserveCapacity(5)
            for (l, leaf) in ReportTemplate.reviewLeaves.enumerated() {
                let cell = reviewBase + b * 5 + l
                let path = "tables.review_litigation.\(block).\(leaf)"
                if !reviewSeen && solved.cells[cell].value == nil {
                    note(path, status: "missing", raw: nil, rule: "row.not_found")
                    o[leaf] = .null
                } else {
                    o[leaf] = settle(cell, path: path)
                }
            }
            review[block] = .object(o)
        }

        // Checks, in the fixed order of the identities.
        var checks: [JSONValue] = []
        checks.reserveCapacity(identities.count)
        for identity in identities {
            checks.append(identity.check(expectedValues: identity.expectedCells.map { values[$0] },
                                         actualValues: identity.actualCells.map { values[$0] }))
        }
        return (.object(Self.nest(appEntries)), .object(review), checks)
    }

    /// True when a folded label holds `.` between a character that is not an item number (1…9) and a
    /// CJK character: `口.其他`, `x.其他` (an item label whose number was garbled).
    static func hasDamagedItemNumber(_ key: String) -> Bool {
        guard key.utf8.contains(0x2E) else { return false }
        let u = Array(key.unicodeScalars)
        guard u.count >= 3 else { return false }
        for i in 1..<(u.count - 1) where u[i] == "." {
            let before = u[i - 1], after = u[i + 1]
            if after.value >= 0x4E00 && after.value <= 0x9FFF && !(before.value >= 0x31 && before.value <= 0x39) { return true }
        }
        return false
    }

    /// Words of 表四's header: its values are read only after one of them.
    static let reviewHeaderKeys = ["行政复议", "行政诉讼", "维持", "纠正", "尚未审结", "直接起诉", "复议后起诉", "其他结果"]
    /// Labels of 表二 and 表三: where they appear, 表四 has not started or has ended.
    static let otherTableKeys = ["第二十条", "申请人情况", "自然人", "本年新收", "予以公开", "结转下年度", "本年制发", "行政许可", "行政处罚"]

    /// A row with fewer values than cells: each value in any order-preserving placement (blank
    /// cells dropped), or a value of several digits being two cells whose separator was lost
    /// (`1 0` written `10`): those splits are readings too, so neither is taken for granted.
    static func compressedRow(cells: [Int], tokens: [CellToken], totalsAt: [Int], blockWidth: Int) -> SolverRow {
        func intToken(_ t: CellToken) -> Int? {
            if case .number(let n, _, _, _) = t, let i = n.integer { return i }
            return nil
        }
        var row = SolverRow(cells: cells, tokens: tokens.map(intToken), raws: tokens.map(\.raw), positional: false)
        let asRuns: [CellToken] = tokens.map { t in
            if case .number(let n, let raw, let conversions, _) = t, conversions.isEmpty, let i = n.integer, i >= 10, raw == String(i) { return .run(raw) }
            return t
        }
        guard asRuns.contains(where: \.isRun) else { return row }
        let split = segmentedRow(cells: cells, tokens: asRuns, totalsAt: totalsAt, blockWidth: blockWidth)
        for reading in split.readings where !row.readings.contains(reading) { row.readings.append(reading) }
        return row
    }

    /// A row whose digits ran together: every split into its cells that its own totals allow
    /// (`totalsAt`: the columns that are the sum of the `blockWidth - 1` columns before them).
    static func segmentedRow(cells: [Int], tokens: [CellToken], totalsAt: [Int], blockWidth: Int) -> SolverRow {
        let result = DigitRunSplitter.splits(tokens, columns: cells.count, money: { _ in false }, accept: { values in
            let last = values.count - 1
            guard totalsAt.contains(last) else { return true }
            var sum = 0
            for k in (last - blockWidth + 1)..<last {
                guard let v = values[k] else { return true }
                sum += v.mantissa
            }
            return values[last].map { $0.mantissa == sum } ?? true
        })
        let raw = tokens.compactMap(\.raw).joined(separator: " ")
        let readings = result.overflow ? [] : result.splits.map { split in
            RowReading(values: split.map { $0?.integer }, raws: Array(repeating: raw, count: split.count))
        }
        return SolverRow(cells: cells, readings: readings, evidence: .segmented(raw: raw))
    }

    /// Builds nested objects from (path, value) entries in one go (later entries win on equal paths).
    static func nest(_ entries: [(path: ArraySlice<String>, value: JSONValue)]) -> JSONObject {
        var object: JSONObject = [:]
        var groups: [String: [(path: ArraySlice<String>, value: JSONValue)]] = [:]
        var groupOrder: [String] = []
        for e in entries {
            guard let head = e.path.first else { continue }
            if e.path.count == 1 {
                object[head] = e.value
            } else {
                if groups[head] == nil { groupOrder.append(head) }
                groups[head, default: []].append((e.path.dropFirst(), e.value))
            }
        }
        for head in groupOrder {
            var child = object[head]?.objectValue ?? [:]
            child.merge(nest(groups[head]!)) { _, new in new }
            object[head] = .object(child)
        }
        return object
    }
}

/// An identity of 表三/表四 with the cells of its check's two sides, built once per template.
struct TableIdentity: Sendable {
    /// Check id, e.g. `applications.row_total.new_received`.
    let id: String
    /// The identity as the solver reads it.
    let linear: LinearIdentity
    /// Cells summed for the check's `expected` side.
    let expectedCells: [Int]
    /// Cells summed for the check's `actual` side.
    let actualCells: [Int]
    /// The record paths of both sides' cells (expected side first), as the check's `cells`.
    let cellPaths: JSONValue
    /// The identity over record paths: `tables.applications.new_received.total + … = …`.
    let formula: String
    /// How the message names each side's terms and what they share, in Chinese and English.
    let wording: CheckWording

    /// The entry of `quality.checks` for the values of the two sides' cells (nil: unknown).
    func check(expectedValues: [Int?], actualValues: [Int?]) -> JSONValue {
        func sum(_ values: [Int?]) -> Int? {
            var total = 0
            for v in values { guard let v else { return nil }; total += v }
            return total
        }
        let expected = sum(expectedValues), actual = sum(actualValues)
        let status = (expected == nil || actual == nil) ? "not_assessable" : (expected == actual ? "pass" : "fail")
        // Members in canonical order: actual < cells < expected < formula < id < message < status.
        return .object(JSONObject(orderedMembers: [
            ("actual", .num(actual)), ("cells", cellPaths), ("expected", .num(expected)),
            ("formula", .string(formula)), ("id", .string(id)),
            ("message", message(status: status, expected: expectedValues, actual: actualValues)),
            ("status", .string(status))]))
    }

    /// The check's `message`: `{"en": …, "zh": …}`, the identity in the template's words, then the values.
    func message(status: String, expected: [Int?], actual: [Int?]) -> JSONValue {
        let relation = CheckWords.relation(status)
        func values(_ v: [Int?]) -> String { v.map(CheckWords.value).joined(separator: " + ") }
        let numbers = "\(values(expected)) \(relation) \(values(actual))"
        let zh = "\(wording.expectedZh) \(relation) \(wording.actualZh)（\(wording.contextZh)）: \(numbers)"
            + (status == "not_assessable" ? "（无法核对：有单元格的值未知）" : "")
        let en = "\(wording.expectedEn) \(relation) \(wording.actualEn) (\(wording.contextEn)): \(numbers)"
            + (status == "not_assessable" ? " (not assessable: a cell's value is unknown)" : "")
        return .object(JSONObject(orderedMembers: [("en", .string(en)), ("zh", .string(zh))]))
    }
}

/// How check messages (in the record and across years) write a check's outcome and its values.
enum CheckWords {
    /// `=` holds, `≠` does not (a failing check, or a soft one that warns), `≟` cannot be assessed.
    static func relation(_ status: String) -> String {
        switch status {
        case "pass": return "="
        case "fail", "warn": return "≠"
        default: return "≟"
        }
    }

    /// A value, or `?` when it is unknown.
    static func value(_ v: Int?) -> String { v.map(String.init) ?? "?" }
}

/// The words of a check's message: each side's terms joined by ` + `, and what all its cells share
/// (their row, or their column).
struct CheckWording: Sendable {
    let expectedZh: String, actualZh: String, contextZh: String
    let expectedEn: String, actualEn: String, contextEn: String
}

/// One cell of 表三/表四 as a check names it.
struct CheckCell {
    let path: String
    let rowZh: String, rowEn: String, columnZh: String, columnEn: String
    /// Row and column keys, to tell which one a check's cells share.
    let row: String, column: String
}

extension ReportTemplate {
    /// Indexes into ``applicantColumns`` in canonical key order (UTF-8 bytes), to build row objects
    /// without sorting.
    static let applicantColumnOrder: [Int] = applicantColumns.indices.sorted {
        JSONObject.compare(applicantColumns[$0], applicantColumns[$1]) < 0
    }

    /// The identities of 表三 and 表四 over the cell index space (表三 rows × 7, then 表四's 15), in
    /// the fixed order of the record's checks.
    static func tableIdentities(_ appRows: [ApplicationsRowSpec]) -> [TableIdentity] {
        let width = 7
        let reviewBase = appRows.count * width
        let rowIndex = Dictionary(uniqueKeysWithValues: appRows.enumerated().map { ($1.dotted, $0) })
        func idx(_ path: String, _ col: Int) -> Int { rowIndex[path]! * width + col }
        var identities: [LinearIdentity] = []
        for spec in appRows {
            identities.append(LinearIdentity(id: "applications.row_total.\(spec.dotted)",
                                             terms: [(idx(spec.dotted, 6), 1)] + (0..<6).map { (idx(spec.dotted, $0), -1) }))
        }
        let outcomeItems = appRows.filter { $0.path.first == "outcome" && $0.dotted != "outcome.total" }.map(\.dotted)
        for (k, col) in applicantColumns.enumerated() {
            identities.append(LinearIdentity(id: "applications.outcome_total.\(col)",
                                             terms: [(idx("outcome.total", k), 1)] + outcomeItems.map { (idx($0, k), -1) }))
        }
        for (k, col) in applicantColumns.enumerated() {
            identities.append(LinearIdentity(id: "applications.balance.\(col)",
                                             terms: [(idx("new_received", k), 1), (idx("brought_forward", k), 1),
                                                     (idx("outcome.total", k), -1), (idx("carried_forward", k), -1)]))
        }
        for (b, block) in reviewBlocks.enumerated() {
            let base = reviewBase + b * 5
            identities.append(LinearIdentity(id: "review_litigation.block_total.\(block)",
                                             terms: [(base + 4, 1)] + (0..<4).map { (base + $0, -1) }))
        }
        var described: [CheckCell] = []
        for spec in appRows {
            for (k, col) in applicantColumns.enumerated() {
                described.append(CheckCell(path: "tables.applications.\(spec.dotted).\(col)", rowZh: spec.shortLabel, rowEn: spec.english,
                                           columnZh: applicantColumnLabels[k], columnEn: applicantColumnEnglish[k], row: spec.dotted, column: col))
            }
        }
        for (b, block) in reviewBlocks.enumerated() {
            for (l, leaf) in reviewLeaves.enumerated() {
                described.append(CheckCell(path: "tables.review_litigation.\(block).\(leaf)", rowZh: reviewBlockLabels[b], rowEn: reviewBlockEnglish[b],
                                           columnZh: reviewLeafLabels[l], columnEn: reviewLeafEnglish[l], row: block, column: leaf))
            }
        }
        return identities.map { identity in
            let total = identity.terms.filter { $0.coef > 0 }.map(\.cell)
            let parts = identity.terms.filter { $0.coef < 0 }.map(\.cell)
            // balance: expected = new + brought_forward, actual = outcome.total + carried_forward; otherwise
            // expected = the sum of the parts, actual = the total.
            let balance = identity.id.hasPrefix("applications.balance")
            let expected = balance ? total : parts, actual = balance ? parts : total
            let cells = (expected + actual).map { described[$0] }
            // The message names what the cells share once (their row, or their column) and each term by the other.
            let sameRow = Set(cells.map(\.row)).count == 1
            func side(_ s: [Int], zh: Bool) -> String {
                s.map { let c = described[$0]; return sameRow ? (zh ? c.columnZh : c.columnEn) : (zh ? c.rowZh : c.rowEn) }.joined(separator: " + ")
            }
            let wording = CheckWording(expectedZh: side(expected, zh: true), actualZh: side(actual, zh: true),
                                       contextZh: sameRow ? cells[0].rowZh : cells[0].columnZh,
                                       expectedEn: side(expected, zh: false), actualEn: side(actual, zh: false),
                                       contextEn: sameRow ? cells[0].rowEn : cells[0].columnEn)
            let formula = expected.map { described[$0].path }.joined(separator: " + ") + " = " + actual.map { described[$0].path }.joined(separator: " + ")
            return TableIdentity(id: identity.id, linear: identity, expectedCells: expected, actualCells: actual,
                                 cellPaths: .array(cells.map { .string($0.path) }), formula: formula, wording: wording)
        }
    }
}
