/// One field of the record, as the dictionary (`docs/record.md`, the JSON Schema's descriptions, the
/// stores' comments) describes it.
public struct FieldDescription: Sendable, Equatable {
    /// Dotted path from the record's root; `[]` marks the items of an array, `<label>` an open key.
    public let path: String
    /// JSON type(s), e.g. `integer|null`.
    public let type: String
    /// Unit of a number, when it has one (`件`, `万元`).
    public let unit: String?
    /// The Chinese label: as the template prints it (`2021: 本年制发件数 · 2019: 本年新制作数量` when
    /// the templates differ), or a plain Chinese name for fields no template prints.
    public let chinese: String
    /// The meaning in English.
    public let english: String
    /// The templates whose records have the field (`2021`, `2019`, or `all`).
    public let templates: String
    /// How the value is filled.
    public let filled: String

    /// `english（chinese）`, the form descriptions take in the JSON Schema and the stores.
    public var summary: String { "\(english) (\(chinese))" }
}

/// A named value of the record's vocabulary: a cell status, a rule, a check id, a warning code.
public struct DictionaryTerm: Sendable, Equatable {
    /// The value as the record writes it (a pattern such as `applications.row_total.<row>` for check ids).
    public let name: String
    /// What it means, in English.
    public let english: String
    /// Its Chinese name.
    public let chinese: String
    /// An example from a record.
    public let example: String
}

/// The record's own dictionary: every field, status, rule, check and warning, generated from the
/// template declarations where the record's shape comes from them (so a declared row or column
/// cannot lack an entry). `nianbao dictionary` prints it; `docs/record.md` is its Markdown.
public enum RecordDictionary {
    /// How table cells are filled (the same for every numeric cell).
    static let cellFilling = "read from the page; or converted, inferred, blank_as_zero, segmented (see `quality.cells`); else null as missing or ambiguous"

