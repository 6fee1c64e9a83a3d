import NianbaoSQL
import NianbaoEncode
import NianbaoNormalize

/// The relational schema, as numbered migrations. A database records the migrations it has applied
/// in `nianbao_migrations`; opening it applies the missing ones in order, in one transaction each.
///
/// Tables (every one keyed by `report_id, version`; a new content digest for the same id is a new
/// version, earlier versions stay, `is_current = 1` marks the latest):
/// - `reports`: one row per report version: source, page, report facts, extractor, the record itself;
/// - `page_metadata`: the 信息公开 block, one row per key (arrays: one row per item, `ordinal`);
/// - `report_sections`: the six prose parts;
/// - `cells`: every table cell in long form: table, row path, column, value, status, raw, rule, candidates;
/// - `check_results` (with `check_definitions`: each check's formula and cells, kept once), `repairs`,
///   `warnings`: `quality` in long form; the view `checks` joins the first two.
/// - `report_cells_wide` (a table since schema 5, kept by the loads): one row per current report, one
///   column per canonical cell, named by ``WideColumns/name(rowPath:column:)``.
/// Views: `current_reports`, `report_copies`, `checks`.
public enum StoreSchema {
    /// The newest schema version.
    public static let latestVersion = 6

    static let bigint = "BIGINT"
    /// The key of every per-report table, and its reference to `reports` (a row-level foreign key in
    /// SQLite; PostgreSQL checks it per statement since schema 6, see ``postgresStatementLevelKeys()``).
    static let key = "report_id TEXT NOT NULL, version INTEGER NOT NULL"
    static let fk = "FOREIGN KEY (report_id, version) REFERENCES reports (report_id, version) ON DELETE CASCADE"

