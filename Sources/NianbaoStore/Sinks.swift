import NianbaoSQL
import Foundation
import Dispatch
import Crypto
import NianbaoEncode
import NianbaoNormalize

/// Where records go: `sqlite:PATH` (default), `postgres://…`, `ndjson:PATH|-`, `csv:PATH`.
public enum SinkSpec: Equatable, Sendable, CustomStringConvertible {
    case sqlite(String)
    case postgres(String)
    case ndjson(String)
    case csv(String)
    /// One row per cell (the shape pivot tables, pandas and R want).
    case csvLong(String)

    /// The default sink: an embedded SQLite file in the working directory.
    public static let defaultSink = SinkSpec.sqlite("nianbao.sqlite")

    /// Parses a sink argument.
    public init(parsing s: String) throws {
        if s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") { self = .postgres(s); return }
        if s == "-" { self = .ndjson("-"); return }
        let kinds = ["sqlite", "ndjson", "csv", "csv-long"]
        if let colon = s.firstIndex(of: ":"), kinds.contains(String(s[..<colon])) {
            let kind = s[..<colon], rest = String(s[s.index(after: colon)...])
            guard !rest.isEmpty else { throw StoreError.badSink("\(s): missing path") }
            switch kind {
            case "sqlite": self = .sqlite(rest)
            case "ndjson": self = .ndjson(rest)
            case "csv": self = .csv(rest)
            default: self = .csvLong(rest)
            }
            return
        }
        // No scheme: the kind from the file's extension.
        let lower = s.lowercased()
        if [".sqlite", ".sqlite3", ".db"].contains(where: lower.hasSuffix) { self = .sqlite(s); return }
        if [".ndjson", ".jsonl"].contains(where: lower.hasSuffix) { self = .ndjson(s); return }
        if lower.hasSuffix(".long.csv") { self = .csvLong(s); return }
        if lower.hasSuffix(".csv") { self = .csv(s); return }
        if let colon = s.firstIndex(of: ":"), !s[..<colon].contains("/") {
            throw StoreError.badSink("\(s): unknown sink \(s[..<colon]) (sqlite:, postgres://, ndjson:, csv:, csv-long:)")
        }
        throw StoreError.badSink("\(s): expected sqlite:PATH, postgres://…, ndjson:PATH|-, csv:PATH, csv-long:PATH, or a file ending .sqlite/.db, .ndjson/.jsonl, .csv, .long.csv")
    }

    public var description: String {
        switch self {
        case .sqlite(let p): return "sqlite:\(p)"
        case .postgres(let u): return RecordStore.redact(u)
        case .ndjson(let p): return "ndjson:\(p)"
        case .csv(let p): return "csv:\(p)"
        case .csvLong(let p): return "csv-long:\(p)"
        }
    }
}

/// A sink being written: records are added one by one, then the sink is finished (committed,
/// renamed into place) or abandoned (rolled back, temp file removed).
public final class SinkSession {
    /// The sink.
    public let spec: SinkSpec
    private var load: LoadSession?
    private var store: RecordStore?
    private var file: FileHandle?
    private var tmpPath: String?
    /// CSV sinks: where each id's rows are in the temp file (offset, length, lines), and the ranges
    /// of rows a later record of the same id superseded (left out when the file is finished).
    private var csvRanges: [String: (offset: UInt64, length: Int, lines: Int)] = [:]
    private var superseded: [(offset: UInt64, length: Int, lines: Int)] = []
    private var written: UInt64 = 0
    private var count = 0
    /// Records a database sink refused, each alone, after ``finish()`` (the others were committed).
    public private(set) var refused: [LoadSummary.Failure] = []
    /// File sinks: replace the file instead of appending to it.
    private let replace: Bool
    /// True when the file sink's temp file starts with the existing file's contents.
    private var appending = false

