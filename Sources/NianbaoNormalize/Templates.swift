/// The national report template a page follows (`report.template`).
public enum TemplateKind: String, Sendable, Equatable {
    /// 国办公开办函〔2021〕30号, reports for 2021 onward.
    case t2021 = "2021"
    /// 国办公开办函〔2019〕60号, reports for 2019 and 2020.
    case t2019 = "2019"
    /// Reports before the national tables (2008–2018): prose only.
    case pre2019
    /// A report whose template could not be decided from its labels.
    case unknown
}

/// How a proactive-disclosure column is parsed.
public enum ColumnKind: Sendable, Equatable {
    /// A non-negative count.
    case count
    /// A signed count (`本年增/减`): `+19`, `减4`, `-8`.
    case signedCount
    /// An amount in 万元 (converted from 元 when the page says so).
    case moneyWanYuan
}

/// One row of 表二 (主动公开政府信息情况) as declared by a template.
public struct ProactiveRowSpec: Sendable {
    /// Canonical block key, e.g. `rules`.
    public let block: String
    /// Substrings of the folded, whitespace-free label that identify the row.
    public let labelKeys: [String]
    /// Canonical column keys in page order.
    public let columns: [String]
    /// Parsing of each column.
    public let kinds: [ColumnKind]
    /// The row's label as the template prints it, e.g. `行政规范性文件`.
    public let label: String
    /// The row's meaning in English.
    public let english: String
    /// Each column's label as the template prints it, e.g. `本年制发件数`.
    public let columnLabels: [String]
    /// Each column's meaning in English.
    public let columnEnglish: [String]
    /// The item of 条例 第二十条 whose block the row is printed in, e.g. `第二十条第（一）项`.
    public let article: String
}

/// One data row of 表三 (收到和处理政府信息公开申请情况).
public struct ApplicationsRowSpec: Sendable {
    /// Path under `tables.applications`, e.g. `["outcome", "denied", "state_secret"]`.
    public let path: [String]
    /// Substrings of the folded label (numbering stripped) that identify the row.
    public let labelKeys: [String]
    /// The group the row belongs to (`denied`, `unavailable`, …), nil for top-level rows.
    public let group: String?
    /// Dotted path, e.g. `outcome.denied.state_secret`.
    public let dotted: String
    /// The row's label as the template prints it (without its group's), e.g. `1.属于国家秘密`.
    public let label: String
    /// The row's short name in messages, e.g. `一、本年新收`, `（三）1.属于国家秘密`.
    public let shortLabel: String
    /// The row's meaning in English.
    public let english: String

    init(path: [String], labelKeys: [String], group: String?, label: String, short: String? = nil, english: String) {
        self.path = path
        self.labelKeys = labelKeys
        self.group = group
        dotted = path.joined(separator: ".")
        self.label = label
        self.english = english
        if let short {
            shortLabel = short
        } else if let g = group, g != "outcome", let spec = ReportTemplate.groups.first(where: { $0.key == g }) {
            shortLabel = String(spec.label.prefix(3)) + label
        } else {
            shortLabel = label
        }
    }
}

/// A group label of 表三 (a rowspan cell over numbered items).
public struct ApplicationsGroupSpec: Sendable {
    /// Canonical group key.
    public let key: String
    /// Label substrings (numbering stripped).
    public let labelKeys: [String]
    /// The group's label as the template prints it, e.g. `（三）不予公开`.
    public let label: String
    /// The group's meaning in English.
    public let english: String
}

/// A national template, declared once as data; the HTML path and the text path both walk it.
public struct ReportTemplate: Sendable {
    /// Which template.
    public let kind: TemplateKind
    /// 表二 rows in page order.
    public let proactive: [ProactiveRowSpec]
    /// 表三 data rows in page order.
    public let applications: [ApplicationsRowSpec]
    /// Derived subtotal rows: path of the subtotal → paths of its items.
    public let applicationsSubtotals: [(path: [String], items: [[String]])]
    /// 表二 row labels, precompiled (ids are the blocks).
    let proactiveMatcher: LabelMatcher
    /// 表三 row labels, precompiled (ids are the dotted paths).
    let applicationsMatcher: LabelMatcher
    /// 表三/表四 identities and their checks, built once.
    let identities: [TableIdentity]