    /// The statements of migration `n` (1-based) for a dialect.
    public static func migration(_ n: Int, _ dialect: SQLDialect) -> [String] {
        switch n {
        case 1:
            // 1: base tables.
            return [
                """
                CREATE TABLE reports (
                  \(key), is_current INTEGER NOT NULL, content_sha256 TEXT NOT NULL,
                  url TEXT, retrieved_at TEXT, source_sha256 TEXT NOT NULL, input_format TEXT NOT NULL,
                  charset TEXT, charset_source TEXT, capture_warc TEXT, capture_offset \(bigint),
                  page_title TEXT, breadcrumb TEXT, title TEXT, year INTEGER, agency TEXT, template TEXT NOT NULL,
                  period_start TEXT, period_end TEXT, issued TEXT,
                  contact_organization TEXT, contact_address TEXT, contact_phone TEXT, contact_email TEXT,
                  extractor_version TEXT, libxml2_version TEXT, record_json TEXT NOT NULL,
                  PRIMARY KEY (report_id, version))
                """,
                "CREATE TABLE page_metadata (\(key), key TEXT NOT NULL, ordinal INTEGER NOT NULL, value TEXT, PRIMARY KEY (report_id, version, key, ordinal), \(fk))",
                "CREATE TABLE report_sections (\(key), section TEXT NOT NULL, text TEXT, PRIMARY KEY (report_id, version, section), \(fk))",
                """
                CREATE TABLE cells (\(key), table_name TEXT NOT NULL, row_path TEXT NOT NULL, column_name TEXT NOT NULL,
                  value NUMERIC, status TEXT NOT NULL, raw TEXT, rule TEXT, candidates TEXT,
                  PRIMARY KEY (report_id, version, table_name, row_path, column_name), \(fk))
                """,
                "CREATE TABLE checks (\(key), check_id TEXT NOT NULL, status TEXT NOT NULL, expected \(bigint), actual \(bigint), PRIMARY KEY (report_id, version, check_id), \(fk))",
                "CREATE TABLE repairs (\(key), ordinal INTEGER NOT NULL, path TEXT NOT NULL, raw TEXT NOT NULL, value TEXT NOT NULL, rule TEXT NOT NULL, PRIMARY KEY (report_id, version, ordinal), \(fk))",
                "CREATE TABLE warnings (\(key), ordinal INTEGER NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (report_id, version, ordinal), \(fk))",
            ]
        case 2:
            // 2: one current version per report enforced, lookup indexes, the current and wide views.
            return [
                "CREATE UNIQUE INDEX reports_one_current ON reports (report_id) WHERE is_current = 1",
                "CREATE INDEX reports_by_agency_year ON reports (agency, year)",
                "CREATE INDEX cells_by_cell ON cells (table_name, row_path, column_name)",
                "CREATE VIEW current_reports AS SELECT * FROM reports WHERE is_current = 1",
                wideViewSQL(dialect),
            ]
        case 3:
            // 3: index keys of page text bounded (a 1 MB agency broke PostgreSQL's btree row limit
            // and with it the whole load): the agency index keys its first 200 characters.
            let prefix = dialect == .postgres ? "left(agency, 200)" : "substr(agency, 1, 200)"
            return [
                "DROP INDEX reports_by_agency_year",
                "CREATE INDEX reports_by_agency_year ON reports ((\(prefix)), year)",
            ]
        case 4:
            // 4: record schema nianbao.report/2. Names that read right: 上年结转 is `brought_forward`
            // (was `carried_over`, which read like 结转下年度's `carried_forward`), 补正后仍不明确 is
            // `still_unclear`; the record digest is `record_sha256` and the input's `source_content_sha256`
            // (both were "content" digests); the wide view names a cell by its path under its table (one
            // name per cell everywhere) and lists the failing check ids; checks carry their formula, cells
            // and message; reports say which local file they came from. PostgreSQL gets a comment on every
            // table, view and column.
            var statements = [
                "DROP VIEW report_cells_wide",
                "DROP VIEW current_reports",
                "ALTER TABLE reports RENAME COLUMN content_sha256 TO record_sha256",
                "ALTER TABLE reports RENAME COLUMN source_sha256 TO source_content_sha256",
                "ALTER TABLE reports ADD COLUMN source_path TEXT",
                "ALTER TABLE reports ADD COLUMN source_file_name TEXT",
                "ALTER TABLE checks ADD COLUMN formula TEXT",
                "ALTER TABLE checks ADD COLUMN cells TEXT",
                "ALTER TABLE checks ADD COLUMN message_zh TEXT",
                "ALTER TABLE checks ADD COLUMN message_en TEXT",
            ]
            for (old, new) in RecordUpgrade.renamedPaths {
                let oldRow = String(old.dropFirst("tables.applications.".count)), newRow = String(new.dropFirst("tables.applications.".count))
                statements.append("UPDATE cells SET row_path = '\(newRow)' WHERE table_name = 'applications' AND row_path = '\(oldRow)'")
                statements.append("UPDATE checks SET check_id = 'applications.row_total.\(newRow)' WHERE check_id = 'applications.row_total.\(oldRow)'")
            }
            // Reports across copies: one current record per report key (agency key + year + template),
            // copies with the same tables kept beside it, versions' differences listed; cross-year checks.
            statements += [
                "ALTER TABLE reports ADD COLUMN agency_key TEXT",
                "ALTER TABLE reports ADD COLUMN agency_key_source TEXT",
                "ALTER TABLE reports ADD COLUMN report_key TEXT",
                "ALTER TABLE reports ADD COLUMN tables_sha256 TEXT",
                "UPDATE reports SET report_key = 'id:' || report_id",
                "DROP INDEX reports_one_current",
                "CREATE UNIQUE INDEX reports_one_current ON reports (report_key) WHERE is_current = 1",
                "CREATE INDEX reports_by_report_key ON reports (report_key)",
                "CREATE INDEX reports_by_agency_key ON reports (agency_key, year)",
                """
                CREATE TABLE report_differences (report_key TEXT NOT NULL, report_id TEXT NOT NULL, version INTEGER NOT NULL,
                  previous_report_id TEXT NOT NULL, previous_version INTEGER NOT NULL, path TEXT NOT NULL, value TEXT, previous_value TEXT,
                  PRIMARY KEY (report_id, version, previous_report_id, previous_version, path))
                """,
                """
                CREATE TABLE cross_year_checks (agency_key TEXT NOT NULL, year INTEGER NOT NULL, next_year INTEGER, check_id TEXT NOT NULL,
                  expected \(bigint), actual \(bigint), status TEXT NOT NULL, message_zh TEXT NOT NULL, message_en TEXT NOT NULL,
                  report_id TEXT, next_report_id TEXT)
                """,
                "CREATE INDEX cross_year_checks_by_agency ON cross_year_checks (agency_key, year)",
            ]
            statements.append("CREATE VIEW current_reports AS SELECT * FROM reports WHERE is_current = 1")
            statements.append("""
                CREATE VIEW report_copies AS SELECT r.report_key, r.report_id, r.version, r.is_current, r.url, r.source_path, r.capture_warc,
                  r.capture_offset, r.retrieved_at, r.tables_sha256,
                  (SELECT c.report_id FROM reports c WHERE c.report_key = r.report_key AND c.is_current = 1) AS current_report_id,
                  CASE WHEN r.tables_sha256 = (SELECT c.tables_sha256 FROM reports c WHERE c.report_key = r.report_key AND c.is_current = 1)
                       THEN 1 ELSE 0 END AS same_tables_as_current
                FROM reports r WHERE r.version = (SELECT MAX(x.version) FROM reports x WHERE x.report_id = r.report_id)
                """)
            statements.append(wideViewSQL(dialect))
            if dialect == .postgres { statements += StoreDictionary.commentStatements(except: ["report_cells_wide", "checks", "check_results", "check_definitions"]) }
            return statements
        case 5:
            // 5: `report_cells_wide` becomes a table the loads keep (a row per current report; a view
            // pivoting `cells` on every query took 8.9 s to count 2,000 reports), with the agency key
            // and the cells that are not plainly reported (`flagged_cells`). Filled from the current
            // records by ``afterMigration(_:_:)``. The index of `cells` by cell goes: a query of one cell
            // across reports reads the wide table now, and keeping the index cost 15 % of every load.
            var statements = [
                "DROP VIEW report_cells_wide",
                "DROP INDEX cells_by_cell",
                wideTableSQL(),
                "CREATE INDEX report_cells_wide_by_year ON report_cells_wide (year, template)",
                "CREATE INDEX report_cells_wide_by_agency_key ON report_cells_wide (agency_key, year)",
            ]
            if dialect == .postgres { statements += StoreDictionary.commentStatements(only: ["report_cells_wide"]) }
            return statements
        case 6:
            // 6: a third less to write per load. A check's formula and cells depend only on its id and
            // the template (50 distinct over the 77,750 checks of 2,000 reports, 1.2 KB a row): they are
            // kept once in `check_definitions`; `check_results` keeps each report's outcome and message;
            // `checks` becomes a view with the columns the table had. In SQLite `cells` and
            // `check_results` are WITHOUT ROWID tables, stored in their primary key's order (a rowid
            // table kept the same keys twice: its rows and an index of the primary key).
            let clustered = dialect == .sqlite ? " WITHOUT ROWID" : ""
            let same = dialect == .sqlite ? "IS" : "IS NOT DISTINCT FROM"
            var statements = [
                "CREATE TABLE check_definitions (definition_id INTEGER PRIMARY KEY, check_id TEXT NOT NULL, formula TEXT, cells TEXT)",
                """
                INSERT INTO check_definitions (definition_id, check_id, formula, cells)
                  SELECT row_number() OVER (ORDER BY check_id, formula, cells), check_id, formula, cells
                  FROM (SELECT DISTINCT check_id, formula, cells FROM checks) d
                """,
                """
                CREATE TABLE check_results (\(key), check_id TEXT NOT NULL, status TEXT NOT NULL, expected \(bigint), actual \(bigint),
                  definition_id INTEGER NOT NULL REFERENCES check_definitions (definition_id), message_zh TEXT, message_en TEXT,
                  PRIMARY KEY (report_id, version, check_id), \(fk))\(clustered)
                """,
                """
                INSERT INTO check_results (report_id, version, check_id, status, expected, actual, definition_id, message_zh, message_en)
                  SELECT c.report_id, c.version, c.check_id, c.status, c.expected, c.actual, d.definition_id, c.message_zh, c.message_en
                  FROM checks c JOIN check_definitions d ON d.check_id = c.check_id AND d.formula \(same) c.formula AND d.cells \(same) c.cells
                """,
                "DROP TABLE checks",
                """
                CREATE VIEW checks AS SELECT r.report_id, r.version, r.check_id, r.status, r.expected, r.actual, d.formula, d.cells,
                  r.message_zh, r.message_en
                FROM check_results r JOIN check_definitions d ON d.definition_id = r.definition_id
                """,
            ]
            if dialect == .sqlite {
                statements += [
                    """
                    CREATE TABLE cells_clustered (\(key), table_name TEXT NOT NULL, row_path TEXT NOT NULL, column_name TEXT NOT NULL,
                      value NUMERIC, status TEXT NOT NULL, raw TEXT, rule TEXT, candidates TEXT,
                      PRIMARY KEY (report_id, version, table_name, row_path, column_name), \(fk)) WITHOUT ROWID
                    """,
                    """
                    INSERT INTO cells_clustered (report_id, version, table_name, row_path, column_name, value, status, raw, rule, candidates)
                      SELECT report_id, version, table_name, row_path, column_name, value, status, raw, rule, candidates FROM cells
                    """,
                    "DROP TABLE cells",
                    "ALTER TABLE cells_clustered RENAME TO cells",
                ]
            }
            if dialect == .postgres {
                statements += StoreDictionary.commentStatements(only: ["checks", "check_results", "check_definitions"])
                statements += postgresStatementLevelKeys()
                // The record's JSON compressed with lz4 where the server has it (pglz took a sixth of a load's server time).
                statements.append("""
                    DO $$ BEGIN ALTER TABLE reports ALTER COLUMN record_json SET COMPRESSION lz4;
                    EXCEPTION WHEN OTHERS THEN NULL; END $$
                    """)
            }
            return statements
        default:
            return []
        }
    }