    /// Opens the sink (connects and migrates a database, creates a temp file). File sinks append to
    /// an existing file (a CSV without a second header) unless `replaceFiles` is set; either way the
    /// new file is written beside it and renamed into place when the sink finishes.
    public init(_ spec: SinkSpec, replaceFiles: Bool = false) throws {
        self.spec = spec
        replace = replaceFiles
        switch spec {
        case .sqlite(let path):
            store = try RecordStore.sqlite(path: path)
            load = try LoadSession(store!)
        case .postgres(let url):
            store = try RecordStore.postgres(url: url)
            load = try LoadSession(store!)
        case .ndjson(let path):
            if path == "-" { file = FileHandle.standardOutput } else { try openTemp(path) }
        case .csv(let path), .csvLong(let path):
            try openTemp(path)
        }
    }

    private func openTemp(_ path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        var existing = Data()
        if !replace, FileManager.default.fileExists(atPath: path) {
            guard let d = FileManager.default.contents(atPath: path) else { throw StoreError.badSink("cannot read \(path) to append to it") }
            existing = d
            if let header = csvHeader, !existing.isEmpty {
                // Rows go under the existing header only if it is this version's.
                let header = Data(header)
                guard existing.starts(with: header) else {
                    throw StoreError.badSink("\(path) has other columns than this version's CSV; write to a new file, or replace it with --replace-files")
                }
            }
            if case .ndjson = spec, let last = existing.last, last != 0x0A { existing.append(0x0A) }
        }
        guard FileManager.default.createFile(atPath: tmp, contents: existing), let h = FileHandle(forWritingAtPath: tmp) else {
            throw StoreError.badSink("cannot write \(tmp)")
        }
        written = h.seekToEndOfFile()
        appending = !existing.isEmpty
        tmpPath = tmp
        file = h
        if !appending, let header = csvHeader { try write(header) }
    }