    init(kind: TemplateKind, proactive: [ProactiveRowSpec], applications: [ApplicationsRowSpec],
         applicationsSubtotals: [(path: [String], items: [[String]])]) {
        self.kind = kind
        self.proactive = proactive
        self.applications = applications
        self.applicationsSubtotals = applicationsSubtotals
        proactiveMatcher = LabelMatcher(proactive.map { ($0.labelKeys, $0.block) })
        applicationsMatcher = LabelMatcher(applications.map { ($0.labelKeys, $0.dotted) })
        identities = ReportTemplate.tableIdentities(applications)
    }
    /// 表三 column keys in page order.
    public static let applicantColumns = ["natural_person", "commercial_enterprise", "research_institution",
                                          "social_welfare_org", "legal_service_org", "other_org", "total"]
    /// 表四 blocks in page order.
    public static let reviewBlocks = ["review", "litigation_direct", "litigation_after_review"]
    /// 表四 leaf keys in page order.
    public static let reviewLeaves = ["upheld", "corrected", "other", "pending", "total"]
    /// 表三 group labels.
    public static let groups: [ApplicationsGroupSpec] = [
        ApplicationsGroupSpec(key: "outcome", labelKeys: ["本年度办理结果", "办理结果"], label: "三、本年度办理结果", english: "outcome of this year's handling"),
        ApplicationsGroupSpec(key: "denied", labelKeys: ["不予公开"], label: "（三）不予公开", english: "denied"),
        ApplicationsGroupSpec(key: "unavailable", labelKeys: ["无法提供"], label: "（四）无法提供", english: "cannot be provided"),
        ApplicationsGroupSpec(key: "not_processed", labelKeys: ["不予处理"], label: "（五）不予处理", english: "not processed"),
        ApplicationsGroupSpec(key: "other_processing", labelKeys: ["其他处理"], label: "（六）其他处理", english: "other handling"),
    ]
    /// 表三 column labels as printed (the five legal-entity columns sit under 法人或其他组织).
    public static let applicantColumnLabels = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    /// 表三 columns in English.
    public static let applicantColumnEnglish = ["natural persons", "commercial enterprises", "research institutions",
                                                "social welfare organisations", "legal service organisations", "other organisations", "total"]
    /// 表四 block labels as printed.
    public static let reviewBlockLabels = ["行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"]
    /// 表四 blocks in English.
    public static let reviewBlockEnglish = ["administrative review", "litigation without prior review", "litigation after review"]
    /// 表四 leaf labels as printed.
    public static let reviewLeafLabels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    /// 表四 leaves in English.
    public static let reviewLeafEnglish = ["upheld", "corrected", "other result", "pending", "total"]

    /// Looks a template up by kind (nil for `pre2019` / `unknown`).
    public static func of(_ kind: TemplateKind) -> ReportTemplate? {
        switch kind {
        case .t2021: return t2021
        case .t2019: return t2019
        default: return nil
        }
    }

    static let commonHead: [ApplicationsRowSpec] = [
        .init(path: ["new_received"], labelKeys: ["本年新收"], group: nil, label: "一、本年新收政府信息公开申请数量", short: "一、本年新收", english: "new applications received this year"),
        .init(path: ["brought_forward"], labelKeys: ["上年结转"], group: nil, label: "二、上年结转政府信息公开申请数量", short: "二、上年结转", english: "applications brought forward from last year"),
        .init(path: ["outcome", "granted"], labelKeys: ["予以公开"], group: "outcome", label: "（一）予以公开", english: "granted"),
        .init(path: ["outcome", "partially_granted"], labelKeys: ["部分公开"], group: "outcome", label: "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", short: "（二）部分公开", english: "partially granted (counted only here)"),
        .init(path: ["outcome", "denied", "state_secret"], labelKeys: ["国家秘密"], group: "denied", label: "1.属于国家秘密", english: "state secret"),
        .init(path: ["outcome", "denied", "prohibited_by_law"], labelKeys: ["禁止公开"], group: "denied", label: "2.其他法律行政法规禁止公开", english: "prohibited by other laws or regulations"),
        .init(path: ["outcome", "denied", "security_stability"], labelKeys: ["三安全", "一稳定"], group: "denied", label: "3.危及“三安全一稳定”", english: "endangers security or stability"),
        .init(path: ["outcome", "denied", "third_party_rights"], labelKeys: ["第三方"], group: "denied", label: "4.保护第三方合法权益", english: "protects a third party's lawful rights"),
        .init(path: ["outcome", "denied", "internal_affairs"], labelKeys: ["内部事务"], group: "denied", label: "5.属于三类内部事务信息", english: "internal affairs information"),
        .init(path: ["outcome", "denied", "process_info"], labelKeys: ["过程性"], group: "denied", label: "6.属于四类过程性信息", english: "process information"),
        .init(path: ["outcome", "denied", "enforcement_file"], labelKeys: ["执法案卷"], group: "denied", label: "7.属于行政执法案卷", english: "administrative enforcement file"),
        .init(path: ["outcome", "denied", "admin_query"], labelKeys: ["查询事项"], group: "denied", label: "8.属于行政查询事项", english: "administrative query matter"),
        .init(path: ["outcome", "unavailable", "not_held"], labelKeys: ["不掌握"], group: "unavailable", label: "1.本机关不掌握相关政府信息", english: "information not held by this body"),
        .init(path: ["outcome", "unavailable", "needs_creation"], labelKeys: ["另行制作"], group: "unavailable", label: "2.没有现成信息需要另行制作", english: "would have to be newly created"),
        .init(path: ["outcome", "unavailable", "still_unclear"], labelKeys: ["仍不明确"], group: "unavailable", label: "3.补正后申请内容仍不明确", english: "request still unclear after correction"),
        .init(path: ["outcome", "not_processed", "petition_complaint"], labelKeys: ["信访", "举报投诉"], group: "not_processed", label: "1.信访举报投诉类申请", english: "petitions, reports and complaints"),
        .init(path: ["outcome", "not_processed", "duplicate"], labelKeys: ["重复申请"], group: "not_processed", label: "2.重复申请", english: "duplicate requests"),
        .init(path: ["outcome", "not_processed", "publication"], labelKeys: ["公开出版物"], group: "not_processed", label: "3.要求提供公开出版物", english: "requests for published material"),
        .init(path: ["outcome", "not_processed", "excessive_repeat"], labelKeys: ["大量反复"], group: "not_processed", label: "4.无正当理由大量反复申请", english: "mass repeated requests without good reason"),
        .init(path: ["outcome", "not_processed", "confirm_or_reissue"], labelKeys: ["重新出具"], group: "not_processed", label: "5.要求行政机关确认或重新出具已获取信息", english: "requests to confirm or reissue information already obtained"),
    ]
    static let commonTail: [ApplicationsRowSpec] = [
        .init(path: ["outcome", "total"], labelKeys: ["(七)总计", "七总计"], group: "outcome", label: "（七）总计", english: "outcome total"),
        .init(path: ["carried_forward"], labelKeys: ["结转下年度", "下年度继续办理"], group: nil, label: "四、结转下年度继续办理", english: "carried forward to next year"),
    ]
    static let denied: [[String]] = ["state_secret", "prohibited_by_law", "security_stability", "third_party_rights",
                                     "internal_affairs", "process_info", "enforcement_file", "admin_query"].map { ["outcome", "denied", $0] }
    static let unavailable: [[String]] = ["not_held", "needs_creation", "still_unclear"].map { ["outcome", "unavailable", $0] }
    static let notProcessed: [[String]] = ["petition_complaint", "duplicate", "publication", "excessive_repeat", "confirm_or_reissue"].map { ["outcome", "not_processed", $0] }

