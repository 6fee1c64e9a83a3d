import Foundation
import NianbaoTestSupport
import Testing
import NianbaoPipeline

/// The package root, found from this file's path.

struct SnapshotCase: CustomStringConvertible, Sendable {
    let name: String
    let input: String
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
            #expect(throws: PipelineError.self) { try Pipeline.normalize(path: c.input) }
            do { _ = try Pipeline.normalize(path: c.input) } catch { #expect("\(error)" == want) }
            return
        }
        let got = try Pipeline.normalize(path: c.input)
        let want = try Data(contentsOf: URL(fileURLWithPath: c.expectedJSON!))
        if Data(got.bytes) != want {
            let a = try JSONSerialization.jsonObject(with: Data(got.bytes))
            let b = try JSONSerialization.jsonObject(with: want)
            Issue.record("\(c.name): output differs from expected.json — \(firstDifference(a, b) ?? "bytes differ (key order or formatting)")")
        }
        // Same input twice ⇒ identical bytes.
        let again = try Pipeline.normalize(path: c.input)
        #expect(again.bytes == got.bytes)
    }

    @Test func theHTMLRenderingGivesTheSameTablesAsTheText() throws {
        let text = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-text/input.txt").path)
        let html = try Pipeline.normalize(path: packageRoot.appendingPathComponent("Snapshots/jiangyin-2023-html-gbk/input.html").path)
        #expect(html.record[path: "source.charset"]?.stringValue == "gb18030")
        #expect(text.record[path: "tables"] == html.record[path: "tables"])
        #expect(text.record[path: "tables"] != nil)
    }

    @Test func everyGoldenRecordValidatesAgainstTheJSONSchema() throws {
        let (status, out) = try runPython([packageRoot.appendingPathComponent("scripts/validate_records.py").path,
                                           packageRoot.appendingPathComponent("Snapshots").path])
        #expect(status == 0, "schema validation failed (needs python3 with jsonschema: pip install jsonschema):\n\(out)")
        #expect(out.contains(" 0 invalid records"))
    }
}