    /// The header of a CSV sink (nil for other sinks).
    private var csvHeader: [UInt8]? {
        switch spec {
        case .csv: WideCSV.header()
        case .csvLong: LongCSV.header()
        default: nil
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try file!.write(contentsOf: bytes)
        written += UInt64(bytes.count)
    }

    /// Writes one record's CSV rows at the end of the temp file; an earlier record of the id is superseded.
    private func writeRows(_ id: String, _ bytes: [UInt8]) throws {
        if let old = csvRanges[id] { superseded.append(old) }
        csvRanges[id] = (written, bytes.count, bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        try write(bytes)
    }

    /// Finishes a CSV sink's temp file: the rows of superseded records are left out (copied past),
    /// then it is renamed into place. Returns the reports and lines written.
    private func finishCSV(_ path: String) throws -> (reports: Int, lines: Int) {
        try file!.synchronize()
        try file!.close()
        file = nil
        if !superseded.isEmpty, let tmp = tmpPath {
            let kept = tmp + ".kept"
            guard let input = FileHandle(forReadingAtPath: tmp), FileManager.default.createFile(atPath: kept, contents: nil),
                  let output = FileHandle(forWritingAtPath: kept) else { throw StoreError.badSink("cannot write \(kept)") }
            var at: UInt64 = 0
            func copy(upTo end: UInt64) throws {
                while at < end {
                    let chunk = try input.read(upToCount: Int(min(end - at, 4 << 20))) ?? Data()
                    if chunk.isEmpty { break }
                    try output.write(contentsOf: chunk)
                    at += UInt64(chunk.count)
                }
            }
            for r in superseded.sorted(by: { $0.offset < $1.offset }) {
                try copy(upTo: r.offset)
                try input.seek(toOffset: r.offset + UInt64(r.length))
                at = r.offset + UInt64(r.length)
            }
            try copy(upTo: UInt64.max)
            try output.synchronize()
            try output.close()
            try input.close()
            guard rename(kept, tmp) == 0 else { throw StoreError.badSink("cannot rename \(kept)") }
        }
        try moveIntoPlace(path)
        return (csvRanges.count, csvRanges.values.reduce(0) { $0 + $1.lines })
    }

    /// For a database sink, the digests of the records it holds in their latest version, with their
    /// ids (a record with one of them changes nothing); nil for a file sink, which takes every record.
    public var knownDigests: [String: String]? { load?.knownDigests }

    /// True for a database sink whose latest version of `id` has `digest` (see ``LoadSession/isLatest(digest:id:)``).
    public func isLatest(digest: String, id: String) -> Bool { load?.isLatest(digest: digest, id: id) ?? false }

    /// Counts a record found unchanged by its digest alone.
    public func countUnchanged() {
        count += 1
        load?.countUnchanged()
    }

    /// Adds one record.
    public func add(_ r: LoadableRecord) throws {
        count += 1
        switch spec {
        case .sqlite, .postgres: try load!.add(r)
        case .ndjson: file!.write(Data(r.bytes))
        case .csv: try writeRows(r.id, WideCSV.line(WideCSV.row(r)))
        case .csvLong: try writeRows(r.id, LongCSV.lines(r))
        }
    }

    /// Finishes the sink; returns a one-line description of what was written.
    public func finish() throws -> String {
        switch spec {
        case .sqlite, .postgres:
            let s = try load!.commit()
            refused = s.failed
            var line = "\(spec): \(s.inserted) new, \(s.updated) changed (new version), \(s.unchanged) unchanged"
            if s.copies > 0 { line += ", \(s.copies) copies of a current report (same tables)" }
            if s.replaced > 0 { line += ", \(s.replaced) replaced another copy with other tables (see report_differences)" }
            let y = s.crossYearChecks
            if y.checks > 0 { line += "; cross-year checks: \(y.checks), \(y.failing) failing, \(y.warnings) warnings" }
            return line
                + (s.failed.isEmpty ? "" : ", \(s.failed.count) refused by the database")
        case .ndjson(let path):
            if path != "-" { try file!.synchronize(); try file!.close(); try moveIntoPlace(path) }
            return "\(spec): \(count) records" + (appending ? " appended" : "")
        case .csv(let path):
            let n = try finishCSV(path)
            return "\(spec): \(n.reports) rows" + (appending ? " appended" : "")
        case .csvLong(let path):
            let n = try finishCSV(path)
            return "\(spec): \(n.lines) cells of \(n.reports) reports" + (appending ? " appended" : "")
        }
    }

    /// Abandons the sink.
    public func abandon() {
        load?.rollback()
        if let t = tmpPath { try? file?.close(); unlink(t); unlink(t + ".kept") }
    }

    private func moveIntoPlace(_ path: String) throws {
        guard let t = tmpPath, rename(t, path) == 0 else { throw StoreError.badSink("cannot rename into \(path)") }
        tmpPath = nil
    }
}

/// The wide view as CSV: UTF-8 with a BOM (so Excel shows Chinese), RFC 4180 quoting, CRLF line ends,
/// one row per report (the last record of an id wins), the columns of `report_cells_wide`.
public enum WideCSV {
    /// Renders the CSV bytes of records (the last record of an id wins).
    public static func render(_ records: [LoadableRecord]) -> [UInt8] {
        var rows: [String: [String?]] = [:]
        var order: [String] = []
        for r in records {
            if rows[r.id] == nil { order.append(r.id) }
            rows[r.id] = row(r)
        }
        return order.reduce(header()) { $0 + line(rows[$1]!) }
    }

    /// BOM and header line.
    static func header() -> [UInt8] { [0xEF, 0xBB, 0xBF] + line(RecordStore.wideColumnNames) }

    static func line(_ fields: [String?]) -> [UInt8] {
        var out: [UInt8] = []
        append(fields, to: &out)
        return out
    }

    /// Appends one CSV line (RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes
    /// doubled; CRLF at the end), working on the UTF-8 bytes: a CR LF inside a field is one Character
    /// and equal to neither "\r" nor "\n", so a Character test let it through unquoted.
    static func append(_ fields: [String?], to out: inout [UInt8]) {
        for (i, value) in fields.enumerated() {
            if i > 0 { out.append(0x2C) }
            guard let value else { continue }
            if value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                out.append(0x22)
                for b in value.utf8 {
                    if b == 0x22 { out.append(0x22) }
                    out.append(b)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: value.utf8)
            }
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    /// The wide row of one record, in the order of ``RecordStore/wideColumnNames``.
    static func row(_ r: LoadableRecord) -> [String?] {
        let w = r.prepared?.wide ?? WideColumns.Row(r.record)
        func text(_ v: JSONValue) -> String? {
            switch v {
            case .string(let x): return neutralized(x)
            case .int(let i): return String(i)
            case .decimal(let d): return d.description
            default: return nil
            }
        }
        var fields: [String?] = [r.id, "1"] + w.reportFields.map(text)
        fields += [String(w.failing.count), w.failing.isEmpty ? nil : w.failing.joined(separator: " "), w.flagged.isEmpty ? nil : w.flagged.joined(separator: " ")]
        fields += w.values.map(text)
        return fields
    }

    /// Page text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, TAB, CR first) gets a
    /// leading `'` (OWASP's rule for CSV injection). Only text from the page: numbers are written as
    /// numbers, and the JSON and SQL sinks keep the text as it is.
    static func neutralized(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"].contains(first) else { return text }
        return "'" + text
    }

}

/// One row per cell, as CSV (UTF-8 with a BOM, RFC 4180 quoting, CRLF): the report, the cell's
/// record path, its Chinese row and column labels as the report's template prints them, its value,
/// status, the page's raw text and the rule that filled it, and the candidates of an ambiguous cell.
/// Every leaf of the record's tables is a row (subtotals too, status `derived`); the last record of
/// an id wins, as in the wide CSV.
public enum LongCSV {
    /// The columns.
    public static let columns = ["report_id", "agency_key", "year", "template", "path", "row_label", "column_label", "value", "status", "raw", "rule", "candidates"]

    /// BOM and header line.
    static func header() -> [UInt8] { [0xEF, 0xBB, 0xBF] + WideCSV.line(columns) }

    /// The rows of one record.
    static func lines(_ r: LoadableRecord) -> [UInt8] {
        let rec = r.record
        let template = rec[path: "report.template"]?.stringValue ?? "unknown"
        let agencyKey = rec[path: "report.agency_key"]?.stringValue.map(WideCSV.neutralized)
        let year = rec[path: "report.year"]?.intValue.map(String.init)
        var out: [UInt8] = []
        out.reserveCapacity(64 << 10)
        for c in (r.prepared?.rows ?? RecordRows(r)).cells {
            let path = "tables." + c.table + "." + (c.rowPath.isEmpty ? "" : c.rowPath + ".") + c.column
            let labels = RecordDictionary.cellLabels(template: template, path: path)
            let value: String? = switch c.value {
            case .int(let i): String(i)
            case .decimal(let d): d.description
            default: nil
            }
            WideCSV.append([r.id, agencyKey, year, template, path, labels?.row, labels?.column, value, c.status,
                            c.raw.map(WideCSV.neutralized), c.rule, c.candidates], to: &out)
        }
        return out
    }
}

/// Results of one window of lines, filled from worker threads.
final class ParsedWindow: @unchecked Sendable {
    private var items: [RecordReader.LineResult?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: RecordReader.LineResult) { lock.lock(); items[i] = r; lock.unlock() }
    func all() -> [RecordReader.LineResult] { lock.lock(); defer { lock.unlock() }; return items.compactMap { $0 } }
}

/// Reads records from files, directories (`*.json` below them, sidecars skipped), NDJSON files
/// and `-` (NDJSON on stdin). A bad record is reported and skipped; the others load.
public enum RecordReader {
    /// One unreadable input or line.
    public struct Problem: Sendable, CustomStringConvertible {
        /// File (and line) it came from.
        public var origin: String
        /// Why.
        public var reason: String
        public var description: String { "\(origin): \(reason)" }
    }

    /// Reads every record of `inputs` into memory.
    public static func read(_ inputs: [String]) -> (records: [LoadableRecord], problems: [Problem]) {
        var records: [LoadableRecord] = []
        let problems = (try? forEach(inputs) { records.append($0) }) ?? []
        return (records, problems)
    }

    /// Streams the records of `inputs` to `body`, in input order; returns the problems met. An error
    /// thrown by `body` stops the reading and is rethrown.
    ///
    /// NDJSON files are read in blocks, never whole: memory is bounded by a window of lines. The
    /// lines of the next window are parsed on the other cores (JSON, canonical form, digests, the
    /// rows a database load writes) while `body` handles the current one. A line whose SHA-256 is in
    /// `known` (the digest of a record's canonical line: a record already loaded, unchanged) is not
    /// parsed: `onKnown` is called with its digest and id instead, in its place in the order; when it
    /// returns false the line is parsed after all and goes to `body`.
    public static func forEach(_ inputs: [String], known: [String: String] = [:], onKnown: ((String, String) -> Bool)? = nil,
                               _ body: (LoadableRecord) throws -> Void) throws -> [Problem] {
        var problems: [Problem] = []
        for input in inputs {
            if input == "-" {
                try stream(FileHandle.standardInput, origin: "stdin", known: known, onKnown: onKnown, &problems, body)
                continue
            }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else {
                problems.append(Problem(origin: input, reason: "no such file or directory"))
                continue
            }
            var files = [input]
            if isDir.boolValue {
                let e = FileManager.default.enumerator(atPath: input)
                var found: [String] = []
                while let rel = e?.nextObject() as? String {
                    let name = (rel as NSString).lastPathComponent
                    if name.hasPrefix(".") || name.hasSuffix(".meta.json") { continue }
                    if name.hasSuffix(".json") || name.hasSuffix(".ndjson") || name.hasSuffix(".jsonl") { found.append(input + "/" + rel) }
                }
                files = found.sorted()
            }
            for f in files {
                guard let h = FileHandle(forReadingAtPath: f) else {
                    problems.append(Problem(origin: f, reason: "cannot read"))
                    continue
                }
                defer { try? h.close() }
                try stream(h, origin: f, known: known, onKnown: onKnown, &problems, body)
            }
        }
        return problems
    }

    /// What a line became: a record, a known digest, or a problem.
    enum LineResult: @unchecked Sendable {
        case record(LoadableRecord)
        case known(digest: String, id: String, line: ArraySlice<UInt8>, origin: String)
        case problem(Problem)
    }

    /// Lines parsed together (a window); the next window parses while this one is delivered.
    static let window = 64

    /// Reads one input: NDJSON line by line, or (a file whose first line is not a whole record) one
    /// pretty-printed record.
    static func stream(_ h: FileHandle, origin: String, known: [String: String], onKnown: ((String, String) -> Bool)?,
                       _ problems: inout [Problem], _ body: (LoadableRecord) throws -> Void) throws {
        var buffer: [UInt8] = []
        var start = 0, eof = false, lineNumber = 0
        // Read straight from the descriptor, 4 MiB at a time (FileHandle.read(upToCount:) made one
        // read(2) per 4 KiB: 42,000 system calls for 2,000 records, on the thread that also writes).
        let chunkSize = 4 << 20
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { chunk.deallocate() }
        func fill() throws {
            var n: Int
            repeat {
                #if canImport(Glibc)
                n = Glibc.read(h.fileDescriptor, chunk.baseAddress, chunkSize)
                #else
                n = Darwin.read(h.fileDescriptor, chunk.baseAddress, chunkSize)
                #endif
            } while n < 0 && errno == EINTR
            guard n >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            if n == 0 { eof = true } else {
                if start > 0 { buffer.removeFirst(start); start = 0 }
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            }
        }
        /// The position of the next newline at or after `start` (memchr), or nil.
        func newline() -> Int? {
            buffer.withUnsafeBufferPointer { b in
                guard start < b.count, let base = b.baseAddress, let p = memchr(base + start, 0x0A, b.count - start) else { return nil }
                return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
        }
        /// The next line (without its newline), or nil at the end.
        func nextLine() throws -> ArraySlice<UInt8>? {
            while true {
                if let nl = newline() {
                    let line = buffer[start..<nl]
                    start = nl + 1
                    lineNumber += 1
                    return line
                }
                if eof {
                    guard start < buffer.count else { return nil }
                    let line = buffer[start...]
                    start = buffer.count
                    lineNumber += 1
                    return line
                }
                try fill()
            }
        }
        func isBlank(_ l: ArraySlice<UInt8>) -> Bool { l.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
        // The first line decides: an object opened and closed on it means NDJSON (a bad line is then
        // reported as that line); else one pretty-printed record. Not parsed here: each line is parsed
        // once, below (a directory of one-record files is read at the cost of one parse each).
        var first: ArraySlice<UInt8>?
        while let l = try nextLine() { if !isBlank(l) { first = l; break } }
        guard let firstLine = first else { return }
        let trimmed = firstLine.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        let wholeFirst = trimmed.last == UInt8(ascii: "{") && trimmed.first == UInt8(ascii: "}")
        if !wholeFirst {
            var all = Array(firstLine) + [0x0A]
            while let l = try nextLine() { all += l; all.append(0x0A) }
            switch parseLine(all[...], origin: origin, known: [:], prepare: true) {
            case .record(let r): try body(r)
            case .problem(let p): problems.append(p)
            case .known: break
            }
            return
        }
        let queue = DispatchQueue(label: "nianbao.reader", attributes: .concurrent)
        var lines: [(String, [UInt8])] = [("\(origin):\(lineNumber)", Array(firstLine))]
        var inFlight: (group: DispatchGroup, results: ParsedWindow)?
        func launch(_ window: [(String, [UInt8])]) -> (DispatchGroup, ParsedWindow) {
            let results = ParsedWindow(count: window.count)
            let group = DispatchGroup()
            queue.async(group: group) {
                DispatchQueue.concurrentPerform(iterations: window.count) { i in
                    results.set(i, parseLine(window[i].1[...], origin: window[i].0, known: known, prepare: true))
                }
            }
            return (group, results)
        }
        func deliver(_ w: (group: DispatchGroup, results: ParsedWindow)) throws {
            w.group.wait()
            for r in w.results.all() {
                switch r {
                case .record(let rec): try body(rec)
                case .known(let digest, let id, let line, let origin):
                    if onKnown?(digest, id) == true { continue }
                    switch parseLine(line, origin: origin, known: [:], prepare: true) {
                    case .record(let rec): try body(rec)
                    case .problem(let p): problems.append(p)
                    case .known: break
                    }
                case .problem(let p): problems.append(p)
                }
            }
        }
        while true {
            let l = try nextLine()
            if let l, !isBlank(l) { lines.append(("\(origin):\(lineNumber)", Array(l))) }
            if lines.count >= window || (l == nil && !lines.isEmpty) {
                let next = launch(lines)
                lines = []
                if let previous = inFlight { try deliver(previous) }
                inFlight = next
            }
            if l == nil { break }
        }
        if let last = inFlight { try deliver(last) }
    }

    /// One line (or a whole file) to a record, on any thread.
    static func parseLine(_ bytes: ArraySlice<UInt8>, origin: String, known: [String: String], prepare: Bool) -> LineResult {
        if !known.isEmpty {
            // A record already loaded: its canonical line (and newline) has a known digest.
            var h = SHA256()
            h.update(data: bytes)
            h.update(data: [UInt8(0x0A)])
            let digest = Hex.lowercase(h.finalize())
            if let id = known[digest] { return .known(digest: digest, id: id, line: bytes, origin: origin) }
        }
        do {
            var r = try LoadableRecord(record: try JSONParser.parse(Array(bytes)))
            if prepare { r.prepare() }
            return .record(r)
        } catch {
            return .problem(Problem(origin: origin, reason: "\(error)"))
        }
    }
}
