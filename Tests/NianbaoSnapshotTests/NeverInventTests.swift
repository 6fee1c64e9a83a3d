import Foundation
import NianbaoTestSupport
import Testing
import NianbaoPipeline
import NianbaoNormalize
@testable import NianbaoFetch  // SplitMix, the harvester's seeded generator

/// "Never invent", as a property: every golden case whose numbers hold together is broken the ways
/// real pages break (a value garbled, a 0 dropped or blanked, two values run together, a line or a
/// heading lost), normalized again,
/// and no table cell may then hold a value other than the one the intact page gives: only that
/// value, or null marked `missing` or `ambiguous`.
///
/// NIANBAO_NEVER_INVENT_CASES raises the number of broken pages (default 2,000), and
/// NIANBAO_NEVER_INVENT_SEED changes them.
@Suite struct NeverInventTests {
    /// A golden input and the table cells its intact page gives.
    struct Case {
        var name: String
        var text: String
        var isHTML: Bool
        var truth: [String: JSONValue]
    }

    static func leaves(_ v: JSONValue?, _ path: String, into out: inout [String: JSONValue]) {
        switch v {
        case .object(let o)?: for (k, x) in o { leaves(x, path + "." + k, into: &out) }
        case let x?: out[path] = x
        case nil: break
        }
    }