    /// The tables whose rows belong to one report version (`report_id, version`).
    static let perReportTables = ["page_metadata", "report_sections", "cells", "check_results", "repairs", "warnings"]

    /// PostgreSQL (schema 6): the reference of each per-report table to `reports` checked once per
    /// statement instead of once per row. A row-level foreign key runs a query for every row a COPY
    /// writes: 40 % of a load's server time. The same rules hold: a row whose report version is not in
    /// `reports` is refused (`foreign_key_violation`), deleting a report version deletes its rows, and a
    /// report version's key cannot change while rows refer to it.
    static func postgresStatementLevelKeys() -> [String] {
        var out = ["""
            CREATE FUNCTION nianbao_rows_have_report() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM added a WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.report_id = a.report_id AND r.version = a.version)) THEN
                RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                  MESSAGE = format('%s: a row refers to a report version that is not in reports', TG_TABLE_NAME);
              END IF;
              RETURN NULL;
            END $$
            """]
        var deletes: [String] = [], references: [String] = []
        for t in perReportTables {
            out.append("""
                DO $$ DECLARE c text; BEGIN
                  FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = '\(t)'::regclass AND contype = 'f' AND confrelid = 'reports'::regclass LOOP
                    EXECUTE format('ALTER TABLE \(t) DROP CONSTRAINT %I', c);
                  END LOOP;
                END $$
                """)
            for event in ["INSERT", "UPDATE"] {
                out.append("CREATE TRIGGER \(t)_have_report_on_\(event.lowercased()) AFTER \(event) ON \(t) REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION nianbao_rows_have_report()")
            }
            deletes.append("DELETE FROM \(t) x USING gone g WHERE x.report_id = g.report_id AND x.version = g.version;")
            references.append("SELECT report_id, version FROM \(t)")
        }
        out.append("""
            CREATE FUNCTION nianbao_delete_report_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              \(deletes.joined(separator: "\n  "))
              RETURN NULL;
            END $$
            """)
        out.append("CREATE TRIGGER reports_delete_rows AFTER DELETE ON reports REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION nianbao_delete_report_rows()")
        out.append("""
            CREATE FUNCTION nianbao_report_keys_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM old_reports b
                         WHERE NOT EXISTS (SELECT 1 FROM reports r WHERE r.report_id = b.report_id AND r.version = b.version)
                           AND (b.report_id, b.version) IN (\(references.joined(separator: " UNION ALL ")))) THEN
                RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation', MESSAGE = 'reports: a report version that rows refer to cannot change its key';
              END IF;
              RETURN NULL;
            END $$
            """)
        out.append("CREATE TRIGGER reports_keys_kept AFTER UPDATE ON reports REFERENCING OLD TABLE AS old_reports FOR EACH STATEMENT EXECUTE FUNCTION nianbao_report_keys_kept()")
        return out
    }

