import ArgumentParser
import Foundation
import NianbaoEncode
import NianbaoFetch
import NianbaoNormalize

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a harvest state holds: per host, the URLs tried, fetched, captured, normalized and failing; the latest runs.",
        discussion: """
        Reads the state file (while a harvest runs, too) and says whether a harvest holds its lock. \
        Per host: reports and listing pages tried, fetched, captured (WARC), normalized into a record, \
        disallowed by robots.txt (never requested), failing at their last attempt, and the latest failure with its URL. Then the latest runs: when \
        they started and finished (or that one is running, or was interrupted) and their summary line, \
        which names the hosts parked in that run.

        Exit status: 0; 1 the state file cannot be read; 64 bad usage.
        """
    )

    @Option(help: "Harvest state (SQLite), as given to harvest --state.")
    var state = "nianbao-state.sqlite"

    @Option(help: "text (a table) or json (one object).")
    var format: String = "text"

    @Option(help: "How many of the latest runs to show.")
    var runs: Int = 5

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json (got \(format))") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: state) else {
            stderr("nianbao: error: \(state): no such harvest state")
            throw ExitCode(1)
        }
        let status: HarvestState.Status
        do { status = try HarvestState(path: state).status(runs: runs) } catch {
            stderr("nianbao: error: \(state): \(error)")
            throw ExitCode(1)
        }
        let running = Self.harvestRunning(lock: state + ".lock")
        if format == "json" {
            func s(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
            let hosts: [JSONValue] = status.hosts.map { h in
                .object(["host": .string(h.host), "reports": .int(h.reports), "listings": .int(h.listings), "fetched": .int(h.fetched),
                         "captured": .int(h.captured), "normalized": .int(h.normalized), "disallowed": .int(h.disallowed), "failing": .int(h.failing),
                         "last_attempt": s(h.lastAttempt), "last_error": s(h.lastError), "last_error_url": s(h.lastErrorURL)])
            }
            let runs: [JSONValue] = status.runs.map { r in
                let state = r.finished != nil ? "finished" : (running && r.id == status.runs.first?.id ? "running" : "interrupted")
                return .object(["run_id": .int(r.id), "started": .string(r.started), "finished": s(r.finished), "state": .string(state), "summary": s(r.summary)])
            }
            let root: JSONObject = ["state": .string(state), "harvest_running": .bool(running), "hosts": .array(hosts), "runs": .array(runs)]
            FileHandle.standardOutput.write(Data(CanonicalJSON.encode(.object(root))))
            return
        }
        var out = "\(state): \(running ? "a harvest is running" : "no harvest running"); \(status.hosts.count) hosts\n\n"
        let header = ["host", "reports", "listings", "fetched", "captured", "normalized", "robots", "failing", "last attempt", "last failure"]
        var table = [header]
        for h in status.hosts {
            table.append([h.host, String(h.reports), String(h.listings), String(h.fetched), String(h.captured), String(h.normalized), String(h.disallowed), String(h.failing),
                          h.lastAttempt ?? "", h.lastError.map { "\($0) \(h.lastErrorURL ?? "")" } ?? ""])
        }
        let widths = header.indices.map { k in table.map { $0[k].count }.max() ?? 0 }
        for row in table {
            out += row.enumerated().map { k, v in k == row.count - 1 ? v : v.padding(toLength: widths[k], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }
        out += "\nruns (newest first):\n"
        for r in status.runs {
            let state = r.finished.map { "finished \($0)" } ?? (running && r.id == status.runs.first?.id ? "running" : "interrupted")
            out += "  \(r.id)  started \(r.started), \(state)\(r.summary.map { ": \($0)" } ?? "")\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// True when a harvest holds the state's lock (a shared lock cannot be taken). The lock file is
    /// never created here.
    static func harvestRunning(lock: String) -> Bool {
        let fd = open(lock, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return true }
        flock(fd, LOCK_UN)
        return false
    }
}
