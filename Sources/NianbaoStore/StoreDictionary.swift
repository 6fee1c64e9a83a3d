import NianbaoNormalize
import NianbaoEncode

/// What every table, view and column of the stores means, in English and Chinese: PostgreSQL's
/// `COMMENT ON` statements and datasette's `metadata.json` are both made from it, and the record
/// fields' words come from ``RecordDictionary`` (so the stores and the record cannot say different things).
public enum StoreDictionary {
    /// One table or view: its name, description and columns (name, description) in table order.
    public struct Relation: Sendable {
        /// Table or view name.
        public let name: String
        /// True for a view.
        public let isView: Bool
        /// What one row is.
        public let description: String
        /// Each column with its description.
        public let columns: [(name: String, description: String)]
    }

    static func field(_ path: String) -> String {
        RecordDictionary.field(path)?.summary ?? path
    }

    static let key: [(String, String)] = [
        ("report_id", "record id (记录编号): `id` of the record"),
        ("version", "version of the report (版本): 1 for the first load, +1 for each changed record of the same id"),
    ]

    /// The columns of `reports` (and `current_reports`).
    static let reportColumns: [(String, String)] = key + [
        ("is_current", "1 for the latest version of the report, 0 for earlier ones (是否当前版本)"),
        ("record_sha256", "SHA-256 of the record's canonical bytes: a new digest for the same id is a new version (记录摘要)"),
        ("url", field("source.url")),
        ("retrieved_at", field("source.retrieved_at")),
        ("source_content_sha256", field("source.content_sha256")),
        ("source_path", field("source.path")),
        ("source_file_name", field("source.file_name")),
        ("input_format", field("source.input_format")),
        ("charset", field("source.charset")),
        ("charset_source", field("source.charset_source")),
        ("capture_warc", field("source.capture.warc")),
        ("capture_offset", field("source.capture.offset")),
        ("page_title", field("page.title")),
        ("breadcrumb", field("page.breadcrumb") + ", as a JSON array"),
        ("title", field("report.title")),
        ("year", field("report.year")),
        ("agency", field("report.agency")),
        ("template", field("report.template")),
        ("period_start", field("report.period.start")),
        ("period_end", field("report.period.end")),
        ("issued", field("report.issued")),
        ("contact_organization", field("report.contact.organization")),
        ("contact_address", field("report.contact.address")),
        ("contact_phone", field("report.contact.phone")),
        ("contact_email", field("report.contact.email")),
        ("agency_key", field("report.agency_key")),
        ("agency_key_source", field("report.agency_key_source")),
        ("report_key", field("report.report_key") + "; `id:<report_id>` when the record has none, so it is never null here"),
        ("tables_sha256", "SHA-256 of the record's canonical `tables`: copies of one report with equal digests have the same tables (表格摘要)"),
        ("extractor_version", field("extractor.version")),
        ("libxml2_version", field("extractor.libxml2")),
        ("record_json", "the whole canonical record, one line of JSON (完整记录)"),
    ]

