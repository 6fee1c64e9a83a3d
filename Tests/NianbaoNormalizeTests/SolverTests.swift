import Testing
@testable import NianbaoNormalize

/// One row of 7 cells (six applicant columns + total) and its row identity.
private func rowIdentity(_ base: Int) -> LinearIdentity {
    LinearIdentity(id: "row\(base)", terms: [(base + 6, 1)] + (0..<6).map { (base + $0, -1) })
}

@Suite struct IdentitySolverTests {
    @Test func blankTotalsAreInferredFromTheRowIdentity() {
        // B13: every row total blank; 12+3+1 = 16 is forced.
        let row = SolverRow(cells: Array(0..<7), tokens: [12, 3, 0, 0, 1, 0, nil], raws: ["12", "3", "0", "0", "1", "0", nil], positional: true)
        let out = IdentitySolver(cellCount: 7, rows: [row], identities: [rowIdentity(0)]).solve()
        #expect(out.cells[6] == SolvedCell(value: 16, status: "inferred", raw: nil, rule: "identity.forced"))
        #expect(out.cells[0].status == "reported")
    }

    @Test func aBlankForcedToZeroIsBlankAsZero() {
        let row = SolverRow(cells: Array(0..<7), tokens: [5, nil, 0, 0, 0, 0, 5], raws: ["5", nil, "0", "0", "0", "0", "5"], positional: true)
        let out = IdentitySolver(cellCount: 7, rows: [row], identities: [rowIdentity(0)]).solve()
        #expect(out.cells[1] == SolvedCell(value: 0, status: "blank_as_zero", raw: nil, rule: "identity.forced"))
    }

    @Test func droppedCellsWithSeveralPlacementsAreAmbiguousNeverPlacedByPreference() {
        // "3 | 3" for seven columns (templates.md §7): 3 may stand in any applicant column.
        let row = SolverRow(cells: Array(0..<7), tokens: [3, 3], raws: ["3", "3"], positional: false)
        let out = IdentitySolver(cellCount: 7, rows: [row], identities: [rowIdentity(0)]).solve()
        // (3 in two applicant columns and a dropped total of 6 fits the row identity too.)
        #expect(out.cells[0..<6].allSatisfy { $0.value == nil && $0.status == "ambiguous" && $0.candidates == [0, 3] })
        #expect(out.cells[6] == SolvedCell(value: nil, status: "ambiguous", raw: nil, rule: "placement.several_placements", candidates: [3, 6]))
    }

    @Test func identitiesAcrossRowsDecideAPlacementWithoutThePrior() {
        // Row A is complete: commercial = 4. Row B says "4, 4" and must equal row A column by column.
        var identities = [rowIdentity(0), rowIdentity(7)]
        for k in 0..<7 { identities.append(LinearIdentity(id: "eq\(k)", terms: [(k, 1), (7 + k, -1)])) }
        let a = SolverRow(cells: Array(0..<7), tokens: [0, 4, 0, 0, 0, 0, 4], raws: Array(repeating: "x", count: 7), positional: true)
        let b = SolverRow(cells: Array(7..<14), tokens: [4, 4], raws: ["4", "4"], positional: false)
        let out = IdentitySolver(cellCount: 14, rows: [a, b], identities: identities).solve()
        #expect(out.cells[7..<14].map(\.value) == [0, 4, 0, 0, 0, 0, 4])
        #expect(!out.cells[7..<14].contains { $0.status == "placed" })
    }

    @Test func reportedValuesAreNeverOverwrittenAndBrokenIdentitiesAreSetAside() {
        // 10 + 2 ≠ 11: the identity fails, nothing is changed, the blank elsewhere is still solved.
        let row = SolverRow(cells: Array(0..<7), tokens: [10, 2, 0, 0, 0, 0, 11], raws: Array(repeating: "x", count: 7), positional: true)
        let other = SolverRow(cells: Array(7..<14), tokens: [1, 0, 0, 0, 0, 0, nil], raws: Array(repeating: nil, count: 7), positional: true)
        let out = IdentitySolver(cellCount: 14, rows: [row, other], identities: [rowIdentity(0), rowIdentity(7)]).solve()
        #expect(out.broken == ["row0"])
        #expect(out.cells[0..<7].map(\.value) == [10, 2, 0, 0, 0, 0, 11])
        #expect(out.cells[13].value == 1)
    }

    @Test func openIntervalsAreAmbiguousWithCandidatesWhenTheTableIsSparse() {
        // total = 2 with two blanks in a table that is mostly blank: 0…2 each, no convention to apply.
        let row = SolverRow(cells: Array(0..<7), tokens: [nil, nil, nil, nil, nil, nil, 2], raws: Array(repeating: nil, count: 7), positional: true)
        let out = IdentitySolver(cellCount: 7, rows: [row], identities: [rowIdentity(0)]).solve()
        #expect(out.cells[0].status == "ambiguous")
        #expect(out.cells[0].candidates == [0, 1, 2])
        #expect(out.cells[0].value == nil)
    }

    @Test func boundPropagationIsExactOnSmallSystems() {
        var d: [CellDomain] = [.fixed(5), .unknown, .unknown]
        // x0 = x1 + x2, x1 = 5  ⇒ x2 = 0
        d[1] = .fixed(5)
        #expect(BoundPropagation.propagate(&d, [LinearIdentity(id: "a", terms: [(0, 1), (1, -1), (2, -1)])]))
        #expect(d[2] == .fixed(0))
        var bad: [CellDomain] = [.fixed(1), .fixed(2), .unknown]
        #expect(!BoundPropagation.propagate(&bad, [LinearIdentity(id: "b", terms: [(0, 1), (1, -1), (2, -1)])]))
    }
}
