/// A linear identity over table cells: `Σ coefficient × cell = 0`, coefficients ±1.
struct LinearIdentity {
    /// Check id, e.g. `applications.row_total.new_received`.
    var id: String
    /// (cell index, coefficient).
    var terms: [(cell: Int, coef: Int)]
}

/// The interval of values still possible for an unknown non-negative integer cell.
struct CellDomain: Equatable {
    var lo: Int
    /// nil = unbounded.
    var hi: Int?

    static let unknown = CellDomain(lo: 0, hi: nil)
    static func fixed(_ v: Int) -> CellDomain { CellDomain(lo: v, hi: v) }
    var value: Int? { hi == lo ? lo : nil }
}

/// Bound propagation over the accounting identities (templates.md §7).
///
/// Every unknown is a non-negative integer. For each identity, each term's interval is narrowed to
/// what the other terms' intervals allow, to a fixed point. A cell whose interval closes to one
/// value is forced by the identities; nothing is ever guessed here.
enum BoundPropagation {
    /// Narrows `domains` in place. Returns false if an identity cannot hold.
    static func propagate(_ domains: inout [CellDomain], _ identities: [LinearIdentity], maxPasses: Int = 60) -> Bool {
        var changed = true
        var passes = 0
        while changed && passes < maxPasses {
            changed = false
            passes += 1
            for identity in identities {
                // Sums over all terms (the cells of one identity are distinct), kept current as
                // domains narrow, so each term's "others" are the sums minus its own share.
                var posLo = 0, posHi = 0, posUnbounded = 0, negLo = 0, negHi = 0, negUnbounded = 0
                for t in identity.terms {
                    let d = domains[t.cell]
                    if t.coef > 0 {
                        posLo += d.lo
                        if let h = d.hi { posHi += h } else { posUnbounded += 1 }
                    } else {
                        negLo += d.lo
                        if let h = d.hi { negHi += h } else { negUnbounded += 1 }
                    }
                }
                for term in identity.terms {
                    // coef_j * x_j = -(Σ_{i≠j} coef_i x_i); minOthers nil = -∞, maxOthers nil = +∞.
                    var d = domains[term.cell]
                    let own = d.hi == nil ? 1 : 0
                    let minOthers: Int?
                    let maxOthers: Int?
                    if term.coef > 0 {
                        minOthers = negUnbounded > 0 ? nil : (posLo - d.lo) - negHi
                        maxOthers = posUnbounded - own > 0 ? nil : (posHi - (d.hi ?? 0)) - negLo
                    } else {
                        minOthers = negUnbounded - own > 0 ? nil : posLo - (negHi - (d.hi ?? 0))
                        maxOthers = posUnbounded > 0 ? nil : posHi - (negLo - d.lo)
                    }
                    var newLo = d.lo
                    var newHi = d.hi
                    if term.coef > 0 {
                        // x_j = -others: x_j ∈ [-maxOthers, -minOthers]
                        if let m = maxOthers { newLo = max(newLo, -m) }
                        if let m = minOthers { newHi = newHi.map { min($0, -m) } ?? -m }
                    } else {
                        // x_j = others: x_j ∈ [minOthers, maxOthers]
                        if let m = minOthers { newLo = max(newLo, m) }
                        if let m = maxOthers { newHi = newHi.map { min($0, m) } ?? m }
                    }
                    if let h = newHi, h < newLo { return false }
                    if newLo != d.lo || newHi != d.hi {
                        if term.coef > 0 {
                            posLo += newLo - d.lo
                            if let h = d.hi { posHi -= h } else { posUnbounded -= 1 }
                            if let h = newHi { posHi += h } else { posUnbounded += 1 }
                        } else {
                            negLo += newLo - d.lo
                            if let h = d.hi { negHi -= h } else { negUnbounded -= 1 }
                            if let h = newHi { negHi += h } else { negUnbounded += 1 }
                        }
                        d.lo = newLo
                        d.hi = newHi
                        domains[term.cell] = d
                        changed = true
                    }
                }
            }
        }
        return true
    }

