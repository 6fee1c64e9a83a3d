import ArgumentParser
import Dispatch
import Foundation
import NianbaoPipeline
import NianbaoStore

@main
struct Nianbao: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nianbao",
        abstract: "Harvest and normalize 政府信息公开工作年度报告 (government information disclosure annual reports).",
        version: Pipeline.toolVersion,
        subcommands: [Harvest.self, Status.self, Normalize.self, Export.self, Review.self, CheckYears.self, DictionaryCommand.self]
    )
}

/// Exit status for bad usage (sysexits EX_USAGE).
let exitUsage: Int32 = 64

struct Normalize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn report pages (HTML or flattened text) into canonical JSON records.",
        discussion: """
        Each input is a file or a directory (read recursively for page files: .html .htm .shtml .xhtml \
        .jsp .asp .aspx .php .txt .text, and WARC files .warc .warc.gz; other files are left out). \
        A WARC file gives one record per 2xx response or resource record, with source.capture \
        pointing back at it. A file may \
        carry its source URL, retrieval time and HTTP Content-Type in a sidecar <file>.meta.json: \
        {"url": "...", "retrieved_at": "2024-01-22T08:00:00Z", "content_type": "text/html; charset=gbk"}. \
        A crawled text copy's header block (标题:, 发布时间:, 原文链接: … up to a ==== 正文 ==== rule) \
        is read as metadata; its 原文链接 is the source URL when neither a sidecar nor --url gives one. \
        Table cells written together with no separator are split only where the identities leave \
        one split (status segmented); otherwise the cells are null and ambiguous, with candidates.

        With --out, one <id>.json per report is written atomically; without it, NDJSON goes to stdout, \
        one record per line, in input order. A bad input gets one line on stderr naming the file and \
        the reason, and the batch goes on. A summary line goes to stderr at the end.

        Exit status: 0 every input gave a record; 1 some inputs failed; 64 bad usage.
        """
    )

    @Argument(help: "Report pages: files, directories, WARC files (.warc, .warc.gz), or - for one page on stdin.")
    var inputs: [String]

    @Option(help: "Write one <id>.json per report into this directory instead of NDJSON on stdout.")
    var out: String?

    @Option(help: "Input format: auto, html or text.")
    var format: String = "auto"

    @Option(help: "Inputs normalized in parallel.")
    var jobs: Int = 1

    @Option(help: "Source URL of the input (only with a single input file); overrides the sidecar.")
    var url: String?

    @Option(name: .customLong("sink"), help: "Also load the records into a sink: sqlite:PATH, postgres://…, ndjson:PATH|-, csv:PATH, csv-long:PATH, or a file named .sqlite/.ndjson/.csv/.long.csv (repeatable). With --sink and no --out nothing is written to stdout unless a sink is ndjson:-.")
    var sinks: [String] = []

    @Flag(help: "Replace the files of ndjson, csv and csv-long sinks instead of appending to them (they are appended to by default).")
    var replaceFiles = false

    @Flag(name: .shortAndLong, help: "One line per input on stderr: the input, the record it gave (id, file with --out), its failing checks.")
    var verbose = false

    @Option(help: ArgumentHelp("Normalize only shard K of N (1-based): the inputs split the same way on every machine, so N processes with 1/N … N/N together do every input once.", valueName: "K/N"))
    var shard: String?

    @Option(name: .customLong("shard-by"), help: "How --shard splits: file (a stable hash of each file's path below the argument that named it) or record (the pages of each WARC file by their position in it, for a few large WARC files; other files still go by file).")
    var shardBy: ShardBy = .file

    /// How `--shard` splits the work.
    enum ShardBy: String, ExpressibleByArgument { case file, record }

    /// The parsed `--shard` (k is 0-based), nil without it.
    static func parseShard(_ s: String?) throws -> (k: Int, n: Int)? {
        guard let s else { return nil }
        let parts = s.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
            throw ValidationError("--shard must be K/N with 1 <= K <= N (got \(s))")
        }
        return (k - 1, n)
    }

    /// A stable 64-bit FNV-1a hash (the same on every machine and every run, unlike Hasher).
    static func stableHash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func validate() throws {
        _ = try Self.parseShard(shard)
        if shard != nil && inputs.contains("-") { throw ValidationError("--shard cannot split stdin (-)") }
        guard FormatChoice(rawValue: format) != nil else {
            throw ValidationError("--format must be auto, html or text (got \(format))")
        }
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be between 1 and 256") }
        for s in sinks { do { _ = try SinkSpec(parsing: s) } catch { throw ValidationError("\(error)") } }
    }

    func run() throws {
        let choice = FormatChoice(rawValue: format)!
        var files: [String] = []
        var failed = 0
        let shard = try Self.parseShard(self.shard)
        var shardInputs = 0
        for input in inputs {
            if input == "-" {
                guard !files.contains("-") else { throw ValidationError("- (stdin) can be given once") }
                files.append("-")
                continue
            }
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: input, isDirectory: &isDir) {
                report("\(input): no such file or directory")
                failed += 1
                continue
            }
            // A file's shard key is its path below the argument that named it (the same wherever the
            // archive is mounted); a file named directly is keyed by its name.
            let found = isDir.boolValue ? Self.listInputs(in: input).map { ($0, String($0.dropFirst(input.count))) }
                                        : [(input, (input as NSString).lastPathComponent)]
            for (file, key) in found {
                shardInputs += 1
                if let shard, shardBy == .file || !Pipeline.isWARC(file), Self.stableHash(key) % UInt64(shard.n) != UInt64(shard.k) { continue }
                files.append(file)
            }
        }
        if let shard {
            stderr("nianbao: shard \(shard.k + 1)/\(shard.n) by \(shardBy.rawValue): \(files.count) of \(shardInputs) input files")
        }
        if url != nil && files.count != 1 {
            throw ValidationError("--url needs exactly one input file (got \(files.count))")
        }
        if let out {
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                report("\(out): cannot create output directory: \(error.localizedDescription)")
                throw ExitCode(1)
            }
            // Temporary files of a run that was killed before its renames.
            let stale = AtomicFile.removeStaleTemporaries(in: out)
            if stale > 0 { FileHandle.standardError.write(Data("nianbao: \(out): removed \(stale) temporary file(s) a killed run left behind\n".utf8)) }
        }
        let sessions = try openSinks(sinks, replaceFiles: replaceFiles, failure: ExitCode(1))
        Pipeline.initialize()
        var records = 0, checksFailing = 0
        var cellCounts: [String: Int] = [:]
        // Pages go to the workers in batches; while the workers normalize one batch, the main thread
        // writes the previous one in input order (statistics are counted on the workers, and a record
        // no sink needs is freed there too).
        let batchSize = max(1, jobs * 32)
        let pagesPerTask = 4
        let stdout = FileHandle.standardOutput
        let url = self.url
        let keepRecords = !sessions.isEmpty
        let workers = DispatchQueue(label: "nianbao.normalize", attributes: .concurrent)
        let feeder = DispatchQueue(label: "nianbao.feeder")
        let slots = DispatchSemaphore(value: jobs)

        func launch(_ batch: [PageSource]) -> InFlightBatch {
            let flight = InFlightBatch(batch: batch)
            let normalize: @Sendable (PageSource) -> Result<(NormalizedRecord, (failing: Int, cells: [String: Int])), Error> = { f in
                Result { try Self.normalizeWithStats(f, format: choice, url: url, keepRecord: keepRecords) }
            }
            if jobs == 1 {
                for (i, f) in batch.enumerated() { flight.results.set(i, normalize(f)) }
                return flight
            }
            flight.group.enter()  // until the feeder has handed out every page of the batch
            feeder.async {
                // Pages go out a few at a time: one hand-over (two thread wake-ups) per page cost
                // about 3 % of a two-job run in scheduling alone.
                for start in stride(from: 0, to: batch.count, by: pagesPerTask) {
                    slots.wait()
                    workers.async(group: flight.group) {
                        for i in start..<min(start + pagesPerTask, batch.count) { flight.results.set(i, normalize(batch[i])) }
                        slots.signal()
                    }
                }
                flight.group.leave()
            }
            return flight
        }

        var inFlight: InFlightBatch?
        func process(_ batch: [PageSource]) throws {
            let next = launch(batch)
            if let previous = inFlight {
                inFlight = nil
                try land(previous)
            }
            inFlight = next
        }

        // The total is known when no WARC file is among the inputs (a WARC file holds an unknown number of pages).
        let progress = ProgressLine(noun: "pages", total: files.contains(where: Pipeline.isWARC) ? nil : files.count)
        var pagesDone = 0
        func land(_ flight: InFlightBatch) throws {
            flight.group.wait()
            let batch = flight.batch, results = flight.results
            defer { pagesDone += batch.count; progress.update(pagesDone) }
            for (i, f) in batch.enumerated() {
                switch results.get(i) {
                case .success(let (r, stats)):
                    records += 1
                    checksFailing += stats.failing
                    cellCounts.merge(stats.cells, uniquingKeysWith: +)
                    if let out {
                        do {
                            try AtomicFile.write(r.bytes, to: out + "/" + r.id + ".json")
                            if verbose { FileHandle.standardError.write(Data("nianbao: \(f.label) → \(out)/\(r.id).json (\(stats.failing) checks failing)\n".utf8)) }
                        } catch {
                            report("\(f.label): \(error)")
                            failed += 1
                            records -= 1
                        }
                    } else if verbose {
                        FileHandle.standardError.write(Data("nianbao: \(f.label) → record \(r.id) (\(stats.failing) checks failing)\n".utf8))
                    }
                    if out == nil && sessions.isEmpty {
                        stdout.write(Data(r.bytes))
                    }
                    for s in sessions {
                        do { try s.add(try LoadableRecord(record: r.record)) } catch {
                            sessions.forEach { $0.abandon() }
                            report("\(s.spec): \(error); the sinks were not written")
                            throw ExitCode(1)
                        }
                    }
                case .failure(let e):
                    report("\(f.label): \(e)")
                    failed += 1
                case nil:
                    break
                }
            }
        }

        // Pages go through in batches, in input order; WARC files are expanded record by record.
        var batch: [PageSource] = []
        for f in files {
            if f == "-" {
                // One page on stdin, read up to the size limit (one byte more says it is over).
                let data = FileHandle.standardInput.readData(ofLength: Pipeline.maxInputBytes + 1)
                if data.count > Pipeline.maxInputBytes {
                    report("stdin: \(PipelineError.tooLarge(data.count))")
                    failed += 1
                } else {
                    batch.append(.bytes(label: "stdin", payload: [UInt8](data)))
                }
            } else if Pipeline.isWARC(f) {
                do {
                    var position = 0
                    try Pipeline.forEachPage(inWARC: f, problem: { label, why in report("\(label): \(why)"); failed += 1 }) { page in
                        // --shard-by record: the pages of a WARC file are dealt out by their position in it.
                        defer { position += 1 }
                        if let shard, shardBy == .record, position % shard.n != shard.k { return }
                        batch.append(page)
                        if batch.count >= batchSize { try process(batch); batch = [] }
                    }
                } catch let e as ExitCode {
                    throw e
                } catch {
                    report("\(f): \(error)")
                    failed += 1
                }
            } else {
                batch.append(.file(f))
            }
            if batch.count >= batchSize { try process(batch); batch = [] }
        }
        if !batch.isEmpty { try process(batch) }
        if let last = inFlight { try land(last) }
        if let out { AtomicFile.syncDirectory(out) }
        progress.clear()
        let c = { (k: String) in cellCounts[k, default: 0] }
        let summary = "nianbao: \(records) records, \(checksFailing) checks failing, cells: \(c("inferred")) inferred, "
            + "\(c("blank_as_zero")) blank as zero, \(c("segmented")) segmented, \(c("ambiguous")) ambiguous, \(c("missing")) missing; "
            + "\(failed) inputs failed\n"
        FileHandle.standardError.write(Data(summary.utf8))
        for s in sessions {
            do {
                FileHandle.standardError.write(Data("nianbao: \(try s.finish())\n".utf8))
                for f in s.refused { report("\(s.spec): record \(f.id): \(f.reason)") }
                failed += s.refused.count
            } catch {
                report("\(s.spec): \(error)")
                s.abandon()
                failed += 1
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    func report(_ line: String) {
        stderr("nianbao: error: \(line)")
    }

    /// Normalizes one page and counts its statistics on the worker thread (the main thread only writes).
    static func normalizeWithStats(_ source: PageSource, format: FormatChoice, url: String?, keepRecord: Bool) throws
        -> (NormalizedRecord, (failing: Int, cells: [String: Int])) {
        var r = try Pipeline.normalize(source, format: format, url: url)
        let counted = stats(r)
        if !keepRecord { r.record = .null }  // only the bytes are written
        return (r, counted)
    }

    /// Failing checks and the number of cells of each `quality.cells` status in one record.
    static func stats(_ r: NormalizedRecord) -> (failing: Int, cells: [String: Int]) {
        guard let quality = r.record.objectValue?["quality"]?.objectValue else { return (0, [:]) }
        var failing = 0
        for check in quality["checks"]?.arrayValue ?? [] where check.objectValue?["status"]?.stringValue == "fail" { failing += 1 }
        var cells: [String: Int] = [:]
        for (_, note) in quality["cells"]?.objectValue ?? [:] {
            if let s = note.objectValue?["status"]?.stringValue { cells[s, default: 0] += 1 }
        }
        return (failing, cells)
    }

    /// Extensions of page files picked up when a directory is given (files named explicitly are always read).
    static let pageExtensions: Set<String> = ["html", "htm", "shtml", "xhtml", "jsp", "asp", "aspx", "php", "txt", "text", "warc"]

    /// Page files under a directory, sorted; hidden files, sidecars and other files are left out.
    static func listInputs(in dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { continue }
            if !pageExtensions.contains((name as NSString).pathExtension.lowercased()) && !Pipeline.isWARC(name) { continue }
            var isDir: ObjCBool = false
            let full = dir + "/" + rel
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue { out.append(full) }
        }
        return out.sorted()
    }
}

/// A batch handed to the workers: its pages, their results and the group that completes with them.
final class InFlightBatch: Sendable {
    let batch: [PageSource]
    let results: ResultBox
    let group = DispatchGroup()
    init(batch: [PageSource]) {
        self.batch = batch
        results = ResultBox(count: batch.count)
    }
}

/// Results of one batch, filled from worker threads.
final class ResultBox: @unchecked Sendable {
    private var items: [Result<(NormalizedRecord, (failing: Int, cells: [String: Int])), Error>?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<(NormalizedRecord, (failing: Int, cells: [String: Int])), Error>) { lock.lock(); items[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<(NormalizedRecord, (failing: Int, cells: [String: Int])), Error>? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