    /// 国办公开办函〔2021〕30号.
    public static let t2021 = ReportTemplate(
        kind: .t2021,
        proactive: [
            .init(block: "rules", labelKeys: ["规章"], columns: ["issued", "repealed", "in_force"], kinds: [.count, .count, .count],
                  label: "规章", english: "rules (规章)", columnLabels: ["本年制发件数", "本年废止件数", "现行有效件数"],
                  columnEnglish: ["issued this year", "repealed this year", "in force"], article: "第二十条第（一）项"),
            .init(block: "normative_documents", labelKeys: ["规范性文件"], columns: ["issued", "repealed", "in_force"], kinds: [.count, .count, .count],
                  label: "行政规范性文件", english: "normative documents", columnLabels: ["本年制发件数", "本年废止件数", "现行有效件数"],
                  columnEnglish: ["issued this year", "repealed this year", "in force"], article: "第二十条第（一）项"),
            .init(block: "licensing", labelKeys: ["行政许可"], columns: ["decisions"], kinds: [.count],
                  label: "行政许可", english: "administrative licensing", columnLabels: ["本年处理决定数量"], columnEnglish: ["decisions this year"], article: "第二十条第（五）项"),
            .init(block: "penalty", labelKeys: ["行政处罚"], columns: ["decisions"], kinds: [.count],
                  label: "行政处罚", english: "administrative penalties", columnLabels: ["本年处理决定数量"], columnEnglish: ["decisions this year"], article: "第二十条第（六）项"),
            .init(block: "coercion", labelKeys: ["行政强制"], columns: ["decisions"], kinds: [.count],
                  label: "行政强制", english: "administrative coercion", columnLabels: ["本年处理决定数量"], columnEnglish: ["decisions this year"], article: "第二十条第（六）项"),
            .init(block: "fees", labelKeys: ["行政事业性收费", "事业性收费"], columns: ["amount_wan_yuan"], kinds: [.moneyWanYuan],
                  label: "行政事业性收费", english: "administrative fees", columnLabels: ["本年收费金额（单位：万元）"],
                  columnEnglish: ["amount collected this year, 10,000 yuan (万元)"], article: "第二十条第（八）项"),
        ],
        applications: commonHead + [
            .init(path: ["outcome", "other_processing", "no_correction"], labelKeys: ["逾期不补正", "不补正"], group: "other_processing", label: "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", short: "（六）1.逾期不补正", english: "applicant did not correct the request in time"),
            .init(path: ["outcome", "other_processing", "fee_unpaid"], labelKeys: ["缴纳费用", "收费通知"], group: "other_processing", label: "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", short: "（六）2.逾期未缴纳费用", english: "applicant did not pay the fee in time"),
            .init(path: ["outcome", "other_processing", "other"], labelKeys: [], group: "other_processing", label: "3.其他", english: "other"),
        ] + commonTail,
        applicationsSubtotals: [
            (["outcome", "denied", "subtotal"], denied),
            (["outcome", "unavailable", "subtotal"], unavailable),
            (["outcome", "not_processed", "subtotal"], notProcessed),
            (["outcome", "other_processing", "subtotal"], ["no_correction", "fee_unpaid", "other"].map { ["outcome", "other_processing", $0] }),
        ]
    )