    /// True when every identity holds on fully known values (an identity with unknowns is skipped).
    static func holds(_ identity: LinearIdentity, _ domains: [CellDomain]) -> Bool? {
        var sum = 0
        for t in identity.terms {
            guard let v = domains[t.cell].value else { return nil }
            sum += t.coef * v
        }
        return sum == 0
    }
}

/// One way to read a row: a value per column (nil: a blank or dropped cell) and the text that gave it.
struct RowReading: Equatable {
    var values: [Int?]
    var raws: [String?]
}

/// How the page gave a row's cells.
enum RowEvidence: Equatable {
    /// One token per column, positions exact.
    case positional
    /// Fewer tokens than columns (blank cells dropped, B5): every order-preserving placement is a reading.
    case compressed
    /// Digits of several cells run together (a crawled text copy): every split is a reading; `raw`
    /// is the row's values as written.
    case segmented(raw: String)
}

/// A row of cells and every reading of it that the page allows.
struct SolverRow {
    /// Cell indexes of the row, in column order.
    var cells: [Int]
    /// The readings; one for a positional row, none when nothing fits (a run no split of which fits).
    var readings: [RowReading]
    var evidence: RowEvidence

    /// The row's values as written, when its digits ran together (nil otherwise).
    var segmentedRaw: String? { if case .segmented(let raw) = evidence { return raw } else { return nil } }

    init(cells: [Int], readings: [RowReading], evidence: RowEvidence) {
        self.cells = cells
        self.readings = readings
        self.evidence = evidence
    }

    /// A row from page tokens in page order: positional when there is one per column, else every
    /// order-preserving placement of the tokens (capped at 20 000).
    init(cells: [Int], tokens: [Int?], raws: [String?], positional: Bool) {
        self.cells = cells
        if positional || tokens.count >= cells.count {
            evidence = .positional
            readings = [RowReading(values: Array(tokens.prefix(cells.count)), raws: Array(raws.prefix(cells.count)))]
            return
        }
        evidence = .compressed
        readings = SolverRow.placements(n: cells.count, k: tokens.count).map { columns in
            var values = [Int?](repeating: nil, count: cells.count)
            var r = [String?](repeating: nil, count: cells.count)
            for (t, col) in columns.enumerated() { values[col] = tokens[t]; r[col] = raws[t] }
            return RowReading(values: values, raws: r)
        }
    }

    /// Every order-preserving placement of k tokens into n columns, capped at 20 000.
    static func placements(n: Int, k: Int) -> [[Int]] {
        guard k > 0, k <= n else { return [Array(0..<min(k, n))] }
        var out: [[Int]] = []
        var combo = Array(0..<k)
        while true {
            out.append(combo)
            if out.count >= 20_000 { break }
            var i = k - 1
            while i >= 0, combo[i] == n - k + i { i -= 1 }
            if i < 0 { break }
            combo[i] += 1
            for j in (i + 1)..<k { combo[j] = combo[j - 1] + 1 }
        }
        return out
    }
}

/// How the solver settled one cell.
struct SolvedCell: Equatable {
    var value: Int?
    /// "reported", "inferred", "blank_as_zero", "segmented", "missing", "ambiguous".
    var status: String
    var raw: String?
    var rule: String?
    var candidates: [Int]?
}

/// Reads rows whose cells lost their positions or separators, and fills cells from the identities,
/// never overwriting a reported value and never choosing between readings by preference.
///
/// 1. Positional rows are fixed; a row with one reading (a digit run with one split) too.
/// 2. Identities already broken by those values are set aside (they become failing checks).
/// 3. Each other row keeps the readings its own identities allow (row by row), then the readings
///    the identities of the whole table allow, with every other open row bounded by what its
///    readings allow (jointly). A row left with one reading, or whose readings all give the same
///    values, is fixed. Repeat to a fixed point.
/// 4. A row still open: a cell on which all its readings agree takes that value; the others are
///    `ambiguous`, value null, with the values the readings give as candidates.
/// 5. Propagation forces what the identities force (`inferred`, or `blank_as_zero` when forced to 0).
/// 6. Blanks left open become 0 (`blank_as_zero`, rule `convention.blank_is_zero`) only when the
///    table is otherwise populated and all identities hold with them at 0; otherwise `ambiguous`
///    (small interval, candidates listed) or `missing`.
struct IdentitySolver {
    var cellCount: Int
    var rows: [SolverRow]
    var identities: [LinearIdentity]
    /// The tables of the index space (表三's cells, 表四's): the blank convention asks each table to be
    /// populated on its own, so a blank 表四 block reads as 表四's other blanks do.
    var tables: [Range<Int>] = []