    static func cases() throws -> [Case] {
        let root = packageRoot.appendingPathComponent("Snapshots").path
        var out: [Case] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
            for input in ["input.txt", "input.html"] {
                let path = "\(root)/\(name)/\(input)"
                guard FileManager.default.fileExists(atPath: path), let rec = try? Pipeline.normalize(path: path),
                      let text = String(data: try Data(contentsOf: URL(fileURLWithPath: path)), encoding: .utf8) else { continue }
                var truth: [String: JSONValue] = [:]
                leaves(rec.record[path: "tables"], "tables", into: &truth)
                truth = truth.filter { $0.value != .null && !$0.key.contains("subtotal") }
                // A page whose own numbers break the identities has no single truth to infer from.
                let fails = rec.record[path: "quality.checks"]?.arrayValue?.contains { $0[path: "status"]?.stringValue == "fail" } ?? false
                if fails { continue }
                if !truth.isEmpty { out.append(Case(name: name, text: text, isHTML: input.hasSuffix("html"), truth: truth)) }
            }
        }
        return out
    }

    /// Byte ranges of the numbers a mutation may touch: table cell values (in HTML, a cell's whole text).
    static func numberRanges(_ s: [UInt8], html: Bool) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i < s.count {
            guard s[i] >= 0x30 && s[i] <= 0x39 else { i += 1; continue }
            var e = i
            while e < s.count, (s[e] >= 0x30 && s[e] <= 0x39) || (s[e] == 0x2E && e + 1 < s.count && s[e + 1] >= 0x30 && s[e + 1] <= 0x39) { e += 1 }
            if html {
                var a = i - 1, b = e
                while a >= 0, s[a] == 0x20 { a -= 1 }
                while b < s.count, s[b] == 0x20 { b += 1 }
                if a >= 0, b < s.count, s[a] == 0x3E, s[b] == 0x3C { out.append(i..<e) }
            } else {
                out.append(i..<e)
            }
            i = e
        }
        return out
    }

    /// One to three breakages of the page.
    static func mutate(_ text: String, html: Bool, rng: inout SplitMix) -> (String, [String]) {
        var s = Array(text.utf8)
        var done: [String] = []
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let numbers = numberRanges(s, html: html)
            let kind = rng.next() % 6
            func pick() -> Range<Int>? { numbers.isEmpty ? nil : numbers[Int(rng.next() % UInt64(numbers.count))] }
            // A blank (or, in a flattened row, a dropped) cell reads as 0 by the documented convention, so
            // blanking a 0 keeps the page's meaning; blanking another value makes a different page.
            let zeros = numbers.filter { $0.count == 1 && s[$0.lowerBound] == 0x30 }
            func pickZero() -> Range<Int>? { zeros.isEmpty ? nil : zeros[Int(rng.next() % UInt64(zeros.count))] }
            switch kind {
            case 0:  // garble a value
                guard let r = pick() else { continue }
                s.replaceSubrange(r, with: Array(["x", "？", "O", "l", "口"][Int(rng.next() % 5)].utf8)); done.append("garble")
            case 1:  // blank a 0 (HTML: an empty cell; text: the value dropped)
                guard let r = pickZero() else { continue }
                s.removeSubrange(r); done.append("blank")
            case 2:  // drop a 0 and the separator before it
                guard let r = pickZero() else { continue }
                var a = r.lowerBound
                while a > 0, s[a - 1] == 0x20 || s[a - 1] == 0x7C { a -= 1 }
                // (an HTML row keeps its cells: there a lost value is a blank, case 1)
                s.removeSubrange((html ? r.lowerBound : a)..<r.upperBound)
                done.append("drop")
            case 3:  // two values run together
                guard let r = pick(), let next = numbers.first(where: { $0.lowerBound > r.upperBound }) else { continue }
                // (a flattened copy's breakage: HTML cells are kept apart by their tags)
                let gap = s[r.upperBound..<next.lowerBound]
                guard !html, gap.allSatisfy({ $0 == 0x20 || $0 == 0x7C || $0 == 0x0A || $0 == 0x0D }) else { continue }
                s.removeSubrange(r.upperBound..<next.lowerBound); done.append("merge")
            case 4:  // lose a line
                let lines = s.indices.filter { s[$0] == 0x0A }
                guard lines.count > 2 else { continue }
                let k = Int(rng.next() % UInt64(lines.count - 1))
                s.removeSubrange(lines[k]..<lines[k + 1]); done.append("line")
            default:  // lose a section heading's words
                let t = String(decoding: s, as: UTF8.self)
                let headings = ["主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议、行政诉讼情况", "存在的主要问题及改进情况", "总体情况"]
                let h = headings[Int(rng.next() % UInt64(headings.count))]
                guard let r = t.range(of: h) else { continue }
                s = Array(t.replacingCharacters(in: r, with: "").utf8); done.append("heading")
            }
        }
        return (String(decoding: s, as: UTF8.self), done)
    }

    @Test func brokenPagesNeverGiveAValueTheIntactPageDoesNotHave() throws {
        let cases = try Self.cases()
        #expect(cases.count >= 12)
        let count = Int(ProcessInfo.processInfo.environment["NIANBAO_NEVER_INVENT_CASES"] ?? "") ?? 2000
        var rng = SplitMix(seed: UInt64(ProcessInfo.processInfo.environment["NIANBAO_NEVER_INVENT_SEED"] ?? "") ?? 20261204)
        var kept = 0, nulled = 0, refused = 0
        var wrong: [String] = []
        for n in 0..<count {
            let c = cases[n % cases.count]
            let (broken, how) = Self.mutate(c.text, html: c.isHTML, rng: &rng)
            guard let rec = try? Pipeline.normalize(bytes: Array(broken.utf8), name: c.isHTML ? "page.html" : "page.txt") else { refused += 1; continue }
            var got: [String: JSONValue] = [:]
            Self.leaves(rec.record[path: "tables"], "tables", into: &got)
            let notes = rec.record[path: "quality.cells"]?.objectValue
            let wrongBefore = wrong.count
            for (path, want) in c.truth {
                let v = got[path] ?? .null
                if v == want { kept += 1; continue }
                let status = notes?[path]?[path: "status"]?.stringValue
                if v == .null, status == "missing" || status == "ambiguous" || got[path] == nil { nulled += 1; continue }
                wrong.append("\(c.name) case \(n) (\(how.joined(separator: "+"))): \(path) = \(v), status \(status ?? "reported"); the intact page gives \(want)")
            }
            // NIANBAO_NEVER_INVENT_DUMP=DIR keeps each broken page that gave a wrong value, to replay it.
            if wrong.count > wrongBefore, let dir = ProcessInfo.processInfo.environment["NIANBAO_NEVER_INVENT_DUMP"] {
                try? broken.write(toFile: "\(dir)/\(c.name)-\(n).\(c.isHTML ? "html" : "txt")", atomically: true, encoding: .utf8)
            }
        }
        print("never-invent: \(count) broken pages (\(refused) refused as not a report), \(kept) cells kept, \(nulled) nulled and flagged, \(wrong.count) wrong")
        for w in wrong.prefix(Int(ProcessInfo.processInfo.environment["NIANBAO_NEVER_INVENT_SHOW"] ?? "") ?? 20) { print("never-invent: wrong: \(w)") }
        #expect(wrong.isEmpty, "\(wrong.count) cells hold a value the intact page does not give (printed above)")
        #expect(kept > nulled)
    }
}