    /// Work of migration `n` that is not one SQL statement: 5 writes the wide row of every current record.
    static func afterMigration(_ n: Int, _ c: SQLConnection) throws {
        guard n == 5 else { return }
        var rows: [[SQLValue]] = []
        for row in try c.query("SELECT record_json, version FROM reports WHERE is_current = 1", []) {
            guard let json = row[0], let version = row[1].flatMap({ Int($0) }) else { continue }
            let record = try LoadableRecord(record: try JSONParser.parse(Array(json.utf8)))
            rows.append(Batch.wideRow(record, version: version))
            if rows.count >= 1000 {
                try c.bulkInsert("report_cells_wide", columns: RecordStore.wideColumnNames, rows: rows)
                rows = []
            }
        }
        try c.bulkInsert("report_cells_wide", columns: RecordStore.wideColumnNames, rows: rows)
    }

    /// `report_cells_wide` as a table (schema 5).
    static func wideTableSQL() -> String {
        var cols = ["report_id TEXT PRIMARY KEY", "version INTEGER NOT NULL", "url TEXT", "agency TEXT", "agency_key TEXT", "year INTEGER", "template TEXT",
                    "period_start TEXT", "period_end TEXT", "issued TEXT", "title TEXT", "checks_failed INTEGER NOT NULL", "failing_checks TEXT", "flagged_cells TEXT"]
        precondition(cols.map { String($0.split(separator: " ")[0]) } == WideColumns.reportColumns)
        for c in WideColumns.cells { cols.append("\"\(c.name)\" NUMERIC") }
        return "CREATE TABLE report_cells_wide (\(cols.joined(separator: ", ")))"
    }