    /// 国办公开办函〔2019〕60号.
    public static let t2019 = ReportTemplate(
        kind: .t2019,
        proactive: [
            .init(block: "rules", labelKeys: ["规章"], columns: ["made", "published", "published_total"], kinds: [.count, .count, .count],
                  label: "规章", english: "rules (规章)", columnLabels: ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                  columnEnglish: ["made this year", "published this year", "published in total"], article: "第二十条第（一）项"),
            .init(block: "normative_documents", labelKeys: ["规范性文件"], columns: ["made", "published", "published_total"], kinds: [.count, .count, .count],
                  label: "规范性文件", english: "normative documents", columnLabels: ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                  columnEnglish: ["made this year", "published this year", "published in total"], article: "第二十条第（一）项"),
            .init(block: "licensing", labelKeys: ["行政许可"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count],
                  label: "行政许可", english: "administrative licensing", columnLabels: ["上一年项目数量", "本年增/减", "处理决定数量"],
                  columnEnglish: ["items last year", "change this year (signed)", "decisions"], article: "第二十条第（五）项"),
            .init(block: "other_services", labelKeys: ["对外管理服务"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count],
                  label: "其他对外管理服务事项", english: "other external management services", columnLabels: ["上一年项目数量", "本年增/减", "处理决定数量"],
                  columnEnglish: ["items last year", "change this year (signed)", "decisions"], article: "第二十条第（五）项"),
            .init(block: "penalty", labelKeys: ["行政处罚"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count],
                  label: "行政处罚", english: "administrative penalties", columnLabels: ["上一年项目数量", "本年增/减", "处理决定数量"],
                  columnEnglish: ["items last year", "change this year (signed)", "decisions"], article: "第二十条第（六）项"),
            .init(block: "coercion", labelKeys: ["行政强制"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count],
                  label: "行政强制", english: "administrative coercion", columnLabels: ["上一年项目数量", "本年增/减", "处理决定数量"],
                  columnEnglish: ["items last year", "change this year (signed)", "decisions"], article: "第二十条第（六）项"),
            .init(block: "fees", labelKeys: ["行政事业性收费", "事业性收费"], columns: ["items_prev_year", "items_change"], kinds: [.count, .signedCount],
                  label: "行政事业性收费", english: "administrative fees", columnLabels: ["上一年项目数量", "本年增/减"],
                  columnEnglish: ["items last year", "change this year (signed)"], article: "第二十条第（八）项"),
            .init(block: "procurement", labelKeys: ["政府集中采购", "集中采购"], columns: ["projects", "amount_wan_yuan"], kinds: [.count, .moneyWanYuan],
                  label: "政府集中采购", english: "central government procurement", columnLabels: ["采购项目数量", "采购总金额"],
                  columnEnglish: ["projects", "total amount, 10,000 yuan (万元; converted from 元 when the page gives 元)"], article: "第二十条第（九）项"),
        ],
        applications: commonHead + [
            .init(path: ["outcome", "other_processing", "subtotal"], labelKeys: ["其他处理"], group: "outcome", label: "（六）其他处理", english: "other handling"),
        ] + commonTail,
        applicationsSubtotals: [
            (["outcome", "denied", "subtotal"], denied),
            (["outcome", "unavailable", "subtotal"], unavailable),
            (["outcome", "not_processed", "subtotal"], notProcessed),
        ]
    )

    /// Label markers that decide the template (templates.md §5), matched on whitespace-free folded text.
    static let markers2019 = ["本年新制作数量", "上一年项目数量", "其他对外管理服务事项", "政府集中采购", "本年新公开数量", "对外公开总数量"]
    /// See ``markers2019``.
    static let markers2021 = ["本年制发件数", "现行有效件", "本年收费金额", "逾期不补正", "本年废止件数"]
    /// Markers of the national tables in general (either template).
    static let markersNational = ["第二十条第", "申请人情况", "本年新收政府信息公开申请", "上年结转政府信息公开申请", "结转下年度继续办理"]
}
