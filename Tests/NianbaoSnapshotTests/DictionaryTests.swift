import Foundation
import NianbaoTestSupport
import Testing
import NianbaoPipeline
import NianbaoNormalize

/// The record's dictionary covers the record: every path, status, rule, check and warning a record can
/// hold has an entry, and the checks explain themselves in the template's words.
@Suite struct DictionaryTests {
    /// Every golden record.
    func goldenRecords() throws -> [(name: String, record: JSONValue)] {
        try SnapshotCase.all().compactMap { c in
            guard c.expectedJSON != nil else { return nil }
            return (c.name, try Pipeline.normalize(path: c.input, recordedPath: c.relativeInput).record)
        }
    }

    /// The dictionary path of a record path: array items are `[]`, `quality.cells` keys `<path>`,
    /// labels of `page.metadata.other` `<label>`.
    func leafPaths(_ v: JSONValue, _ path: String, into out: inout Set<String>) {
        out.insert(path)
        switch v {
        case .object(let o):
            for (k, x) in o {
                let child: String
                if path == "quality.cells" { child = "quality.cells.<path>" } else if path == "page.metadata.other" { child = "page.metadata.other.<label>" } else { child = path.isEmpty ? k : path + "." + k }
                leafPaths(x, child, into: &out)
            }
        case .array(let a):
            for x in a { leafPaths(x, path + "[]", into: &out) }
        default:
            break
        }
    }

    @Test func everyPathOfEveryGoldenRecordHasAnEntry() throws {
        var paths = Set<String>()
        for r in try goldenRecords() { leafPaths(r.record, "", into: &paths) }
        paths.remove("")
        let missing = paths.filter { RecordDictionary.field($0) == nil }.sorted()
        #expect(missing.isEmpty, "paths without a dictionary entry: \(missing)")
        #expect(paths.count > 300)
    }

    @Test func everyDeclaredRowAndColumnHasAnEntry() {
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            for row in t.proactive {
                for c in row.columns { #expect(RecordDictionary.field("tables.proactive.\(row.block).\(c)") != nil) }
            }
            for row in t.applications.map(\.dotted) + t.applicationsSubtotals.map({ $0.path.joined(separator: ".") }) {
                for c in ReportTemplate.applicantColumns {
                    let f = RecordDictionary.field("tables.applications.\(row).\(c)")
                    #expect(f != nil, "\(row).\(c)")
                    #expect(f?.templates.contains(t.kind.rawValue) == true, "\(row).\(c) in \(t.kind.rawValue)")
                }
            }
        }
        // Chinese labels as printed: the 2019 and 2021 labels of one field both appear.
        #expect(RecordDictionary.field("tables.proactive.normative_documents")?.chinese == "2021: 行政规范性文件 · 2019: 规范性文件")
        #expect(RecordDictionary.field("tables.applications.brought_forward.natural_person")?.chinese == "二、上年结转政府信息公开申请数量 · 自然人")
        #expect(RecordDictionary.field("tables.proactive.fees.amount_wan_yuan")?.unit == "万元")
    }

