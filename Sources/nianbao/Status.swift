import ArgumentParser
import Foundation
import NianbaoEncode
import NianbaoFetch
import NianbaoNormalize
import NianbaoSQL

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a harvest state holds: per host, the URLs tried, fetched, captured, normalized and failing; the latest runs.",
        discussion: """
        Reads the state file (while a harvest runs, too) and says whether a harvest holds its lock. \
        Per host: reports and listing pages tried, fetched, captured (WARC), normalized into a record, \
        disallowed by robots.txt (never requested), failing at their last attempt, and the latest failure with its URL. Then the latest runs: when \
        they started and finished (or that one is running, or was interrupted) and their summary line, \
        which names the hosts parked in that run.

        With a PostgreSQL state (several workers): per host also the URLs pending and leased in \
        the latest round and whether the host is parked; the round's counts; per site (of the \
        sites file) the report and listing URLs discovered in the round, pending, leased, done and \
        dropped, its parked hosts and latest failure; and per worker its \
        state (running, finished, or dead: no heartbeat within its lease), the leases it holds, what \
        it fetched and its latest failure.

        Exit status: 0; 1 the state cannot be read; 64 bad usage.
        """
    )

    @Option(help: "Harvest state (a SQLite file or postgres://…), as given to harvest --state.")
    var state = "nianbao-state.sqlite"

    @Option(help: "text (a table) or json (one object).")
    var format: String = "text"

    @Option(help: "How many of the latest runs to show.")
    var runs: Int = 5

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json (got \(format))") }
    }

    func run() throws {
        let shared = PostgresConnection.isURL(state)
        let label = shared ? PostgresConnection.redact(state) : state
        guard shared || FileManager.default.fileExists(atPath: state) else {
            stderr("nianbao: error: \(state): no such harvest state")
            throw ExitCode(1)
        }
        let status: HarvestState.Status
        do { status = try HarvestState(path: state).status(runs: runs) } catch {
            stderr("nianbao: error: \(label): \(error)")
            throw ExitCode(1)
        }
        // A shared state has no lock file: a worker whose heartbeat is fresh is running.
        let running = shared ? status.workers.contains { $0.state == "running" } : Self.harvestRunning(lock: state + ".lock")
        if format == "json" {
            func s(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
            let hosts: [JSONValue] = status.hosts.map { h in
                var o: JSONObject = ["host": .string(h.host), "reports": .int(h.reports), "listings": .int(h.listings), "fetched": .int(h.fetched),
                                     "captured": .int(h.captured), "normalized": .int(h.normalized), "disallowed": .int(h.disallowed), "failing": .int(h.failing),
                                     "last_attempt": s(h.lastAttempt), "last_error": s(h.lastError), "last_error_url": s(h.lastErrorURL)]
                if shared {
                    o["pending"] = .int(h.pending)
                    o["leased"] = .int(h.leased)
                    o["parked"] = .bool(h.parked)
                }
                return .object(o)
            }
            let runs: [JSONValue] = status.runs.map { r in
                let state = r.finished != nil ? "finished" : (running && r.id == status.runs.first?.id ? "running" : "interrupted")
                return .object(["run_id": .int(r.id), "started": .string(r.started), "finished": s(r.finished), "state": .string(state), "summary": s(r.summary)])
            }
            var root: JSONObject = ["state": .string(label), "harvest_running": .bool(running), "hosts": .array(hosts), "runs": .array(runs)]
            if shared {
                root["workers"] = .array(status.workers.map { w in
                    .object(["run_id": .int(w.run), "worker": .string(w.name), "machine": .string(w.machine), "state": .string(w.state),
                             "seconds_since_heartbeat": w.silence.map { .string(String(format: "%.1f", $0)) } ?? .null,
                             "leases": .int(w.leases), "fetched": .int(w.fetched), "last_error": s(w.lastError)])
                })
                root["sites"] = .array(status.sites.map { x in
                    .object(["site": .string(x.site), "reports": .int(x.reports), "listings": .int(x.listings), "pending": .int(x.pending),
                             "leased": .int(x.leased), "done": .int(x.done), "dropped": .int(x.dropped),
                             "parked_hosts": .array(x.parkedHosts.map { .string($0) }), "last_error": s(x.lastError)])
                })
                root["round"] = status.round.map { r in
                    .object(["round_id": .int(r.id), "finished": .bool(r.finished), "pending": .int(r.pending), "leased": .int(r.leased),
                             "done": .int(r.done), "dropped": .int(r.dropped)])
                } ?? .null
            }
            FileHandle.standardOutput.write(Data(CanonicalJSON.encode(.object(root))))
            return
        }
        var out = "\(label): \(running ? "a harvest is running" : "no harvest running"); \(status.hosts.count) hosts\n\n"
        var header = ["host", "reports", "listings", "fetched", "captured", "normalized", "robots", "failing"]
        if shared { header += ["pending", "leased", "parked"] }
        header += ["last attempt", "last failure"]
        var table = [header]
        for h in status.hosts {
            table.append([h.host, String(h.reports), String(h.listings), String(h.fetched), String(h.captured), String(h.normalized), String(h.disallowed), String(h.failing)]
                         + (shared ? [String(h.pending), String(h.leased), h.parked ? "parked" : ""] : [])
                         + [h.lastAttempt ?? "", h.lastError.map { "\($0) \(h.lastErrorURL ?? "")" } ?? ""])
        }
        out += Self.columns(table)
        if let r = status.round {
            out += "\nround \(r.id) (\(r.finished ? "finished" : "open")): \(r.pending) pending, \(r.leased) leased, \(r.done) done, \(r.dropped) dropped\n"
        }
        if shared {
            var sites = [["site", "reports", "listings", "pending", "leased", "done", "dropped", "parked hosts", "last failure"]]
            for x in status.sites {
                sites.append([x.site, String(x.reports), String(x.listings), String(x.pending), String(x.leased), String(x.done), String(x.dropped),
                              x.parkedHosts.joined(separator: " "), x.lastError ?? ""])
            }
            out += "\nsites (latest round):\n" + Self.columns(sites)
            var workers = [["run", "worker", "machine", "state", "heartbeat", "leases", "fetched", "last failure"]]
            for w in status.workers {
                workers.append([String(w.run), w.name, w.machine, w.state, w.silence.map { String(format: "%.0f s ago", $0) } ?? "", String(w.leases), String(w.fetched), w.lastError ?? ""])
            }
            out += "\nworkers (newest first):\n" + Self.columns(workers)
        }
        out += "\nruns (newest first):\n"
        for r in status.runs {
            let state = r.finished.map { "finished \($0)" } ?? (running && r.id == status.runs.first?.id ? "running" : "interrupted")
            out += "  \(r.id)  started \(r.started), \(state)\(r.summary.map { ": \($0)" } ?? "")\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// Rows as columns padded to their widest cell, two spaces apart (the last column unpadded).
    static func columns(_ table: [[String]]) -> String {
        let widths = table[0].indices.map { k in table.map { $0[k].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { k, v in k == row.count - 1 ? v : v.padding(toLength: widths[k], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "\n"
        }.joined()
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
