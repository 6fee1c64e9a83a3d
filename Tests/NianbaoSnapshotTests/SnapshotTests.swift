import Foundation
import NianbaoTestSupport
import Testing
import NianbaoPipeline
import NianbaoNormalize

/// The package root, found from this file's path.

struct SnapshotCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
    /// The input as `scripts/update-snapshots.sh` names it (relative to the package root): `source.path`.
    var relativeInput: String { "Snapshots/\(name)/" + (input as NSString).lastPathComponent }
    let expectedJSON: String?
    let expectedError: String?
    var description: String { name }

    static func all() -> [SnapshotCase] {
        let dir = packageRoot.appendingPathComponent("Snapshots").path
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.compactMap { name in
            let d = dir + "/" + name
            guard let input = ["input.html", "input.txt"].map({ d + "/" + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
            let json = d + "/expected.json", err = d + "/expected.error"
            return SnapshotCase(name: name, input: input,
                                expectedJSON: FileManager.default.fileExists(atPath: json) ? json : nil,
                                expectedError: FileManager.default.fileExists(atPath: err) ? err : nil)
        }
    }
}

/// A readable first difference between two records, for failure messages.
func firstDifference(_ a: Any?, _ b: Any?, path: String = "") -> String? {
    switch (a, b) {
    case (let x as [String: Any], let y as [String: Any]):
        for k in Set(x.keys).union(y.keys).sorted() {
            if let d = firstDifference(x[k], y[k], path: path + "." + k) { return d }
        }
        return nil
    case (let x as [Any], let y as [Any]):
        if x.count != y.count { return "\(path): \(x.count) items vs \(y.count)" }
        for i in 0..<x.count { if let d = firstDifference(x[i], y[i], path: path + "[\(i)]") { return d } }
        return nil
    default:
        let sa = a.map { "\($0)" } ?? "absent", sb = b.map { "\($0)" } ?? "absent"
        return sa == sb ? nil : "\(path): got \(sa), expected \(sb)"
    }
}

@Suite struct SnapshotTests {
    @Test func theCorpusHasAtLeastFifteenHandCheckedCases() {
        let cases = SnapshotCase.all()
        #expect(cases.count >= 15)
        #expect(cases.allSatisfy { ($0.expectedJSON != nil) != ($0.expectedError != nil) })
    }

    @Test(arguments: SnapshotCase.all())
    func matchesTheGoldenFileByteForByte(_ c: SnapshotCase) throws {
        Pipeline.initialize()
        if let errPath = c.expectedError {
            let want = try String(contentsOfFile: errPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(throws: PipelineError.self) { try Pipeline.normalize(path: c.input, recordedPath: c.relativeInput) }
            do { _ = try Pipeline.normalize(path: c.input, recordedPath: c.relativeInput) } catch { #expect("\(error)" == want) }
            return
        }
        let got = try Pipeline.normalize(path: c.input, recordedPath: c.relativeInput)
        let want = try Data(contentsOf: URL(fileURLWithPath: c.expectedJSON!))
        if Data(got.bytes) != want {
            let a = try JSONSerialization.jsonObject(with: Data(got.bytes))
            let b = try JSONSerialization.jsonObject(with: want)
            Issue.record("\(c.name): output differs from expected.json — \(firstDifference(a, b) ?? "bytes differ (key order or formatting)")")
        }
        // Same input twice ⇒ identical bytes.
        let again = try Pipeline.normalize(path: c.input, recordedPath: c.relativeInput)
        #expect(again.bytes == got.bytes)
    }

    /// Compares the tables of a text copy with those of the HTML page of the same report, cell by cell:
    /// (cells equal, cells null and flagged with the HTML value among the candidates, any other cell).
    func compareTables(text: NormalizedRecord, html: NormalizedRecord) -> (equal: Int, flagged: [String], wrong: [String]) {
        var equal = 0
        var flagged: [String] = []
        var wrong: [String] = []
        func walk(_ a: JSONValue?, _ b: JSONValue?, _ path: String) {
            if case .object(let o)? = b {
                for (k, v) in o { walk(a?[path: k], v, path + "." + k) }
                return
            }
            if a == b { equal += 1; return }
            let note = text.record[path: "quality.cells"]?.objectValue?[path]
            let candidates = note?[path: "candidates"]
            let listed: Bool = {
                guard case .array(let cs)? = candidates else { return false }
                return cs.contains { $0 == b || ($0.intValue != nil && $0.intValue == b?.intValue) }
            }()
            if a == .null, note?[path: "status"]?.stringValue == "ambiguous", listed || path.contains("subtotal") {
                flagged.append(path)
            } else if a == .null, path.contains("subtotal") {
                flagged.append(path)
            } else {
                wrong.append("\(path): \(String(describing: a)) vs \(String(describing: b))")
            }
        }
        walk(text.record[path: "tables"], html.record[path: "tables"], "tables")
        return (equal, flagged, wrong)
    }

    @Test func theTextCopyGivesTheHTMLTablesOrFlagsTheCellsItCannotPlace() throws {
        // The text copy dropped the blank cells of three rows that hold 16 once ("16 0 0 0 16"):
        // which applicant column holds it is not on the text page, so those cells are ambiguous.
        let text = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-text/input.txt").path)
        let html = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-html-gbk/input.html").path)
        #expect(html.record[path: "source.charset"]?.stringValue == "gb18030")
        let c = compareTables(text: text, html: html)
        #expect(c.wrong.isEmpty, "\(c.wrong)")
        #expect(c.flagged.filter { !$0.contains("subtotal") }.count == 12)
        #expect(c.equal + c.flagged.count == 228)
    }

    @Test func theCrawledTextCopyGivesTheHTMLTablesExceptOneRowNoIdentityDecides() throws {
        // A real crawler's text copy of the 平潭 page: cells run together with no separator. Every
        // 表三/表四 run has exactly one split the identities allow; 表二's 5845546 has 15 splits into
        // three cells and 表二 has no identity, so its three cells are ambiguous, never guessed.
        let text = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-crawl-text/input.txt").path)
        let html = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/pingtan-2025-html/input.html").path)
        let c = compareTables(text: text, html: html)
        #expect(c.wrong.isEmpty, "\(c.wrong)")
        #expect(c.flagged.sorted() == ["tables.proactive.normative_documents.in_force", "tables.proactive.normative_documents.issued",
                                       "tables.proactive.normative_documents.repealed"])
        #expect(text.record[path: "quality.checks"] == html.record[path: "quality.checks"])
        #expect(text.record[path: "source.url"]?.stringValue == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm")
        #expect(text.record[path: "page.metadata.document_number"] == .null)
        #expect(text.record[path: "report.agency"] == html.record[path: "report.agency"])
    }

    @Test func everyGoldenRecordValidatesAgainstTheJSONSchema() throws {
        let (status, out) = try runPython([packageRoot.appendingPathComponent("scripts/validate_records.py").path,
                                           packageRoot.appendingPathComponent("Snapshots").path])
        #expect(status == 0, "schema validation failed (needs python3 with jsonschema: pip install jsonschema):\n\(out)")
        #expect(out.contains(" 0 invalid records"))
    }
}