    /// Every table and view of the schema at ``StoreSchema/latestVersion``.
    public static let relations: [Relation] = {
        var out: [Relation] = []
        out.append(Relation(name: "reports", isView: false, description: "one row per report version (每份报告每个版本一行)", columns: reportColumns))
        out.append(Relation(name: "page_metadata", isView: false, description: "the page's 信息公开 block, one row per value (信息公开目录信息)", columns: key + [
            ("key", "the field under `page.metadata` (`index_number` …; `other.<label>` for other labels; 字段)"),
            ("ordinal", "position of the item for `topics` and `keywords`, else 0 (序号)"),
            ("value", "the value as read (值)"),
        ]))
        out.append(Relation(name: "report_sections", isView: false, description: "the prose of the six parts, one row per part (报告正文)", columns: key + [
            ("section", "`overview`, `proactive`, `applications`, `review_litigation`, `problems`, `other_matters` (部分)"),
            ("text", "the part's prose without its table (正文)"),
        ]))
        out.append(Relation(name: "cells", isView: false, description: "every table cell in long form; its record path is tables.<table_name>.<row_path>.<column_name> (统计表单元格)", columns: key + [
            ("table_name", "`proactive` (表二), `applications` (表三) or `review_litigation` (表四) (表)"),
            ("row_path", "the row's path under its table, e.g. `outcome.denied.state_secret`, `brought_forward` (行)"),
            ("column_name", "the column, e.g. `natural_person`, `total`, `issued` (列)"),
            ("value", "the value: a count, or 万元 for money; null when missing or ambiguous (数值)"),
            ("status", "reported, converted, inferred, blank_as_zero, segmented, ambiguous, missing, or derived for subtotals (状态)"),
            ("raw", "the text on the page the value came from (原文)"),
            ("rule", "why the cell has its status (规则)"),
            ("candidates", "for ambiguous cells: the values the page allows, as a JSON array (候选值)"),
        ]))
        out.append(Relation(name: "check_results", isView: false, description: "every identity of the template checked, one row per check: its outcome and message; its formula is in check_definitions, the view checks has both (勾稽核对结果)", columns: key + [
            ("check_id", field("quality.checks[].id")),
            ("status", field("quality.checks[].status")),
            ("expected", field("quality.checks[].expected")),
            ("actual", field("quality.checks[].actual")),
            ("definition_id", "the check's formula and cells: check_definitions.definition_id (核对公式编号)"),
            ("message_zh", field("quality.checks[].message.zh")),
            ("message_en", field("quality.checks[].message.en")),
        ]))
        out.append(Relation(name: "check_definitions", isView: false, description: "the formula and cells of each check, kept once: they depend only on the check id and the template (核对公式)", columns: [
            ("definition_id", "number of the definition, referred to by check_results.definition_id (核对公式编号)"),
            ("check_id", field("quality.checks[].id")),
            ("formula", field("quality.checks[].formula")),
            ("cells", field("quality.checks[].cells") + ", as a JSON array"),
        ]))
        out.append(Relation(name: "checks", isView: true, description: "every identity of the template checked, one row per check (勾稽核对): check_results with the formula and cells of check_definitions", columns: key + [
            ("check_id", field("quality.checks[].id")),
            ("status", field("quality.checks[].status")),
            ("expected", field("quality.checks[].expected")),
            ("actual", field("quality.checks[].actual")),
            ("formula", field("quality.checks[].formula")),
            ("cells", field("quality.checks[].cells") + ", as a JSON array"),
            ("message_zh", field("quality.checks[].message.zh")),
            ("message_en", field("quality.checks[].message.en")),
        ]))
        out.append(Relation(name: "repairs", isView: false, description: "repairs of values other than cells, one row per repair (修复记录)", columns: key + [
            ("ordinal", "position in `quality.repairs` (序号)"),
            ("path", field("quality.repairs[].path")),
            ("raw", field("quality.repairs[].raw")),
            ("value", field("quality.repairs[].value")),
            ("rule", field("quality.repairs[].rule")),
        ]))
        out.append(Relation(name: "warnings", isView: false, description: "what a reviewer should look at, one row per warning (提示)", columns: key + [
            ("ordinal", "position in `quality.warnings` (序号)"),
            ("code", field("quality.warnings[].code")),
            ("message", field("quality.warnings[].message")),
        ]))
        out.append(Relation(name: "report_differences", isView: false, description: "the cells in which a report's current record differs from the copy with other tables it replaced (版本差异)", columns: [
            ("report_key", field("report.report_key")),
            ("report_id", "the record that became current (记录编号)"),
            ("version", "its version (版本)"),
            ("previous_report_id", "the record it replaced as current (被替换的记录)"),
            ("previous_version", "that record's version (被替换的版本)"),
            ("path", "the cell's record path (单元格路径)"),
            ("value", "the value in the new current record, as text; null when null (新值)"),
            ("previous_value", "the value in the replaced record (原值)"),
        ]))
        out.append(Relation(name: "cross_year_checks", isView: false, description: "checks across the years of one agency, computed after every load (跨年度核对)", columns: [
            ("agency_key", field("report.agency_key")),
            ("year", "the year checked; the earlier year of a pair, the missing year for years.missing (年度)"),
            ("next_year", "the later year of a pair (下一年度)"),
            ("check_id", "carry_over.<column>, stock.rules, stock.normative_documents, template.year, years.missing, year.published_twice (核对编号)"),
            ("expected", "what the identity says (应有值)"),
            ("actual", "what the later report says (实际值)"),
            ("status", "pass, fail (carry-over), warn (soft checks), not_assessable (核对结果)"),
            ("message_zh", "the check in Chinese (中文说明)"),
            ("message_en", "the check in English (英文说明)"),
            ("report_id", "the report of year (该年度记录)"),
            ("next_report_id", "the report of next_year (下一年度记录)"),
        ]))
        out.append(Relation(name: "nianbao_migrations", isView: false, description: "the schema migrations applied to this database (数据库结构版本)", columns: [
            ("version", "migration number (迁移编号)"),
            ("description", "what it is (说明)"),
        ]))
        out.append(Relation(name: "current_reports", isView: true, description: "the current version of every report: `reports` where is_current = 1 (当前版本)", columns: reportColumns))
        out.append(Relation(name: "report_copies", isView: true, description: "every source of every report: the latest version of each record id, by report key (报告的各个来源)", columns: [
            ("report_key", field("report.report_key")), ("report_id", "record id (记录编号)"), ("version", "the record's latest version (版本)"),
            ("is_current", "1 for the report's current record (是否当前)"), ("url", field("source.url")), ("source_path", field("source.path")),
            ("capture_warc", field("source.capture.warc")), ("capture_offset", field("source.capture.offset")), ("retrieved_at", field("source.retrieved_at")),
            ("tables_sha256", "SHA-256 of the record's tables (表格摘要)"), ("current_report_id", "the report's current record (当前记录)"),
            ("same_tables_as_current", "1 when this source's tables equal the current record's: a copy; 0: another version (与当前记录表格相同)"),
        ]))
        var wide: [(String, String)] = [
            ("report_id", "record id (记录编号)"), ("version", "the current version (版本)"), ("url", field("source.url")),
            ("agency", field("report.agency")), ("agency_key", field("report.agency_key")), ("year", field("report.year")), ("template", field("report.template")),
            ("period_start", field("report.period.start")), ("period_end", field("report.period.end")), ("issued", field("report.issued")),
            ("title", field("report.title")), ("checks_failed", "how many checks fail (未通过的核对数)"),
            ("failing_checks", "the ids of the failing checks, separated by spaces (未通过的核对)"),
            ("flagged_cells", "the cells that are not plainly reported, as `name:status` separated by spaces, e.g. `new_received.total:inferred` (非原表填报的单元格)"),
        ]
        for c in WideColumns.cells { wide.append((c.name, field("tables.\(c.table).\(c.name)"))) }
        out.append(Relation(name: "report_cells_wide", isView: false, description: "one row per current report, one column per cell of either template, named by its path under its table; kept by every load (宽表)", columns: wide))
        return out
    }()