    /// `report_cells_wide` of schemas 2–4: a pivot of `cells` over the current reports (its columns as they were then).
    static func wideViewSQL(_ dialect: SQLDialect) -> String {
        let failing = "FROM checks k WHERE k.report_id = r.report_id AND k.version = r.version AND k.status = 'fail'"
        // The ids in check-id order (SQLite reads them along the primary key, which orders them so).
        let list = dialect == .postgres ? "(SELECT string_agg(k.check_id, ' ' ORDER BY k.check_id) \(failing))"
                                        : "(SELECT group_concat(k.check_id, ' ') \(failing))"
        var cols = ["r.report_id", "r.version", "r.url", "r.agency", "r.year", "r.template", "r.period_start", "r.period_end",
                    "r.issued", "r.title",
                    "(SELECT COUNT(*) \(failing)) AS checks_failed", "\(list) AS failing_checks"]
        for c in WideColumns.cells {
            cols.append("MAX(CASE WHEN c.table_name = '\(c.table)' AND c.row_path = '\(c.rowPath)' AND c.column_name = '\(c.column)' THEN c.value END) AS \"\(c.name)\"")
        }
        return """
        CREATE VIEW report_cells_wide AS SELECT \(cols.joined(separator: ",\n  "))
        FROM reports r LEFT JOIN cells c ON c.report_id = r.report_id AND c.version = r.version
        WHERE r.is_current = 1
        GROUP BY r.report_id, r.version, r.url, r.agency, r.year, r.template, r.period_start, r.period_end, r.issued, r.title
        """
    }
}
