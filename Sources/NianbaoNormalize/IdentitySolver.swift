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

/// A row of cells whose page tokens may have lost their positions (flattened input, B5).
struct SolverRow {
    /// Cell indexes of the row, in column order.
    var cells: [Int]
    /// Token values in page order: a number, or nil for a blank / not-applicable cell.
    var tokens: [Int?]
    /// Raw text of each token.
    var raws: [String?]
    /// True when tokens.count == cells.count and their positions are exact.
    var positional: Bool
    /// Index of the column the layout prior wants the last token in (the row's 总计), if any.
    var totalColumn: Int?
}

/// How the solver settled one cell.
struct SolvedCell: Equatable {
    var value: Int?
    /// "reported", "inferred", "blank_as_zero", "placed", "missing", "ambiguous".
    var status: String
    var raw: String?
    var rule: String?
    var candidates: [Int]?
}

/// Places flattened rows and fills cells from the identities, never overwriting a reported value.
///
/// 1. Positional rows are fixed; rows with fewer tokens than columns get every order-preserving
///    placement (C(n, k)).
/// 2. Identities already broken by reported values are set aside (they become failing checks).
/// 3. A placement survives if the identities can still hold with it. A row whose surviving
///    placements all lead, after propagation, to the same values is fixed. Repeat.
/// 4. A row still open takes the layout prior (total last, the rest from the first column) among its
///    surviving placements; cells whose value depended on that choice are `placed`, with candidates.
/// 5. Propagation forces what the identities force (`inferred`, or `blank_as_zero` when forced to 0).
/// 6. Blanks left open become 0 (`blank_as_zero`, rule `convention.blank_is_zero`) only when the
///    table is otherwise populated and all identities hold with them at 0; otherwise `ambiguous`
///    (small interval, candidates listed) or `missing`.
struct IdentitySolver {
    var cellCount: Int
    var rows: [SolverRow]
    var identities: [LinearIdentity]

    struct Outcome {
        var cells: [SolvedCell]
        /// Identities set aside because reported values break them.
        var broken: Set<String>
    }

    private struct Placement: Hashable {
        /// Column of each token.
        var columns: [Int]
    }

