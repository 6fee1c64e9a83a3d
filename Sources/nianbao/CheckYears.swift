import ArgumentParser
import Foundation
import NianbaoEncode
import NianbaoNormalize
import NianbaoStore

struct CheckYears: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-years",
        abstract: "Check each agency's reports across years: carry-over continuity, 现行有效件数 stock, template, missing and doubled years.",
        discussion: """
        Reads the current report of every report key in a database (sqlite:PATH or postgres://…), \
        groups them by report.agency_key and checks consecutive years: carry_over.<column> (year N's \
        四、结转下年度继续办理 = year N+1's 二、上年结转; fail), stock.rules and stock.normative_documents \
        (N's 现行有效件数 + N+1's 本年制发 − 本年废止 = N+1's 现行有效件数; warn), template.year (warn), \
        years.missing (warn) and year.published_twice (warn). The results replace the table \
        cross_year_checks (every load into a database also does this) and go to stdout as NDJSON, one \
        object per check: agency_key, year, next_year, check_id, expected, actual, status, message \
        (Chinese), message_en, report_id, next_report_id.

        Exit status: 0 no check fails; 1 some carry-over check fails (warnings do not count), or the \
        database could not be read; 64 bad usage.
        """
    )

    @Argument(help: "The database: sqlite:PATH or postgres://….")
    var database: String

    @Flag(help: "Print only the checks that do not pass (fail, warn, not_assessable).")
    var problemsOnly = false

    func run() throws {
        let spec: SinkSpec
        do { spec = try SinkSpec(parsing: database) } catch { throw ValidationError("\(error)") }
        let store: RecordStore
        do {
            switch spec {
            case .sqlite(let path):
                guard FileManager.default.fileExists(atPath: path) else { throw StoreError.badSink("no such database file") }
                store = try RecordStore.sqlite(path: path)
            case .postgres(let url): store = try RecordStore.postgres(url: url)
            default: throw ValidationError("check-years reads a database: sqlite:PATH or postgres://…")
            }
        } catch let e as ValidationError {
            throw e
        } catch {
            stderr("nianbao: error: \(spec): \(error)")
            throw ExitCode(1)
        }
        let checks: [CrossYearCheck]
        do { checks = try store.checkYears() } catch {
            stderr("nianbao: error: \(spec): \(error)")
            throw ExitCode(1)
        }
        var out = [UInt8]()
        for c in checks where !problemsOnly || c.status != "pass" {
            let object: JSONObject = [
                "agency_key": .string(c.agencyKey), "year": .int(c.year), "next_year": .num(c.nextYear), "check_id": .string(c.checkID),
                "expected": .num(c.expected), "actual": .num(c.actual), "status": .string(c.status), "message": .string(c.messageZh),
                "message_en": .string(c.messageEn), "report_id": .str(c.reportID), "next_report_id": .str(c.nextReportID),
            ]
            out += CanonicalJSON.encode(.object(object))
            if out.count > 1 << 20 { FileHandle.standardOutput.write(Data(out)); out = [] }
        }
        FileHandle.standardOutput.write(Data(out))
        let failing = checks.filter { $0.status == "fail" }.count
        let warnings = checks.filter { $0.status == "warn" }.count
        let agencies = Set(checks.map(\.agencyKey)).count
        stderr("nianbao: check-years: \(checks.count) checks over \(agencies) agencies, \(failing) failing, \(warnings) warnings, \(checks.filter { $0.status == "not_assessable" }.count) not assessable")
        if failing > 0 { throw ExitCode(1) }
    }
}
