import ArgumentParser
import Foundation
import NianbaoArchive
import NianbaoDecode
import NianbaoEncode
import NianbaoNormalize
import NianbaoPipeline
import NianbaoReview
import NianbaoStore

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write static review pages of records: an index and one page per report, to open from disk.",
        discussion: """
        Inputs are record files or directories (*.json, *.ndjson, *.jsonl), - for NDJSON on stdin, \
        sqlite:PATH or postgres://… (the current version of every report). The site (--out DIR) has \
        index.html (one row per report: checks failing and passing, cells by status, warnings; \
        sortable and filterable; a chart per agency with several years) and r/<id>.html per report: \
        the three tables as the template prints them, every cell styled by its status with its rule, \
        raw text and candidates on hover or focus, the checks in Chinese and English highlighting \
        their cells, repairs, warnings, metadata and prose. Cross-year checks (see check-years) are \
        summarised on the index and listed on the pages of the reports they involve: read from a \
        database as its last load left them, computed for record files (per report key, the last \
        record read is current). The original page is shown beside it when \
        it is at hand: the input file (source.path, if it still exists) or the WARC capture \
        (source.capture, looked up in --warc-dir); captured HTML is shown in a sandboxed frame with \
        scripts and network loads disabled.

        Exit status: 0 the site was written from every input; 1 some inputs were not records (each \
        gets an error line), or the site could not be written; 64 bad usage.
        """
    )

    @Argument(help: "Records: files, directories, -, sqlite:PATH or postgres://….")
    var inputs: [String]

    @Option(help: "Directory to write the site into (created if needed).")
    var out: String

    @Option(name: .customLong("warc-dir"), help: "Where to find the WARC files that records' source.capture names (repeatable).")
    var warcDirs: [String] = []

    func run() throws {
        var records: [LoadableRecord] = []
        var problems: [String] = []
        var fileInputs: [String] = []
        var crossYear: [CrossYearCheck] = []
        for input in inputs {
            if input.hasPrefix("sqlite:") || input.hasPrefix("postgres://") || input.hasPrefix("postgresql://") {
                do { records += try Self.currentRecords(SinkSpec(parsing: input), problems: &problems, crossYear: &crossYear) } catch {
                    stderr("nianbao: error: \(input): \(error)")
                    throw ExitCode(1)
                }
            } else {
                fileInputs.append(input)
            }
        }
        if !fileInputs.isEmpty {
            let read = RecordReader.read(fileInputs)
            records += read.records
            problems += read.problems.map(\.description)
            crossYear += Self.crossYearChecks(read.records)
        }
        for p in problems { stderr("nianbao: error: \(p)") }
        // One page per report id: the last record of an id wins (as in the CSV sink).
        var byID: [String: Int] = [:]
        var unique: [LoadableRecord] = []
        for r in records {
            if let i = byID[r.id] { unique[i] = r } else { byID[r.id] = unique.count; unique.append(r) }
        }
        let originals = OriginalPages.find(for: unique.map(\.record), warcDirs: warcDirs)
        let files = ReviewSite.files(records: unique.map(\.record), originals: originals, crossYear: crossYear)
        do {
            try FileManager.default.createDirectory(atPath: out + "/r", withIntermediateDirectories: true)
            for f in files { try AtomicFile.write(f.bytes, to: out + "/" + f.path) }
            // Pages of reports no longer in the inputs go (only files named as this command names them).
            let written = Set(files.map(\.path))
            for name in (try? FileManager.default.contentsOfDirectory(atPath: out + "/r")) ?? [] where !written.contains("r/" + name) {
                let stem = name.hasSuffix(".source.html") ? String(name.dropLast(".source.html".count)) : (name.hasSuffix(".html") ? String(name.dropLast(5)) : "")
                if stem.utf8.count == 20 && stem.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) { unlink(out + "/r/" + name) }
            }
            AtomicFile.syncDirectory(out + "/r")
            AtomicFile.syncDirectory(out)
        } catch {
            stderr("nianbao: error: \(out): \(error)")
            throw ExitCode(1)
        }
        let failing = unique.filter { r in (r.record[path: "quality.checks"]?.arrayValue ?? []).contains { $0[path: "status"]?.stringValue == "fail" } }.count
        stderr("nianbao: review: \(unique.count) reports (\(failing) with failing checks), \(originals.count) original pages beside them; open \(out)/index.html")
        if !problems.isEmpty { throw ExitCode(1) }
    }

    /// The cross-year checks of records read from files, as a load would leave them: per report key,
    /// the last record read is the current one and the others are its copies or earlier versions.
    static func crossYearChecks(_ records: [LoadableRecord]) -> [CrossYearCheck] {
        var latestOfID: [String: Int] = [:], currentOfKey: [String: String] = [:]
        for (i, r) in records.enumerated() {
            latestOfID[r.id] = i
            currentOfKey[r.reportKey] = r.id
        }
        return CrossYearChecks.run(latestOfID.values.sorted().compactMap { i in
            let r = records[i]
            return YearReport(record: r.record, isCurrent: currentOfKey[r.reportKey] == r.id, tablesDigest: r.tablesDigest)
        })
    }

    /// The current version of every report in a database, and the cross-year checks its last load left.
    static func currentRecords(_ spec: SinkSpec, problems: inout [String], crossYear: inout [CrossYearCheck]) throws -> [LoadableRecord] {
        let store: RecordStore
        switch spec {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.badSink("no such database file") }
            store = try RecordStore.sqlite(path: path)
        case .postgres(let url): store = try RecordStore.postgres(url: url)
        default: throw StoreError.badSink("review reads records, sqlite:PATH or postgres://…")
        }
        crossYear += try store.storedCrossYearChecks()
        var out: [LoadableRecord] = []
        for row in try store.select("SELECT report_id, record_json FROM current_reports ORDER BY report_id") {
            do { out.append(try LoadableRecord(record: try JSONParser.parse(Array((row[1] ?? "").utf8)))) } catch {
                problems.append("\(spec): report \(row[0] ?? "?"): \(error)")
            }
        }
        return out
    }
}

