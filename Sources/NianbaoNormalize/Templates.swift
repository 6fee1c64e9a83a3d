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

    init(path: [String], labelKeys: [String], group: String?) {
        self.path = path
        self.labelKeys = labelKeys
        self.group = group
        dotted = path.joined(separator: ".")
    }
}

/// A group label of 表三 (a rowspan cell over numbered items).
public struct ApplicationsGroupSpec: Sendable {
    /// Canonical group key.
    public let key: String
    /// Label substrings (numbering stripped).
    public let labelKeys: [String]
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
        ApplicationsGroupSpec(key: "outcome", labelKeys: ["本年度办理结果", "办理结果"]),
        ApplicationsGroupSpec(key: "denied", labelKeys: ["不予公开"]),
        ApplicationsGroupSpec(key: "unavailable", labelKeys: ["无法提供"]),
        ApplicationsGroupSpec(key: "not_processed", labelKeys: ["不予处理"]),
        ApplicationsGroupSpec(key: "other_processing", labelKeys: ["其他处理"]),
    ]

    /// Looks a template up by kind (nil for `pre2019` / `unknown`).
    public static func of(_ kind: TemplateKind) -> ReportTemplate? {
        switch kind {
        case .t2021: return t2021
        case .t2019: return t2019
        default: return nil
        }
    }

    static let commonHead: [ApplicationsRowSpec] = [
        .init(path: ["new_received"], labelKeys: ["本年新收"], group: nil),
        .init(path: ["carried_over"], labelKeys: ["上年结转"], group: nil),
        .init(path: ["outcome", "granted"], labelKeys: ["予以公开"], group: "outcome"),
        .init(path: ["outcome", "partially_granted"], labelKeys: ["部分公开"], group: "outcome"),
        .init(path: ["outcome", "denied", "state_secret"], labelKeys: ["国家秘密"], group: "denied"),
        .init(path: ["outcome", "denied", "prohibited_by_law"], labelKeys: ["禁止公开"], group: "denied"),
        .init(path: ["outcome", "denied", "security_stability"], labelKeys: ["三安全", "一稳定"], group: "denied"),
        .init(path: ["outcome", "denied", "third_party_rights"], labelKeys: ["第三方"], group: "denied"),
        .init(path: ["outcome", "denied", "internal_affairs"], labelKeys: ["内部事务"], group: "denied"),
        .init(path: ["outcome", "denied", "process_info"], labelKeys: ["过程性"], group: "denied"),
        .init(path: ["outcome", "denied", "enforcement_file"], labelKeys: ["执法案卷"], group: "denied"),
        .init(path: ["outcome", "denied", "admin_query"], labelKeys: ["查询事项"], group: "denied"),
        .init(path: ["outcome", "unavailable", "not_held"], labelKeys: ["不掌握"], group: "unavailable"),
        .init(path: ["outcome", "unavailable", "needs_creation"], labelKeys: ["另行制作"], group: "unavailable"),
        .init(path: ["outcome", "unavailable", "unclear_after_correction"], labelKeys: ["仍不明确"], group: "unavailable"),
        .init(path: ["outcome", "not_processed", "petition_complaint"], labelKeys: ["信访", "举报投诉"], group: "not_processed"),
        .init(path: ["outcome", "not_processed", "duplicate"], labelKeys: ["重复申请"], group: "not_processed"),
        .init(path: ["outcome", "not_processed", "publication"], labelKeys: ["公开出版物"], group: "not_processed"),
        .init(path: ["outcome", "not_processed", "excessive_repeat"], labelKeys: ["大量反复"], group: "not_processed"),
        .init(path: ["outcome", "not_processed", "confirm_or_reissue"], labelKeys: ["重新出具"], group: "not_processed"),
    ]
    static let commonTail: [ApplicationsRowSpec] = [
        .init(path: ["outcome", "total"], labelKeys: ["(七)总计", "七总计"], group: "outcome"),
        .init(path: ["carried_forward"], labelKeys: ["结转下年度", "下年度继续办理"], group: nil),
    ]
    static let denied: [[String]] = ["state_secret", "prohibited_by_law", "security_stability", "third_party_rights",
                                     "internal_affairs", "process_info", "enforcement_file", "admin_query"].map { ["outcome", "denied", $0] }
    static let unavailable: [[String]] = ["not_held", "needs_creation", "unclear_after_correction"].map { ["outcome", "unavailable", $0] }
    static let notProcessed: [[String]] = ["petition_complaint", "duplicate", "publication", "excessive_repeat", "confirm_or_reissue"].map { ["outcome", "not_processed", $0] }

    /// 国办公开办函〔2021〕30号.
    public static let t2021 = ReportTemplate(
        kind: .t2021,
        proactive: [
            .init(block: "rules", labelKeys: ["规章"], columns: ["issued", "repealed", "in_force"], kinds: [.count, .count, .count]),
            .init(block: "normative_documents", labelKeys: ["规范性文件"], columns: ["issued", "repealed", "in_force"], kinds: [.count, .count, .count]),
            .init(block: "licensing", labelKeys: ["行政许可"], columns: ["decisions"], kinds: [.count]),
            .init(block: "penalty", labelKeys: ["行政处罚"], columns: ["decisions"], kinds: [.count]),
            .init(block: "coercion", labelKeys: ["行政强制"], columns: ["decisions"], kinds: [.count]),
            .init(block: "fees", labelKeys: ["行政事业性收费", "事业性收费"], columns: ["amount_wan_yuan"], kinds: [.moneyWanYuan]),
        ],
        applications: commonHead + [
            .init(path: ["outcome", "other_processing", "no_correction"], labelKeys: ["逾期不补正", "不补正"], group: "other_processing"),
            .init(path: ["outcome", "other_processing", "fee_unpaid"], labelKeys: ["缴纳费用", "收费通知"], group: "other_processing"),
            .init(path: ["outcome", "other_processing", "other"], labelKeys: [], group: "other_processing"),
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
            .init(block: "rules", labelKeys: ["规章"], columns: ["made", "published", "published_total"], kinds: [.count, .count, .count]),
            .init(block: "normative_documents", labelKeys: ["规范性文件"], columns: ["made", "published", "published_total"], kinds: [.count, .count, .count]),
            .init(block: "licensing", labelKeys: ["行政许可"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count]),
            .init(block: "other_services", labelKeys: ["对外管理服务"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count]),
            .init(block: "penalty", labelKeys: ["行政处罚"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count]),
            .init(block: "coercion", labelKeys: ["行政强制"], columns: ["items_prev_year", "items_change", "decisions"], kinds: [.count, .signedCount, .count]),
            .init(block: "fees", labelKeys: ["行政事业性收费", "事业性收费"], columns: ["items_prev_year", "items_change"], kinds: [.count, .signedCount]),
            .init(block: "procurement", labelKeys: ["政府集中采购", "集中采购"], columns: ["projects", "amount_wan_yuan"], kinds: [.count, .moneyWanYuan]),
        ],
        applications: commonHead + [
            .init(path: ["outcome", "other_processing", "subtotal"], labelKeys: ["其他处理"], group: "outcome"),
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