    func solve() -> Outcome {
        var base = [CellDomain](repeating: .unknown, count: cellCount)
        // Per cell (arrays, not dictionaries: cells are dense small integers).
        var tokenAt = [(value: Int?, raw: String?)?](repeating: nil, count: cellCount)  // fixed token per cell
        var observed = [Bool](repeating: false, count: cellCount)  // cells of rows the page shows
        var open: [Int: [Placement]] = [:]
        for (r, row) in rows.enumerated() {
            if row.positional {
                for (k, cell) in row.cells.enumerated() {
                    observed[cell] = true
                    tokenAt[cell] = (row.tokens[k], row.raws[k])
                    if let v = row.tokens[k] { base[cell] = .fixed(v) }
                }
            } else if !row.tokens.isEmpty {
                open[r] = placements(n: row.cells.count, k: row.tokens.count)
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

        var status = [SolvedCell?](repeating: nil, count: cellCount)
        var current = base

        func apply(_ p: Placement, row: SolverRow, to d: inout [CellDomain]) {
            for (t, col) in p.columns.enumerated() {
                if let v = row.tokens[t] { d[row.cells[col]] = .fixed(v) }
            }
        }

        func outcomes(_ r: Int, _ ps: [Placement]) -> [(Placement, [Int?])] {
            var res: [(Placement, [Int?])] = []
            for p in ps {
                var d = current
                apply(p, row: rows[r], to: &d)
                if BoundPropagation.propagate(&d, active) {
                    res.append((p, rows[r].cells.map { d[$0].value }))
                }
            }
            return res
        }

        // Per open row, the values each column could take before the layout prior was first used:
        // a row settled after that point may owe its columns to the prior, through the identities.
        var beforePrior: [Int: [Set<Int>]] = [:]

        func fix(_ r: Int, _ chosen: Placement, survivors: [(Placement, [Int?])]) {
            let row = rows[r]
            apply(chosen, row: row, to: &current)
            let columnValues: [Set<Int>] = beforePrior[r] ?? row.cells.indices.map { col in Set(survivors.compactMap { $0.1[col] }) }
            for (col, cell) in row.cells.enumerated() {
                observed[cell] = true
                let tokenIndex = chosen.columns.firstIndex(of: col)
                let raw = tokenIndex.flatMap { row.raws[$0] }
                let token = tokenIndex.flatMap { row.tokens[$0] }
                tokenAt[cell] = (token, raw)
                let values = columnValues[col]
                if values.count > 1 {
                    status[cell] = SolvedCell(value: token, status: "placed", raw: raw, rule: "placement.layout_prior",
                                              candidates: values.sorted())
                }
            }
        }

        // 3./4. settle open rows.
        var openRows = open.keys.sorted()
        var guardCount = 0
        while !openRows.isEmpty && guardCount < 200 {
            guardCount += 1
            var progressed = false
            for r in openRows {
                let outs = outcomes(r, open[r]!)
                open[r] = outs.map(\.0)
                if outs.isEmpty { continue }
                let first = outs[0].1
                if !first.contains(where: { $0 == nil }) && outs.allSatisfy({ $0.1 == first }) {
                    fix(r, preferred(rows[r], outs.map(\.0)), survivors: outs)
                    openRows.removeAll { $0 == r }
                    progressed = true
                }
            }
            if progressed { continue }
            // Apply the layout prior to the first open row, then look again.
            if beforePrior.isEmpty {
                for o in openRows {
                    let outs = outcomes(o, open[o]!)
                    beforePrior[o] = rows[o].cells.indices.map { col in Set(outs.compactMap { $0.1[col] }) }
                }
            }
            let r = openRows.removeFirst()
            let outs = outcomes(r, open[r]!)
            if outs.isEmpty {
                // No placement fits the identities: take the prior anyway, the checks will fail.
                let all = placements(n: rows[r].cells.count, k: rows[r].tokens.count)
                let chosen = preferred(rows[r], all)
                var d = current
                apply(chosen, row: rows[r], to: &d)
                fix(r, chosen, survivors: [(chosen, rows[r].cells.map { d[$0].value })])
            } else {
                fix(r, preferred(rows[r], outs.map(\.0)), survivors: outs)
            }
        }

        // 5. propagate what the identities force.
        var final = current
        if !BoundPropagation.propagate(&final, active) { final = current }

        var cells = [SolvedCell](repeating: SolvedCell(value: nil, status: "missing", raw: nil, rule: nil), count: cellCount)
        var openCells: [Int] = []
        var reportedCount = 0
        for c in 0..<cellCount {
            let tok = tokenAt[c]
            if let s = status[c], s.status == "placed" {
                cells[c] = SolvedCell(value: s.value ?? final[c].value, status: "placed", raw: s.raw, rule: s.rule, candidates: s.candidates)
                continue
            }
            if let v = tok?.value {
                cells[c] = SolvedCell(value: v, status: "reported", raw: tok?.raw, rule: nil)
                reportedCount += 1
            } else if let v = final[c].value {
                let blank = observed[c]
                cells[c] = SolvedCell(value: v, status: blank && v == 0 ? "blank_as_zero" : "inferred", raw: tok?.raw, rule: "identity.forced")
            } else {
                cells[c] = SolvedCell(value: nil, status: "missing", raw: tok?.raw, rule: nil)
                if observed[c] { openCells.append(c) }
            }
        }
        // 6. blanks as zero, when the table's own convention allows it.
        if !openCells.isEmpty {
            var zero = final
            for c in openCells { zero[c] = .fixed(0) }
            let consistent = active.allSatisfy { BoundPropagation.holds($0, zero) != false }
            let populated = reportedCount * 2 >= cellCount
            if consistent && populated {
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

    /// The layout prior: the last token in the row's total column, the others from the first column on;
    /// else the first placement in column order.
    private func preferred(_ row: SolverRow, _ ps: [Placement]) -> Placement {
        let k = row.tokens.count
        if let tc = row.totalColumn, k >= 1 {
            let want = Placement(columns: Array(0..<(k - 1)) + [tc])
            if ps.contains(want) { return want }
        }
        let left = Placement(columns: Array(0..<k))
        if ps.contains(left) { return left }
        return ps.min { $0.columns.lexicographicallyPrecedes($1.columns) } ?? left
    }

    /// Every order-preserving placement of k tokens into n columns, capped at 20 000.
    private func placements(n: Int, k: Int) -> [Placement] {
        guard k > 0, k <= n else { return [Placement(columns: Array(0..<min(k, n)))] }
        var out: [Placement] = []
        var combo = Array(0..<k)
        while true {
            out.append(Placement(columns: combo))
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
