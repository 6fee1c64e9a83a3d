import ArgumentParser
import Foundation
import NianbaoStore
import NianbaoPipeline

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load records into databases and files: SQLite (default), PostgreSQL, NDJSON, CSV.",
        discussion: """
        Inputs are record files or directories of them (*.json, *.ndjson, *.jsonl; NDJSON lines or one \
        record per file) or - for NDJSON on stdin. Sinks (--to, repeatable; default sqlite:nianbao.sqlite):
          sqlite:PATH          an embedded SQLite database (created and migrated as needed)
          postgres://…         a PostgreSQL database (libpq connection URL)
          ndjson:PATH | ndjson:-   canonical records, one per line
          csv:PATH             the wide view (one row per report, one column per cell), UTF-8 with BOM
          csv-long:PATH        one row per cell: report, path, Chinese row and column labels, value, \
        status, raw text, rule
        Without a scheme the kind is taken from the file's extension: .sqlite/.sqlite3/.db, \
        .ndjson/.jsonl, .long.csv, .csv (--to out.sqlite, --to cells.long.csv).

        Database loads are idempotent: the same record twice changes nothing; a changed record (same \
        id, new content digest) becomes a new version and the earlier one stays queryable. A load is \
        one transaction: if it fails, the database is as it was.

        Exit status: 0 all records loaded; 1 some inputs were not records, or a sink failed; 64 bad usage.
        """
    )

    @Argument(help: "Record files or directories, or - for NDJSON on stdin.")
    var inputs: [String]

    @Option(name: .customLong("to"), help: "Sink: sqlite:PATH, postgres://…, ndjson:PATH|-, csv:PATH, csv-long:PATH, or a file named .sqlite/.ndjson/.csv/.long.csv (repeatable). File sinks are appended to.")
    var sinks: [String] = []

    @Flag(help: "Replace the files of ndjson, csv and csv-long sinks instead of appending to them.")
    var replaceFiles = false

    @Option(help: ArgumentHelp("Also write datasette's metadata (every table's and column's meaning, English and Chinese) for the SQLite sink to this file: datasette DB.sqlite -m PATH.", valueName: "path"))
    var datasetteMetadata: String?

    func validate() throws {
        for s in sinks { do { _ = try SinkSpec(parsing: s) } catch { throw ValidationError("\(error)") } }
        if datasetteMetadata != nil && sqlitePaths.count != 1 {
            throw ValidationError("--datasette-metadata needs exactly one sqlite: sink (it describes that database)")
        }
    }

    /// The SQLite sinks' paths (the default sink when no --to is given).
    var sqlitePaths: [String] {
        (sinks.isEmpty ? [SinkSpec.defaultSink.description] : sinks).compactMap {
            if case .sqlite(let path)? = try? SinkSpec(parsing: $0) { return path }
            return nil
        }
    }

    func run() throws {
        let sessions = try openSinks(sinks.isEmpty ? [SinkSpec.defaultSink.description] : sinks, replaceFiles: replaceFiles, failure: ExitCode(1))
        var records = 0
        let problems: [RecordReader.Problem]
        let progress = ProgressLine(noun: "records", total: nil)
        do {
            // Records every sink already holds unchanged are known by the digest of their line alone
            // (only database sinks can say so; a file sink takes every record).
            var known: [String: String] = sessions.first?.knownDigests ?? [:]
            for s in sessions.dropFirst() {
                let k = s.knownDigests ?? [:]
                known = known.filter { k[$0.key] == $0.value }
            }
            problems = try RecordReader.forEach(inputs, known: known, onKnown: { digest, id in
                // Unchanged for every sink, or read after all.
                guard sessions.allSatisfy({ $0.isLatest(digest: digest, id: id) }) else { return false }
                sessions.forEach { $0.countUnchanged() }
                records += 1
                progress.update(records)
                return true
            }) { r in
                records += 1
                for s in sessions { try s.add(r) }
                progress.update(records)
            }
            progress.clear()
        } catch {
            sessions.forEach { $0.abandon() }
            stderr("nianbao: error: \(error); nothing was written")
            throw ExitCode(1)
        }
        for p in problems { stderr("nianbao: error: \(p)") }
        var failed = false
        for s in sessions {
            do {
                stderr("nianbao: \(try s.finish())")
                for f in s.refused { stderr("nianbao: error: \(s.spec): record \(f.id): \(f.reason)") }
                if !s.refused.isEmpty { failed = true }
            } catch {
                stderr("nianbao: error: \(s.spec): \(error)")
                s.abandon()
                failed = true
            }
        }
        if let metadataPath = datasetteMetadata, let db = sqlitePaths.first {
            // datasette names a database by its file name without the extension.
            let name = ((db as NSString).lastPathComponent as NSString).deletingPathExtension
            do { try AtomicFile.write(StoreDictionary.datasetteMetadata(database: name), to: metadataPath) } catch {
                stderr("nianbao: error: \(metadataPath): \(error)")
                failed = true
            }
        }
        stderr("nianbao: \(records) records read, \(problems.count) inputs not records")
        if failed || !problems.isEmpty { throw ExitCode(1) }
    }
}

func stderr(_ line: String) {
    // On a terminal a progress line may be showing: the message replaces it.
    FileHandle.standardError.write(Data(((ProgressLine.onTerminal ? ProgressLine.clearSequence : "") + line + "\n").utf8))
}

/// Opens every sink, or none: on a failure the ones already open are abandoned, an error line is
/// printed and `failure` is thrown.
func openSinks(_ specs: [String], replaceFiles: Bool, failure: ExitCode) throws -> [SinkSession] {
    var sessions: [SinkSession] = []
    for text in specs {
        let spec = try SinkSpec(parsing: text)
        do { sessions.append(try SinkSession(spec, replaceFiles: replaceFiles)) } catch {
            sessions.forEach { $0.abandon() }
            stderr("nianbao: error: \(spec): \(error)")
            throw failure
        }
    }
    return sessions
}