    @Test func everyStatusRuleAndWarningCodeInUseHasAnEntry() throws {
        var statuses = Set<String>(), rules = Set<String>(), warnings = Set<String>(), checks = Set<String>()
        for r in try goldenRecords() {
            for (_, note) in r.record[path: "quality"]?.objectValue?["cells"]?.objectValue ?? [:] {
                statuses.insert(note[path: "status"]!.stringValue!)
                if let rule = note[path: "rule"]?.stringValue { rules.insert(rule) }
            }
            for repair in r.record[path: "quality.repairs"]?.arrayValue ?? [] { rules.insert(repair[path: "rule"]!.stringValue!) }
            for w in r.record[path: "quality.warnings"]?.arrayValue ?? [] { warnings.insert(w[path: "code"]!.stringValue!) }
            for c in r.record[path: "quality.checks"]?.arrayValue ?? [] { checks.insert(c[path: "id"]!.stringValue!) }
        }
        // And every rule and warning code written in the normalizer's source.
        let sources = packageRoot.appendingPathComponent("Sources/NianbaoNormalize")
        for file in try FileManager.default.contentsOfDirectory(atPath: sources.path) where file.hasSuffix(".swift") && file != "RecordDictionary.swift" {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for m in text.matches(of: /"((?:identity|convention|placement|segmentation|cell|row|number|unit|money|date)\.[a-z_0-9]+)"/) { rules.insert(String(m.1)) }
            for m in text.matches(of: /warn\("([a-z_.]+)"/) { warnings.insert(String(m.1)) }
            for m in text.matches(of: /\("(table\.[a-z_]+)", "/) { warnings.insert(String(m.1)) }
        }
        let decode = try String(contentsOf: packageRoot.appendingPathComponent("Sources/NianbaoDecode/CharsetDecoder.swift"), encoding: .utf8)
        for m in decode.matches(of: /code: "([a-z_.]+)"/) { warnings.insert(String(m.1)) }
        let known = (statuses: Set(RecordDictionary.statuses.map(\.name)), rules: Set(RecordDictionary.rules.map(\.name)), warnings: Set(RecordDictionary.warnings.map(\.name)))
        #expect(statuses.subtracting(known.statuses).isEmpty, "\(statuses.subtracting(known.statuses))")
        #expect(rules.subtracting(known.rules).isEmpty, "\(rules.subtracting(known.rules))")
        #expect(warnings.subtracting(known.warnings).isEmpty, "\(warnings.subtracting(known.warnings))")
        #expect(rules.count >= 20 && warnings.count >= 12)
        // Check ids are instances of the dictionary's patterns.
        let patterns = RecordDictionary.checks.map { $0.name.prefix { $0 != "<" } }
        #expect(checks.allSatisfy { id in patterns.contains { id.hasPrefix($0) } })
    }

    @Test func checksNameTheirCellsAndSayTheIdentityInTheTemplatesWords() throws {
        let c = try #require(SnapshotCase.all().first { $0.name == "contradictory-tables" })
        let record = try Pipeline.normalize(path: c.input).record
        let checks = try #require(record[path: "quality.checks"]?.arrayValue)
        func check(_ id: String) throws -> JSONValue { try #require(checks.first { $0[path: "id"]?.stringValue == id }) }
        // The page: 一 10 2 0 0 0 0 11 · 二 1 0 … 1 · （七） 9 1 0 … 10 · 四 1 1 0 … 2 (hand-read from input.html).
        let balance = try check("applications.balance.natural_person")
        #expect(balance[path: "status"]?.stringValue == "fail")
        #expect(balance.objectValue?["message"]?.objectValue?["zh"]?.stringValue ==
                "一、本年新收 + 二、上年结转 ≠ （七）总计 + 四、结转下年度继续办理（自然人）: 10 + 1 ≠ 9 + 1")
        #expect(balance.objectValue?["message"]?.objectValue?["en"]?.stringValue ==
                "new applications received this year + applications brought forward from last year ≠ outcome total + carried forward to next year (natural persons): 10 + 1 ≠ 9 + 1")
        #expect(balance[path: "formula"]?.stringValue ==
                "tables.applications.new_received.natural_person + tables.applications.brought_forward.natural_person = tables.applications.outcome.total.natural_person + tables.applications.carried_forward.natural_person")
        let rowTotal = try check("applications.row_total.new_received")
        #expect(rowTotal.objectValue?["message"]?.objectValue?["zh"]?.stringValue ==
                "自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 ≠ 总计（一、本年新收）: 10 + 2 + 0 + 0 + 0 + 0 ≠ 11")
        let passing = try check("applications.balance.commercial_enterprise")
        #expect(passing.objectValue?["message"]?.objectValue?["zh"]?.stringValue == "一、本年新收 + 二、上年结转 = （七）总计 + 四、结转下年度继续办理（商业企业）: 2 + 0 = 1 + 1")
        // Every check of every golden record: its cells are numeric cells of the record, its formula
        // names exactly them, and its values are theirs.
        for (name, r) in try goldenRecords() {
            for c in r[path: "quality.checks"]?.arrayValue ?? [] {
                let cells = c.objectValue?["cells"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(cells.count >= 4, "\(name)")
                let formula = c[path: "formula"]?.stringValue ?? ""
                #expect(formula.split(separator: " ").filter { $0 != "+" && $0 != "=" }.map(String.init) == cells, "\(name) \(c[path: "id"]?.stringValue ?? "")")
                var v: [Int?] = []
                for path in cells {
                    let x = r[path: path]
                    #expect(x != nil, "\(name): \(path) is not in the record")
                    v.append(x?.intValue)
                }
                let zh = c.objectValue?["message"]?.objectValue?["zh"]?.stringValue ?? ""
                let numbers = zh.split(separator: ": ").last.map(String.init) ?? ""
                let shown = numbers.split(whereSeparator: { " +=≠≟（".contains($0) }).prefix(cells.count).map(String.init)
                #expect(shown == v.map { $0.map(String.init) ?? "?" }, "\(name) \(c[path: "id"]?.stringValue ?? "")")
            }
        }
    }
}