    struct Outcome {
        var cells: [SolvedCell]
        /// Identities set aside because reported values break them.
        var broken: Set<String>
    }

    func solve() -> Outcome {
        var base = [CellDomain](repeating: .unknown, count: cellCount)
        // Per cell (arrays, not dictionaries: cells are dense small integers).
        var tokenAt = [(value: Int?, raw: String?)?](repeating: nil, count: cellCount)  // fixed token per cell
        var observed = [Bool](repeating: false, count: cellCount)  // cells of rows the page shows
        var status = [SolvedCell?](repeating: nil, count: cellCount)
        var open: [Int: [RowReading]] = [:]

        /// Reads a row as `reading`; the cells of a segmented row are noted with `rule`.
        func settle(_ r: Int, _ reading: RowReading, rule: String, into d: inout [CellDomain]) {
            let row = rows[r]
            for (col, cell) in row.cells.enumerated() {
                observed[cell] = true
                tokenAt[cell] = (reading.values[col], reading.raws[col])
                guard let v = reading.values[col] else { continue }
                d[cell] = .fixed(v)
                if let raw = row.segmentedRaw { status[cell] = SolvedCell(value: v, status: "segmented", raw: raw, rule: rule) }
            }
        }
        func apply(_ reading: RowReading, row: SolverRow, to d: inout [CellDomain]) {
            for (col, cell) in row.cells.enumerated() { if let v = reading.values[col] { d[cell] = .fixed(v) } }
        }

        for (r, row) in rows.enumerated() {
            switch (row.evidence, row.readings.count) {
            case (.segmented(let raw), 0):
                // No split of the runs fits the row: nothing is read from it.
                for cell in row.cells { status[cell] = SolvedCell(value: nil, status: "missing", raw: raw, rule: "segmentation.no_split") }
            case (.segmented, 1):
                settle(r, row.readings[0], rule: "segmentation.unique", into: &base)
            case (_, 0):
                continue
            case (.positional, _), (_, 1):
                settle(r, row.readings[0], rule: "segmentation.unique", into: &base)
            default:
                open[r] = row.readings
            }
        }
        // Identities broken by reported values alone.
        var broken = Set<String>()
        var active: [LinearIdentity] = []
        for id in identities {
            if BoundPropagation.holds(id, base) == false { broken.insert(id.id) } else { active.append(id) }
        }
        // Identities that contradict when propagated (with open rows relaxed) are set aside too.
        var relaxed = base
        while !BoundPropagation.propagate(&relaxed, active) {
            var dropped = false
            for (i, id) in active.enumerated() {
                var probe = base
                var without = active
                without.remove(at: i)
                if BoundPropagation.propagate(&probe, without) {
                    broken.insert(id.id)
                    active = without
                    dropped = true
                    break
                }
            }
            relaxed = base
            if !dropped { active = []; break }
        }

        // 3. Row by row: the readings the row's own identities allow.
        for r in open.keys.sorted() {
            let row = rows[r]
            let cellSet = Set(row.cells)
            let own = active.filter { $0.terms.allSatisfy { cellSet.contains($0.cell) } }
            let kept = open[r]!.filter { reading in
                var d = base
                apply(reading, row: row, to: &d)
                return BoundPropagation.propagate(&d, own)
            }
            if kept.isEmpty {
                let rule = row.evidence == .compressed ? "placement.no_placement" : "segmentation.no_split"
                for cell in row.cells { status[cell] = SolvedCell(value: nil, status: "missing", raw: nil, rule: rule) }
                open[r] = nil
            } else {
                open[r] = kept
            }
        }

        // Then jointly over the table, each other open row bounded by its readings.
        var current = base
        func bounded(except r: Int) -> [CellDomain] {
            var d = current
            for (o, readings) in open where o != r {
                for (col, cell) in rows[o].cells.enumerated() {
                    var lo = Int.max, hi = Int.min
                    for reading in readings {
                        guard let v = reading.values[col] else { lo = Int.max; break }
                        lo = min(lo, v)
                        hi = max(hi, v)
                    }
                    if lo != Int.max { d[cell] = CellDomain(lo: max(d[cell].lo, lo), hi: min(d[cell].hi ?? hi, hi)) }
                }
            }
            return d
        }
        /// Each reading that the active identities allow, with the row's cells after propagation and
        /// the columns of dropped cells that only the blank convention (0) settles.
        func outcomes(_ r: Int) -> [(reading: RowReading, domains: [CellDomain], zeroFilled: [Int])] {
            let context = bounded(except: r)
            let row = rows[r]
            var out: [(RowReading, [CellDomain], [Int])] = []
            for reading in open[r]! {
                var d = context
                apply(reading, row: row, to: &d)
                guard BoundPropagation.propagate(&d, active) else { continue }
                // A dropped cell of a flattened row was a blank on the page: 0 when the identities allow it.
                let dropped = row.cells.indices.filter { reading.values[$0] == nil && d[row.cells[$0]].value == nil }
                var filled: [Int] = []
                if !dropped.isEmpty {
                    var z = d
                    for col in dropped { z[row.cells[col]] = .fixed(0) }
                    if BoundPropagation.propagate(&z, active) {
                        d = z
                        filled = dropped
                    } else {
                        // Not all at 0 (a dropped total is the sum of the others): one at a time, in column order.
                        for col in dropped where d[row.cells[col]].value == nil {
                            var one = d
                            one[row.cells[col]] = .fixed(0)
                            if BoundPropagation.propagate(&one, active) { d = one; filled.append(col) }
                        }
                    }
                }
                out.append((reading, row.cells.map { d[$0] }, filled))
            }
            return out
        }
        var zeroFilled = [Bool](repeating: false, count: cellCount)
        func settleCompleted(_ r: Int, _ outcome: (reading: RowReading, domains: [CellDomain], zeroFilled: [Int])) {
            settle(r, outcome.reading, rule: "segmentation.identities", into: &current)
            for col in outcome.zeroFilled {
                current[rows[r].cells[col]] = .fixed(0)
                zeroFilled[rows[r].cells[col]] = true
            }
        }
        var progressed = true
        var rounds = 0
        while progressed && !open.isEmpty && rounds < 100 {
            progressed = false
            rounds += 1
            for r in open.keys.sorted() {
                let outs = outcomes(r)
                // No reading fits the whole table: the table contradicts itself; keep the row's own readings.
                if outs.isEmpty { continue }
                let first = outs[0].domains
                let settled = outs.count == 1 || (first.allSatisfy { $0.value != nil } && outs.allSatisfy { $0.domains == first })
                if settled {
                    settleCompleted(r, outs[0])
                    open[r] = nil
                    progressed = true
                } else if outs.count < open[r]!.count {
                    open[r] = outs.map(\.reading)
                    progressed = true
                }
            }
        }

        // 4. Rows still open: agreed cells take their value, the others are ambiguous.
        for r in open.keys.sorted() {
            let row = rows[r]
            var outs = outcomes(r)
            if outs.isEmpty {
                outs = open[r]!.map { reading in (reading, row.cells.indices.map { reading.values[$0].map(CellDomain.fixed) ?? .unknown }, []) }
            }
            let raw = row.segmentedRaw
            for (col, cell) in row.cells.enumerated() {
                observed[cell] = true
                let domains = outs.map { $0.domains[col] }
                let values = domains.map(\.value)
                if let v = values[0], values.allSatisfy({ $0 == v }) {
                    current[cell] = .fixed(v)
                    if raw != nil {
                        status[cell] = SolvedCell(value: v, status: "segmented", raw: raw, rule: "segmentation.all_splits_agree")
                    } else if outs.allSatisfy({ $0.reading.values[col] != nil }) {
                        tokenAt[cell] = (v, outs[0].reading.raws[col])
                    } else {
                        let convention = outs.contains { $0.zeroFilled.contains(col) }
                        status[cell] = SolvedCell(value: v, status: v == 0 ? "blank_as_zero" : "inferred", raw: nil,
                                                  rule: convention ? "convention.blank_is_zero" : "identity.forced")
                    }
                    continue
                }
                let lo = domains.map(\.lo).min() ?? 0
                let his = domains.map(\.hi)
                let hi: Int? = his.contains(where: { $0 == nil }) ? nil : his.compactMap { $0 }.max()
                current[cell] = CellDomain(lo: max(current[cell].lo, lo), hi: hi)
                var candidates: Set<Int> = []
                var listable = true
                for d in domains {
                    guard let h = d.hi, h - d.lo <= 20 else { listable = false; break }
                    candidates.formUnion(d.lo...h)
                }
                status[cell] = SolvedCell(value: nil, status: "ambiguous", raw: raw,
                                          rule: raw != nil ? "segmentation.several_splits" : "placement.several_placements",
                                          candidates: listable && candidates.count <= 40 ? candidates.sorted() : nil)
            }
        }

        // 5. propagate what the identities force.
        var final = current
        if !BoundPropagation.propagate(&final, active) { final = current }

        var cells = [SolvedCell](repeating: SolvedCell(value: nil, status: "missing", raw: nil, rule: nil), count: cellCount)
        var openCells: [Int] = []
        var reported = [Bool](repeating: false, count: cellCount)
        for c in 0..<cellCount {
            let tok = tokenAt[c]
            if var s = status[c] {
                if s.status == "ambiguous", let v = final[c].value {
                    // The table's identities decide what the row's readings left open.
                    s = SolvedCell(value: v, status: s.raw != nil ? "segmented" : (v == 0 ? "blank_as_zero" : "inferred"), raw: s.raw,
                                   rule: s.raw != nil ? "segmentation.identities" : "identity.forced")
                } else if s.status == "ambiguous", let cs = s.candidates {
                    let d = final[c]
                    s.candidates = cs.filter { c in c >= d.lo && (d.hi.map { c <= $0 } ?? true) }
                }
                if s.value != nil { reported[c] = true }
                cells[c] = s
                continue
            }
            if let v = tok?.value {
                cells[c] = SolvedCell(value: v, status: "reported", raw: tok?.raw, rule: nil)
                reported[c] = true
            } else if zeroFilled[c] {
                cells[c] = SolvedCell(value: 0, status: "blank_as_zero", raw: nil, rule: "convention.blank_is_zero")
            } else if let v = final[c].value {
                let blank = observed[c]
                cells[c] = SolvedCell(value: v, status: blank && v == 0 ? "blank_as_zero" : "inferred", raw: tok?.raw, rule: "identity.forced")
            } else {
                cells[c] = SolvedCell(value: nil, status: "missing", raw: tok?.raw, rule: nil)
                // Only a blank reads as 0 by convention; text that is not a number (`/`, a garbled cell) does not.
                if observed[c], tok?.raw == nil { openCells.append(c) }
            }
        }
        // 6. blanks as zero, when the table's own convention allows it.
        if !openCells.isEmpty {
            var zero = final
            for c in openCells { zero[c] = .fixed(0) }
            // Every identity that involves a blank must then hold outright (not merely stay open: a blank
            // total beside a cell that cannot be read is not a 0).
            let openSet = Set(openCells)
            let consistent = active.allSatisfy { identity in
                let h = BoundPropagation.holds(identity, zero)
                return identity.terms.contains { openSet.contains($0.cell) } ? h == true : h != false
            }
            let parts = tables.isEmpty ? [0..<cellCount] : tables
            func populated(_ c: Int) -> Bool {
                guard let t = parts.first(where: { $0.contains(c) }) else { return false }
                return t.filter { reported[$0] }.count * 2 >= t.count
            }
            if consistent && openCells.allSatisfy(populated) {
                for c in openCells {
                    cells[c] = SolvedCell(value: 0, status: "blank_as_zero", raw: cells[c].raw, rule: "convention.blank_is_zero")
                }
            } else {
                for c in openCells {
                    let d = final[c]
                    if let h = d.hi, h - d.lo <= 20 {
                        cells[c] = SolvedCell(value: nil, status: "ambiguous", raw: cells[c].raw, rule: "identity.interval",
                                              candidates: Array(d.lo...h))
                    }
                }
            }
        }
        return Outcome(cells: cells, broken: broken)
    }
}