/// Finds the page each record was read from: its input file, or its WARC capture.
enum OriginalPages {
    static func find(for records: [JSONValue], warcDirs: [String]) -> [String: OriginalPage] {
        var found: [String: OriginalPage] = [:]
        // WARC captures, one pass per WARC file.
        var wanted: [String: [Int: (id: String, kind: OriginalPage.Kind)]] = [:]
        for r in records {
            guard let id = r[path: "id"]?.stringValue else { continue }
            let kind: OriginalPage.Kind = r[path: "source"]?.objectValue?["input_format"]?.stringValue == "text" ? .text : .html
            if case .object(let c)? = r[path: "source"]?.objectValue?["capture"], let name = c["warc"]?.stringValue, let offset = c["offset"]?.intValue,
               !name.contains("/"), let dir = warcDirs.first(where: { FileManager.default.fileExists(atPath: $0 + "/" + name) }) {
                wanted[dir + "/" + name, default: [:]][offset] = (id, kind)
            } else if let path = r[path: "source"]?.objectValue?["path"]?.stringValue, let bytes = try? Pipeline.readFile(path) {
                let contentType = (try? Sidecar.load(for: path))?.flatMap(\.contentType)
                if let text = try? CharsetDecoder.decode(bytes, contentType: contentType, sniffMeta: kind == .html).text {
                    found[id] = OriginalPage(kind: kind, text: text, origin: path)
                }
            }
        }
        for (file, offsets) in wanted {
            try? WARCReader.forEach(path: file) { offset, record in
                guard let want = offsets[offset] else { return }
                var payload = record.block, contentType = record["Content-Type"]
                if record.type == "response" {
                    guard let http = HTTPResponse.parse(record.block), let body = try? http.decodedBody(limit: Pipeline.maxPayloadBytes) else { return }
                    payload = body
                    contentType = http.header("Content-Type")
                }
                if let text = try? CharsetDecoder.decode(payload, contentType: contentType, sniffMeta: want.kind == .html).text {
                    found[want.id] = OriginalPage(kind: want.kind, text: text, origin: "\((file as NSString).lastPathComponent) @ \(offset)")
                }
            }
        }
        return found
    }
}