    /// Every field of the record, in record order.
    public static let fields: [FieldDescription] = {
        var out: [FieldDescription] = []
        func f(_ path: String, _ type: String, _ zh: String, _ en: String, _ filled: String, unit: String? = nil, templates: String = "all") {
            out.append(FieldDescription(path: path, type: type, unit: unit, chinese: zh, english: en, templates: templates, filled: filled))
        }
        f("schema", "string", "记录格式版本", "record schema id: `\(Normalizer.schemaID)`", "constant")
        f("id", "string", "记录编号", "record id: first 20 hex digits of SHA-256 of the source URL, or of the input bytes when there is no URL", "computed")
        f("source", "object", "来源", "where the input came from", "pipeline")
        f("source.url", "string|null", "原文链接", "the page's URL (sidecar, WARC capture, `--url`, or a crawled copy's 原文链接)", "pipeline")
        f("source.retrieved_at", "string|null", "抓取时间", "when the page was fetched, ISO 8601 UTC (from the capture or sidecar)", "pipeline")
        f("source.content_sha256", "string", "原始内容摘要", "SHA-256 (hex) of the raw input bytes as read (not of the record)", "computed")
        f("source.input_format", "string", "输入格式", "`html` or `text` (flattened or crawled text copy)", "detected")
        f("source.charset", "string", "字符集", "the charset the input was decoded with", "detected")
        f("source.charset_source", "string", "字符集来源", "where the charset came from: `bom`, `http-header`, `meta`, `detected`, `assumed`", "detected")
        f("source.capture", "object|null", "存档位置", "the WARC capture the page was read from", "pipeline")
        f("source.capture.warc", "string", "WARC文件名", "WARC file name (no directory)", "pipeline")
        f("source.capture.offset", "integer", "WARC偏移量", "byte offset of the record's gzip member in the WARC file", "pipeline", unit: "byte")
        f("source.path", "string|null", "本地文件路径", "the local file the page was read from, as given on the command line (null for captures and fetches)", "pipeline")
        f("source.file_name", "string|null", "本地文件名", "the last component of `source.path`", "pipeline")
        f("page", "object", "网页", "what the page itself says around the report", "read")
        f("page.title", "string|null", "网页标题", "the page's own heading (`<title>` without the site suffix, or the crawler's 标题)", "read")
        f("page.breadcrumb", "array", "当前位置", "the breadcrumb after 当前位置, one item per level", "read")
        f("page.breadcrumb[]", "string", "当前位置层级", "one breadcrumb level", "read")
        f("page.metadata", "object", "信息公开目录信息", "the 信息公开 block (索引号, 发布机构 …) or the crawler's header fields", "read")
        for (key, fallback, en, type) in metadataFields {
            // The labels the block is read by, so the dictionary names every label the reader knows.
            let labels = PageText.metadataLabels.filter { $0.key == key }.map(\.label).sorted()
            let zh = labels.isEmpty ? fallback : labels.joined(separator: " / ")
            f("page.metadata.\(key)", type, zh, en, key.hasSuffix("_date") ? "read; dates repaired to YYYY-MM[-DD]" : "read")
        }
        f("page.metadata.topics[]", "string", "主题分类项", "one topic", "read")
        f("page.metadata.keywords[]", "string", "关键词项", "one keyword", "read")
        f("page.metadata.other.<label>", "string|null", "其他字段", "any other label of the block, keyed as written", "read")
        f("report", "object", "报告", "the report's facts", "read")
        f("report.title", "string|null", "报告标题", "report title, e.g. 2023年政府信息公开工作年度报告", "read")
        f("report.year", "integer|null", "报告年度", "the year the statistics cover (statistics period, else the title)", "read")
        f("report.agency", "string|null", "报告机关", "the reporting body as the page names it", "read")
        f("report.agency_key", "string|null", "机关标识", "a stable key of the reporting body: `org:<组织机构代码>` from the 索引号 or 统一社会信用代码 (check character verified), else `name:<host>/<normalised name>`, else `name:<name>` for a name that says where the body is; null without evidence", "computed")
        f("report.agency_key_source", "string|null", "机关标识来源", "the evidence of `agency_key`: `index_number.org_code`, `index_number.uscc`, `metadata.code`, `host+name`, `name`", "computed")
        f("report.report_key", "string|null", "报告标识", "`<agency_key>|<year>|<template>`: copies of one report (mirrors, saved files, captures) share it; null without an agency key or a year", "computed")
        f("report.template", "string", "报告模板", "`2021` (国办公开办函〔2021〕30号), `2019` (〔2019〕60号), `pre2019`, `unknown`: decided from the table labels, not the year", "detected")
        f("report.period", "object", "统计期限", "the statistics period", "read")
        f("report.period.start", "string|null", "统计期限起", "first day, YYYY-MM-DD", "read; repaired when separators were lost (`quality.repairs`)")
        f("report.period.end", "string|null", "统计期限止", "last day, YYYY-MM-DD", "read; repaired when separators were lost (`quality.repairs`)")
        f("report.issued", "string|null", "成文日期", "the signature date at the end of the report (YYYY-MM or YYYY-MM-DD)", "read; repaired as above")
        f("report.contact", "object", "联系方式", "who to ask about the report", "read")
        f("report.contact.organization", "string|null", "联系单位", "contact organisation", "read")
        f("report.contact.address", "string|null", "联系地址", "contact address", "read")
        f("report.contact.phone", "string|null", "联系电话", "contact phone", "read")
        f("report.contact.email", "string|null", "电子邮箱", "contact e-mail", "read")
        f("report.sections", "object", "报告正文", "the prose of the six parts, without the tables", "read")
        for s in SectionKind.allCases {
            f("report.sections.\(s.rawValue)", "string|null", s.heading, s.english, "read")
        }
        f("tables", "object", "统计表", "the national tables (null for pre2019 reports)", "read")
        // 表二, from both templates' declarations.
        f("tables.proactive", "object|null", "二、主动公开政府信息情况", "table 2: proactive disclosure (null for pre2019 and unknown templates)", "read", templates: "2021, 2019")
        var proactive: [(block: String, column: String?)] = []
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            for row in t.proactive {
                if !proactive.contains(where: { $0.block == row.block && $0.column == nil }) { proactive.append((row.block, nil)) }
                for c in row.columns where !proactive.contains(where: { $0.block == row.block && $0.column == c }) { proactive.append((row.block, c)) }
            }
        }
        for (block, column) in proactive {
            var labels: [(String, String)] = [], english = "", unit: String? = nil, money = false, signed = false
            for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
                guard let row = t.proactive.first(where: { $0.block == block }) else { continue }
                if let column {
                    guard let k = row.columns.firstIndex(of: column) else { continue }
                    labels.append((t.kind.rawValue, row.label + " · " + row.columnLabels[k]))
                    english = row.english + ": " + row.columnEnglish[k]
                    money = money || row.kinds[k] == .moneyWanYuan
                    signed = signed || row.kinds[k] == .signedCount
                } else {
                    labels.append((t.kind.rawValue, row.label))
                    english = row.english
                }
            }
            if column != nil { unit = money ? "万元" : "件" }
            let type = column == nil ? "object" : (money ? "number|null" : "integer|null")
            let filled = column == nil ? "read" : cellFilling + (money ? "; 元 converted to 万元 (`unit.yuan_to_wan_yuan`)" : "") + (signed ? "; signed (`+19`, `减4`)" : "")
            f("tables.proactive.\(block)" + (column.map { "." + $0 } ?? ""), type, joinLabels(labels), english, filled, unit: unit,
              templates: labels.map(\.0).joined(separator: ", "))
        }
        // 表三.
        f("tables.applications", "object|null", "三、收到和处理政府信息公开申请情况", "table 3: applications received and handled; every row has the seven applicant columns", "read", templates: "2021, 2019")
        // Each row with its label per template and the templates in which it is derived (a subtotal).
        var rows: [(path: String, zh: [(String, String)], en: String, derivedIn: [String])] = []
        func addRow(_ path: String, _ template: String, _ zh: String, _ en: String, derived: Bool) {
            let i = rows.firstIndex(where: { $0.path == path }) ?? { rows.append((path, [], en, [])); return rows.count - 1 }()
            if !rows[i].zh.contains(where: { $0.0 == template }) { rows[i].zh.append((template, zh)) }
            if derived { rows[i].derivedIn.append(template) }
        }
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            let kind = t.kind.rawValue
            for spec in t.applications {
                // Group objects before their first row.
                if spec.path.count > 1 {
                    for depth in 1..<spec.path.count {
                        let key = spec.path[depth - 1]
                        guard let g = ReportTemplate.groups.first(where: { $0.key == key }) else { continue }
                        addRow(spec.path[..<depth].joined(separator: "."), kind, g.label, g.english, derived: false)
                    }
                }
                let groupLabel = spec.group.flatMap { g in g == "outcome" ? nil : ReportTemplate.groups.first { $0.key == g }?.label }
                addRow(spec.dotted, kind, (groupLabel.map { $0 + " › " } ?? "") + spec.label, spec.english, derived: false)
            }
            for sub in t.applicationsSubtotals {
                let group = ReportTemplate.groups.first { $0.key == sub.path[sub.path.count - 2] }!
                addRow(sub.path.joined(separator: "."), kind, group.label + " 小计（由各项相加）", group.english + ", subtotal (sum of its items)", derived: true)
            }
        }
        let derivedFilling = "derived: the sum of the group's items when all are known, else null; never in `quality.cells`"
        for row in rows {
            let base = "tables.applications.\(row.path)"
            let isCellRow = ReportTemplate.t2021.applications.contains { $0.dotted == row.path } || ReportTemplate.t2019.applications.contains { $0.dotted == row.path } || !row.derivedIn.isEmpty
            let templates = row.zh.map(\.0).joined(separator: ", ")
            f(base, "object", joinLabels(row.zh), row.en, row.derivedIn.isEmpty ? "read" : "derived", templates: templates)
            guard isCellRow else { continue }
            let filled = row.derivedIn.isEmpty ? cellFilling
                : (row.derivedIn.count == row.zh.count ? derivedFilling
                   : row.zh.map { "\($0.0): " + (row.derivedIn.contains($0.0) ? derivedFilling : cellFilling) }.joined(separator: " · "))
            for (k, col) in ReportTemplate.applicantColumns.enumerated() {
                let zh = joinLabels(row.zh.map { ($0.0, $0.1 + " · " + ReportTemplate.applicantColumnLabels[k]) })
                f(base + "." + col, "integer|null", zh, row.en + ": " + ReportTemplate.applicantColumnEnglish[k], filled, unit: "件", templates: templates)
            }
        }
        // 表四.
        f("tables.review_litigation", "object|null", "四、政府信息公开行政复议、行政诉讼情况", "table 4: administrative review and litigation", "read", templates: "2021, 2019")
        for (b, block) in ReportTemplate.reviewBlocks.enumerated() {
            f("tables.review_litigation.\(block)", "object", ReportTemplate.reviewBlockLabels[b], ReportTemplate.reviewBlockEnglish[b], "read", templates: "2021, 2019")
            for (l, leaf) in ReportTemplate.reviewLeaves.enumerated() {
                f("tables.review_litigation.\(block).\(leaf)", "integer|null", ReportTemplate.reviewBlockLabels[b] + " · " + ReportTemplate.reviewLeafLabels[l],
                  ReportTemplate.reviewBlockEnglish[b] + ": " + ReportTemplate.reviewLeafEnglish[l], cellFilling, unit: "件", templates: "2021, 2019")
            }
        }
        f("quality", "object", "质量记录", "how every value was obtained and what holds", "computed")
        f("quality.checks", "array", "勾稽核对", "every identity of the template, in a fixed order", "computed")
        f("quality.checks[]", "object", "一项核对", "one check", "computed")
        f("quality.checks[].id", "string", "核对编号", "check id (see Checks)", "computed")
        f("quality.checks[].status", "string", "核对结果", "`pass`, `fail` or `not_assessable` (a cell's value is unknown)", "computed")
        f("quality.checks[].expected", "integer|null", "应有值", "the sum of the identity's left side (the parts; for the balance, 一 + 二)", "computed", unit: "件")
        f("quality.checks[].actual", "integer|null", "实际值", "the sum of the right side (the total; for the balance, 三（七） + 四)", "computed", unit: "件")
        f("quality.checks[].formula", "string", "核对公式", "the identity over record paths: `left + … = right + …`", "constant per check")
        f("quality.checks[].cells", "array", "所涉单元格", "the record paths of the cells the identity involves, left side first", "constant per check")
        f("quality.checks[].cells[]", "string", "单元格路径", "one cell's record path", "constant per check")
        f("quality.checks[].message", "object", "核对说明", "the identity in the template's own row and column words, then its values", "computed")
        f("quality.checks[].message.zh", "string", "中文说明", "in Chinese, e.g. `一、本年新收 + 二、上年结转 ≠ （七）总计 + 四、结转下年度继续办理（自然人）: 11 + 0 ≠ 10 + 0`", "computed")
        f("quality.checks[].message.en", "string", "英文说明", "in English", "computed")
        f("quality.cells", "object", "单元格说明", "for every numeric cell that is not plainly reported: its record path → how it was obtained", "computed")
        f("quality.cells.<path>", "object", "一个单元格的说明", "one cell's note", "computed")
        f("quality.cells.<path>.status", "string", "单元格状态", "see Cell statuses", "computed")
        f("quality.cells.<path>.raw", "string|null", "原文", "the text on the page the value came from", "read")
        f("quality.cells.<path>.rule", "string|null", "规则", "why the cell has its status (see Rules)", "computed")
        f("quality.cells.<path>.candidates", "array", "候选值", "for `ambiguous` cells: the values the page allows (decimals for money)", "computed")
        f("quality.cells.<path>.candidates[]", "number", "候选值项", "one candidate value", "computed")
        f("quality.repairs", "array", "修复记录", "repairs of values other than cells (dates)", "computed")
        f("quality.repairs[]", "object", "一项修复", "one repair", "computed")
        f("quality.repairs[].path", "string", "修复字段", "record path of the repaired value", "computed")
        f("quality.repairs[].raw", "string", "原文", "the text as the page wrote it", "read")
        f("quality.repairs[].value", "string", "修复值", "the value written into the record", "computed")
        f("quality.repairs[].rule", "string", "修复规则", "see Rules", "computed")
        f("quality.warnings", "array", "提示", "what a reviewer should look at", "computed")
        f("quality.warnings[]", "object", "一条提示", "one warning", "computed")
        f("quality.warnings[].code", "string", "提示代码", "see Warning codes", "computed")
        f("quality.warnings[].message", "string", "提示内容", "what was found, in words", "computed")
        f("extractor", "object", "处理程序", "what made the record", "constant")
        f("extractor.name", "string", "程序名", "`nianbao`", "constant")
        f("extractor.version", "string", "程序版本", "nianbao's version", "constant")
        f("extractor.libxml2", "string", "libxml2版本", "the libxml2 version that parsed HTML pages", "constant")
        return out
    }()

    /// `2021: A · 2019: B`, or the label alone when every template prints it the same way.
    static func joinLabels(_ labels: [(template: String, label: String)]) -> String {
        if Set(labels.map(\.label)).count == 1 { return labels[0].label }
        return labels.map { "\($0.template): \($0.label)" }.joined(separator: " · ")
    }

    /// The 信息公开 block's fields: key, Chinese label, meaning, type.
    static let metadataFields: [(String, String, String, String)] = [
        ("index_number", "索引号", "index number (its prefix is the body's organisation code)", "string|null"),
        ("title", "名称/标题", "the document's title in the block", "string|null"),
        ("document_number", "文号", "document number", "string|null"),
        ("publisher", "发布机构", "publishing body", "string|null"),
        ("disclosure_term", "公开时限", "disclosure time limit", "string|null"),
        ("disclosure_form", "公开形式", "disclosure form", "string|null"),
        ("disclosure_method", "公开方式", "disclosure method", "string|null"),
        ("disclosure_scope", "公开范围", "disclosure scope", "string|null"),
        ("validity_period", "有效期", "validity period", "string|null"),
        ("disclosure_procedure", "公开程序", "disclosure procedure", "string|null"),
        ("genre", "体裁分类", "genre", "string|null"),
        ("validity_status", "效力状态", "validity status", "string|null"),
        ("summary", "内容概述", "summary", "string|null"),
        ("created_date", "生成日期/成文日期", "date created, YYYY-MM[-DD]", "string|null"),
        ("published_date", "发布日期", "date published, YYYY-MM[-DD]", "string|null"),
        ("topics", "主题分类", "topics, one item each", "array"),
        ("keywords", "关键词", "keywords, one item each", "array"),
        ("other", "其他字段", "other labels of the block, as written", "object"),
    ]

    /// A cell's Chinese row and column labels as the record's template prints them
    /// (`tables.applications.new_received.total` in a 2021 report → `一、本年新收政府信息公开申请数量`, `总计`);
    /// nil for a path that is not a cell of that template.
    public static func cellLabels(template: String, path: String) -> (row: String, column: String)? {
        cellLabelsByTemplate[template + "|" + path]
    }
    static let cellLabelsByTemplate: [String: (row: String, column: String)] = {
        var out: [String: (row: String, column: String)] = [:]
        for t in [ReportTemplate.t2021, ReportTemplate.t2019] {
            let kind = t.kind.rawValue
            for row in t.proactive {
                for (k, c) in row.columns.enumerated() { out["\(kind)|tables.proactive.\(row.block).\(c)"] = (row.label, row.columnLabels[k]) }
            }
            var rows: [(path: String, label: String)] = t.applications.map { spec in
                let group = spec.group.flatMap { g in g == "outcome" ? nil : ReportTemplate.groups.first { $0.key == g }?.label }
                return (spec.dotted, (group.map { $0 + " › " } ?? "") + spec.label)
            }
            for sub in t.applicationsSubtotals {
                let group = ReportTemplate.groups.first { $0.key == sub.path[sub.path.count - 2] }!
                rows.append((sub.path.joined(separator: "."), group.label + " 小计"))
            }
            for r in rows {
                for (k, c) in ReportTemplate.applicantColumns.enumerated() { out["\(kind)|tables.applications.\(r.path).\(c)"] = (r.label, ReportTemplate.applicantColumnLabels[k]) }
            }
            for (b, block) in ReportTemplate.reviewBlocks.enumerated() {
                for (l, leaf) in ReportTemplate.reviewLeaves.enumerated() {
                    out["\(kind)|tables.review_litigation.\(block).\(leaf)"] = (ReportTemplate.reviewBlockLabels[b], ReportTemplate.reviewLeafLabels[l])
                }
            }
        }
        return out
    }()

    /// The description of a path, with array indexes written `[]` and quality.cells keys `<path>`.
    public static func field(_ path: String) -> FieldDescription? {
        fieldsByPath[path]
    }
    static let fieldsByPath: [String: FieldDescription] = Dictionary(fields.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })

    /// Cell statuses (`quality.cells.*.status`, and the stores' `cells.status`).
    public static let statuses: [DictionaryTerm] = [
        .init(name: "reported", english: "read from the page as written (stores only: such cells have no `quality.cells` entry)", chinese: "原表填报", example: "`16` in the 自然人 cell"),
        .init(name: "converted", english: "read from the page, its form changed: full-width digits, thousands separators, 元 → 万元, `减4` → -4, a unit stripped", chinese: "格式转换", example: "`251000元` → 25.1 (万元), rule `unit.yuan_to_wan_yuan`"),
        .init(name: "inferred", english: "not on the page; the identities leave exactly one value", chinese: "由勾稽关系推出", example: "a lost 总计 forced by its row, rule `identity.forced`"),
        .init(name: "blank_as_zero", english: "blank on the page; 0 is the only value the identities allow, or the table's blank-is-zero convention holds with every identity", chinese: "空白记为0", example: "a blank 科研机构 cell, rule `convention.blank_is_zero`"),
        .init(name: "segmented", english: "read from digits of several cells run together (crawled text); every split the identities allow gives this value", chinese: "连写数字拆分", example: "`15130000154` → 151, 3, 0, 0, 0, 0, 154, rule `segmentation.unique`"),
        .init(name: "ambiguous", english: "null: several values fit; `candidates` lists them; nothing is chosen by preference", chinese: "多解未定", example: "`16 0 0 0 16` in a seven-column row: candidates [0, 16]"),
        .init(name: "missing", english: "null: nothing usable on the page (blank, `/`, unreadable, row not found)", chinese: "缺失", example: "rule `row.not_found`"),
        .init(name: "placed", english: "no longer written; records of earlier versions used it for a column chosen by a layout prior", chinese: "按版式放置（旧）", example: "—"),
        .init(name: "derived", english: "stores only: a subtotal computed from its items", chinese: "小计（计算）", example: "`outcome.denied.subtotal`"),
    ]

    /// Rules (`quality.cells.*.rule`, `quality.repairs.*.rule`).
    public static let rules: [DictionaryTerm] = [
        .init(name: "identity.forced", english: "the identities leave exactly one non-negative integer", chinese: "勾稽关系唯一确定", example: "总计 lost, parts 3 + 1 → 4"),
        .init(name: "identity.interval", english: "the identities bound the cell but leave several values", chinese: "勾稽关系仅给出范围", example: "candidates [0, 1, 2]"),
        .init(name: "convention.blank_is_zero", english: "a blank read as 0 because its table is otherwise populated and every identity it is in then holds", chinese: "空白按0计", example: "blank 法律服务机构 cells"),
        .init(name: "placement.several_placements", english: "a row with blank cells dropped has several placements of its values that the identities allow", chinese: "数值位置多解", example: "`16 0 0 0 16`"),
        .init(name: "placement.no_placement", english: "no placement of a row's values satisfies the identities", chinese: "数值无法对位", example: "a row of 8 values for 7 cells"),
        .init(name: "segmentation.unique", english: "digits run together have exactly one split the identities allow", chinese: "连写数字唯一拆分", example: "`15130000154`"),
        .init(name: "segmentation.identities", english: "the split was decided by the table's identities, not the row's own", chinese: "由全表勾稽关系定拆分", example: "`1010` → 10, 10"),
        .init(name: "segmentation.all_splits_agree", english: "several splits, all giving this cell the same value", chinese: "各拆分结果一致", example: "`000` → 0, 0, 0"),
        .init(name: "segmentation.several_splits", english: "several splits give this cell different values", chinese: "拆分多解", example: "`5845546` into three cells (15 splits)"),
        .init(name: "segmentation.no_split", english: "no split of the run fits the row", chinese: "无可行拆分", example: "a run with too few digits"),
        .init(name: "segmentation.too_many_splits", english: "the run has more splits than nianbao enumerates", chinese: "拆分过多", example: "a 60-digit run"),
        .init(name: "cell.blank", english: "the cell is blank and nothing decides it", chinese: "空白单元格", example: "`<td>&nbsp;</td>`"),
        .init(name: "cell.not_applicable", english: "the page writes not-applicable", chinese: "不适用", example: "`/`, `—`"),
        .init(name: "cell.unreadable", english: "the cell holds text that is not a number", chinese: "无法识别", example: "`口`, `x`"),
        .init(name: "cell.not_on_page", english: "the row is there but this cell is not", chinese: "单元格不在页面上", example: "a short row"),
        .init(name: "row.not_found", english: "the row (or the whole table) is not on the page", chinese: "未找到该行", example: "a truncated page"),
        .init(name: "number.fullwidth", english: "full-width digits made ASCII", chinese: "全角数字", example: "`１２` → 12"),
        .init(name: "number.thousands_separator", english: "thousands separators removed", chinese: "千分位", example: "`1,234` → 1234"),
        .init(name: "number.unit_stripped", english: "a unit written in the cell removed", chinese: "去除单位", example: "`3件` → 3"),
        .init(name: "number.word_zero", english: "a worded zero", chinese: "文字零", example: "`无` → 0"),
        .init(name: "number.worded_sign", english: "a worded sign", chinese: "文字正负号", example: "`减4` → -4"),
        .init(name: "number.negative_count", english: "a count written negative (kept, flagged)", chinese: "负数计数", example: "`-2`"),
        .init(name: "number.not_integer", english: "a count written with decimals (not read)", chinese: "计数含小数", example: "`2.5` in a count cell"),
        .init(name: "unit.yuan_to_wan_yuan", english: "an amount in 元 converted to 万元", chinese: "元换算为万元", example: "`251000元` → 25.1"),
        .init(name: "money.rounded_4dp", english: "an amount rounded to 4 decimal places of 万元 (1 元)", chinese: "金额四舍五入", example: "`12.345678` → 12.3457"),
        .init(name: "date.lost_separators", english: "a date whose 年/月 separators were lost, read back", chinese: "日期分隔符丢失", example: "`202311日` → 2023-01-01"),
        .init(name: "date.year_implied", english: "an end date without its year takes the start's", chinese: "日期年份省略", example: "`从2021年1月1日到12月31日`"),
    ]

    /// Check ids, as patterns.
    public static let checks: [DictionaryTerm] = [
        .init(name: "applications.row_total.<row>", english: "a row of table 3: its 总计 equals the sum of its six applicant columns", chinese: "表三每行：总计 = 六类申请人之和",
              example: "自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他 = 总计（一、本年新收）: 16 + 0 + 0 + 0 + 0 + 0 = 16"),
        .init(name: "applications.outcome_total.<column>", english: "a column of table 3: （七）总计 equals the sum of every outcome item", chinese: "表三每列：（七）总计 = 各办理结果之和",
              example: "（一）予以公开 + （二）部分公开 + … = （七）总计（自然人）"),
        .init(name: "applications.balance.<column>", english: "the printed 勾稽关系: 一 + 二 = 三（七） + 四, per column", chinese: "表三勾稽关系：第一项加第二项之和等于第三项加第四项之和",
              example: "一、本年新收 + 二、上年结转 ≠ （七）总计 + 四、结转下年度继续办理（自然人）: 11 + 0 ≠ 10 + 0"),
        .init(name: "review_litigation.block_total.<block>", english: "a block of table 4: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结", chinese: "表四每组：总计 = 维持 + 纠正 + 其他 + 尚未审结",
              example: "结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计（行政复议）: 1 + 0 + 0 + 0 = 1"),
    ]

    /// Cross-year check ids (`cross_year_checks.check_id`, `nianbao check-years`).
    public static let crossYearChecks: [DictionaryTerm] = [
        .init(name: "carry_over.<column>", english: "year N's 四、结转下年度继续办理 equals year N+1's 二、上年结转 (hard: fail)", chinese: "结转连续：上年结转下年度 = 本年上年结转",
              example: "2023年 四、结转下年度继续办理 ≠ 2024年 二、上年结转（自然人）: 4 ≠ 3"),
        .init(name: "stock.rules, stock.normative_documents", english: "N's 现行有效件数 + N+1's 本年制发件数 − 本年废止件数 = N+1's 现行有效件数 (soft: warn; 2021 template both years)", chinese: "现行有效件数衔接",
              example: "规章：2023年现行有效 12 + 2024年制发 1 − 废止 0 = 2024年现行有效 13"),
        .init(name: "template.year", english: "the template the year calls for: 2021 from 2021, 2019 for 2019–2020, pre2019 before (soft)", chinese: "模板与年度相符", example: "a 2021 report on the 2019 tables: warn"),
        .init(name: "years.missing", english: "a year with no report between two years that have one (soft)", chinese: "缺少年度", example: "2021 and 2023 but no 2022"),
        .init(name: "year.published_twice", english: "one year of one agency published more than once with different tables (soft)", chinese: "同一年度多份不同报告", example: "a mirror with other numbers"),
    ]

    /// Warning codes (`quality.warnings.*.code`).
    public static let warnings: [DictionaryTerm] = [
        .init(name: "charset.conflict", english: "the HTTP header, BOM or <meta> disagree on the charset", chinese: "字符集声明冲突", example: "header GBK, bytes UTF-8"),
        .init(name: "charset.lossy", english: "some bytes could not be decoded and were replaced", chinese: "解码有损", example: "invalid GBK bytes"),
        .init(name: "text.control_characters", english: "NUL or other control characters replaced by spaces at decoding", chinese: "控制字符", example: "a NUL inside a cell"),
        .init(name: "template.year_conflict", english: "the template the labels show is not the one the year expects", chinese: "模板与年度不符", example: "a 2021 report on the 2019 tables"),
        .init(name: "report.year_conflict", english: "the statistics period and the title give different years", chinese: "年度不一致", example: "title 2022, period 2021"),
        .init(name: "table.extra_row", english: "a table row nianbao does not know", chinese: "多余的表格行", example: "a local extra row"),
        .init(name: "table.extra_values", english: "a row holds more values than cells (no values taken)", chinese: "多余的数值", example: "8 numbers for 7 cells"),
        .init(name: "table.row_labels_lost", english: "rows whose labels were lost, read by position", chinese: "行标签丢失", example: "a table of bare numbers"),
        .init(name: "page.truncated", english: "the page ends inside or before its tables", chinese: "页面不完整", example: "a capture cut at 表三"),
        .init(name: "prose.table_mismatch", english: "the prose states a number the table contradicts", chinese: "正文与表格不符", example: "prose 12 applications, table 11"),
        .init(name: "check.soft.negative_count", english: "a count is negative", chinese: "计数为负", example: "`-2`"),
        .init(name: "check.soft.published_le_made", english: "2019 表二: 本年新公开数量 exceeds 本年新制作数量", chinese: "新公开多于新制作", example: "made 3, published 5"),
        .init(name: "check.soft.published_total_ge_published", english: "2019 表二: 对外公开总数量 is below 本年新公开数量", chinese: "公开总数小于新公开", example: "published 5, total 3"),
        .init(name: "check.soft.rules_at_township", english: "a township-level body reports 规章 (only governments above a level make rules)", chinese: "乡镇报告规章", example: "某镇 规章 2"),
        .init(name: "metadata.unparsed_date", english: "a metadata date that could not be read (kept as null)", chinese: "日期无法识别", example: "`发布日期：二〇二四年`"),
    ]
}

extension SectionKind {
    /// The part's heading as the template prints it.
    public var heading: String {
        switch self {
        case .overview: return "一、总体情况"
        case .proactive: return "二、主动公开政府信息情况"
        case .applications: return "三、收到和处理政府信息公开申请情况"
        case .reviewLitigation: return "四、政府信息公开行政复议、行政诉讼情况"
        case .problems: return "五、存在的主要问题及改进情况"
        case .otherMatters: return "六、其他需要报告的事项"
        }
    }

    /// The part in English.
    public var english: String {
        switch self {
        case .overview: return "prose of part 1: overview"
        case .proactive: return "prose of part 2: proactive disclosure (without the table)"
        case .applications: return "prose of part 3: applications (without the table)"
        case .reviewLitigation: return "prose of part 4: review and litigation (without the table)"
        case .problems: return "prose of part 5: problems and improvements"
        case .otherMatters: return "prose of part 6: other matters"
        }
    }
}