    /// PostgreSQL `COMMENT ON` statements for every table, view and column (`only` those relations,
    /// or all `except` those: migration 4 comments all but the wide table of migration 5).
    public static func commentStatements(only: Set<String>? = nil, except: Set<String> = []) -> [String] {
        func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var out: [String] = []
        for r in relations where (only?.contains(r.name) ?? true) && !except.contains(r.name) {
            out.append("COMMENT ON \(r.isView ? "VIEW" : "TABLE") \(r.name) IS \(literal(r.description))")
            for c in r.columns { out.append("COMMENT ON COLUMN \(r.name).\"\(c.name)\" IS \(literal(c.description))") }
        }
        return out
    }

    /// datasette's metadata for a database named `database` (the SQLite file name without `.db`/`.sqlite`):
    /// a title, a description and every table's and column's description.
    public static func datasetteMetadata(database: String) -> [UInt8] {
        var tables = JSONObject()
        for r in relations {
            var columns = JSONObject()
            for c in r.columns { columns[c.name] = .string(c.description) }
            tables[r.name] = .object(["description": .string(r.description), "columns": .object(columns)])
        }
        let db: JSONObject = ["description": .string("nianbao records: 政府信息公开工作年度报告, one row per report version; see docs/record.md"),
                              "tables": .object(tables)]
        let root: JSONObject = ["title": .string("nianbao 年报"), "databases": .object([database: .object(db)])]
        return CanonicalJSON.encode(.object(root))
    }
}
