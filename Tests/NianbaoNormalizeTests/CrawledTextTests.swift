import Testing
import NianbaoExtract
@testable import NianbaoNormalize

/// The record of a text page (no URL, a fixed id), for tests that look at what the normalizer reads.
func normalizedRecord(text: String) throws -> JSONValue {
    try Normalizer.normalize(TextPageReader.read(text),
                             source: SourceInfo(url: nil, retrievedAt: nil, contentSHA256: String(repeating: "0", count: 64), charset: "utf-8", charsetSource: "assumed"),
                             id: "00000000000000000000", extractor: ExtractorInfo(name: "nianbao", version: "test", libxml2: "x"))
}

/// Crawled text copies: the crawler's header block, labels and values run together (issue: real pages as they come).
@Suite struct CrawledTextTests {
    @Test func theCrawlerHeaderBlockIsMetadataNotBody() throws {
        // CRLF line ends, an empty 文号, 栏目 and 本地目录 that read like titles, a note line, the 正文 rule.
        let text = ["标题: 某县审计局2024年政府信息公开工作年度报告", "发布时间: 2025-01-20 09:30", "文号: ", "发布机构: 某县审计局",
                    "栏目: 政府信息公开年度报告", "原文链接: https://www.example.gov.cn/xxgk/2025/0120/1.html",
                    "本地目录: xxgk/2025/1_某县审计局2024年政府信息公开工作年度报告", "页面链接与图片详见 links.tsv(同目录)",
                    "==================== 正文 ====================",
                    "本报告根据《中华人民共和国政府信息公开条例》编制。本报告所列数据统计期限为2024年1月1日至2024年12月31日。一、总体情况 2024年，我局做好公开工作。六、其他需要报告的事项 无。",
                    // the site's words after the report
                    "附件下载", "打印本页 关闭窗口", "分享到：微信 微博", "版权所有：某县人民政府 网站标识码1234"]
            .joined(separator: "\r\n") + "\r\n"
        let page = TextPageReader.read(text)
        #expect(page.headerFields.map(\.label) == ["标题", "发布时间", "文号", "发布机构", "栏目", "原文链接", "本地目录"])
        #expect(CrawlHeader.sourceURL(page.headerFields) == "https://www.example.gov.cn/xxgk/2025/0120/1.html")
        let r = try normalizedRecord(text: text)
        #expect(r[path: "page.metadata.document_number"] == .null)
        #expect(r[path: "page.metadata.published_date"] == .string("2025-01-20"))
        #expect(r[path: "page.metadata.publisher"] == .string("某县审计局"))
        #expect(r[path: "page.metadata.other"]?[path: "栏目"] == .string("政府信息公开年度报告"))
        #expect(r[path: "page.title"] == .string("某县审计局2024年政府信息公开工作年度报告"))
        #expect(r[path: "report.title"] == .string("某县审计局2024年政府信息公开工作年度报告"))
        #expect(r[path: "report.agency"] == .string("某县审计局"))
        #expect(r[path: "report.period.start"] == .string("2024-01-01"))
        #expect(r[path: "report.sections.overview"] == .string("2024年，我局做好公开工作。"))
        #expect(r[path: "report.sections.other_matters"] == .string("无。"))
    }

    @Test func aLineOfFieldsWithoutARuleNeedsThreeKnownLabels() {
        #expect(TextPageReader.read("标题: 某局2023年政府信息公开工作年度报告\n一、总体情况\n").headerFields.isEmpty)
        let page = TextPageReader.read("标题: 某局报告\n发布时间: 2024-01-02\n原文链接: http://a.gov.cn/1.htm\n一、总体情况\n正文。\n")
        #expect(page.headerFields.count == 3)
        #expect(page.segments == [.line("一、总体情况"), .line("正文。")])
    }

    @Test(arguments: [
        ("规章000行政规范性文件5845546", [GluedText.Piece.label("规章"), .run("000"), .label("行政规范性文件"), .run("5845546")]),
        // an item number written against the values before it
        ("（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0000000",
         [.label("（三）不予公开"), .label("1.属于国家秘密"), .run("0000000"), .label("2.其他法律行政法规禁止公开"), .run("0000000")]),
        ("（七）总计14710000148四、结转下年度继续办理4200006", [.label("（七）总计"), .run("14710000148"), .label("四、结转下年度继续办理"), .run("4200006")]),
        ("行政事业性收费4166.241619", [.label("行政事业性收费"), .run("4166.241619")]),
        // digits that are text: years, document numbers, notes
        ("上一年项目数量(指2019年事项数)", nil),
        ("国办公开办函〔2021〕30号", nil),
        // a count with its unit in a note is text, not a cell
        ("合计15件", nil),
    ] as [(String, [GluedText.Piece]?)])
    func gluedWordsAreCutIntoLabelsAndRuns(_ word: String, _ want: [GluedText.Piece]?) {
        #expect(GluedText.pieces(word) == want)
    }

    @Test func everySplitOfARunIsFoundAndTheRowTotalKeepsOnlyTheTrueOne() {
        func ints(_ r: DigitRunSplitter.Result) -> [[Int?]] { r.splits.map { $0.map { $0?.integer } } }
        // 表三: seven cells, the last the sum of the six before it.
        let rowTotal: ([DecimalNumber?]) -> Bool = { v in
            v.count < 7 || v[6]!.mantissa == v[0..<6].reduce(0) { $0 + $1!.mantissa }
        }
        #expect(ints(DigitRunSplitter.splits([.run("15130000154")], columns: 7, money: { _ in false }, accept: rowTotal)) == [[151, 3, 0, 0, 0, 0, 154]])
        #expect(ints(DigitRunSplitter.splits([.run("491000050")], columns: 7, money: { _ in false }, accept: rowTotal)) == [[49, 1, 0, 0, 0, 0, 50]])
        // 表二 has no identity: 5845546 into three cells has 15 splits, none preferred.
        let free = DigitRunSplitter.splits([.run("5845546")], columns: 3, money: { _ in false })
        #expect(free.splits.count == 15)
        #expect(ints(free).contains([58, 45, 546]))
        // A cell is 0 or has no leading zero: 000 is three cells, never 0 and 00.
        #expect(ints(DigitRunSplitter.splits([.run("000")], columns: 3, money: { _ in false })) == [[0, 0, 0]])
        #expect(DigitRunSplitter.splits([.run("000")], columns: 2, money: { _ in false }).splits.isEmpty)
        // Money may carry a decimal point: 318.6 into 项目数量 · 采购总金额.
        let money = DigitRunSplitter.splits([.run("318.6")], columns: 2, money: { $0 == 1 })
        #expect(Set(money.splits.map { $0.map { $0!.description } }) == [["3", "18.6"], ["31", "8.6"]])
    }

    @Test func aCrawledOneLineReportGivesEveryCellTheIdentitiesDecide() throws {
        let text = "某镇2023年政府信息公开工作年度报告 本报告所列数据统计期限为2023年1月1日至2023年12月31日。一、总体情况 全年公开信息。"
            + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件2013"
            + "三、收到和处理政府信息公开申请情况申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
            + "一、本年新收政府信息公开申请数量121000013二、上年结转政府信息公开申请数量0000000三、本年度办理结果（一）予以公开121000013"
            + "（七）总计121000013四、结转下年度继续办理0000000"
            + "四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计10020120000000000"
            + "五、存在的主要问题及改进情况无。六、其他需要报告的事项无。"
        let r = try normalizedRecord(text: text)
        // 12 1 0 0 0 0 13 as "121000013": 1 2 10 0 0 0 13 fits the row total too, and the table's other
        // rows say the same, so the applicant columns stay open; the total is 13 in every split.
        #expect(r[path: "tables.applications.new_received.total"] == .int(13))
        #expect(r[path: "quality.cells"]?.objectValue?["tables.applications.new_received.total"]?[path: "status"] == .string("segmented"))
        #expect(r[path: "tables.applications.new_received.natural_person"] == .null)
        #expect(r[path: "quality.cells"]?.objectValue?["tables.applications.new_received.natural_person"]?[path: "candidates"] == .array([.int(1), .int(12)]))
        #expect(r[path: "tables.applications.new_received.other_org"] == .int(0))
        // 表四 "10020120000000000": the block totals leave one split.
        #expect(r[path: "tables.review_litigation.review.upheld"] == .int(10))
        #expect(r[path: "tables.review_litigation.review.total"] == .int(12))
        #expect(r[path: "tables.proactive.rules.issued"] == .int(0))
        // 2013 into three cells: 2·0·13, 20·1·3, 2·01… — several splits, so null and listed.
        #expect(r[path: "tables.proactive.normative_documents.issued"] == .null)
        #expect(r[path: "quality.cells"]?.objectValue?["tables.proactive.normative_documents.issued"]?[path: "status"] == .string("ambiguous"))
    }
}

/// Sections, periods, titles and truncation on real-shaped pages (issue: real pages as they come).
@Suite struct RealPageShapesTests {
    @Test func aPreambleListingTheSixPartsOnePerLineIsNotTheReportsHeadings() throws {
        let r = try normalizedRecord(text: """
        某区教育局2022年政府信息公开工作年度报告
        本报告由以下六部分组成：
        一、总体情况
        二、主动公开政府信息情况
        三、收到和处理政府信息公开申请情况
        四、政府信息公开行政复议、行政诉讼情况
        五、存在的主要问题及改进情况
        六、其他需要报告的事项
        一、总体情况
        2022年，区教育局做好公开工作。
        二、主动公开政府信息情况
        第二十条第（一）项
        信息内容 本年制发件数 本年废止件数 现行有效件数
        规章 0 0 0
        四、政府信息公开行政复议、行政诉讼情况
        行政复议 行政诉讼
        1 0 0 0 1 0 0 0 0 0 0 0 0 0 0
        五、存在的主要问题及改进情况
        人员不足。
        """)
        #expect(r[path: "report.sections.overview"] == .string("2022年，区教育局做好公开工作。"))
        #expect(r[path: "report.sections.problems"] == .string("人员不足。"))
        #expect(r[path: "tables.review_litigation.review.upheld"] == .int(1))
    }

    @Test(arguments: [
        ("四、政府信息公开行政法复议、行政诉讼情况", SectionKind.reviewLitigation as SectionKind?),
        ("五、存在的主要问题和整改情况", .problems),
        ("二、主动公开政府信息工作情况", .proactive),
        // the numeral must be the part's own
        ("二、政府信息公开行政法复议、行政诉讼情况", nil),
    ] as [(String, SectionKind?)])
    func misspeltHeadingsOpenTheirPartByKeyWordsAndNumeral(_ line: String, _ want: SectionKind?) {
        #expect(PageText.heading(line) == want)
    }

    @Test(arguments: [
        ("本报告中所列数据时限为2023年1月1日至2023年12月31日止。", "2023-01-01", "2023-12-31"),
        ("本年度报告中所列数据统计期限为2019年1月1日至12月31日期间。", "2019-01-01", "2019-12-31"),
        ("统计时限：2022年1月1日—2022年12月31日。", "2022-01-01", "2022-12-31"),
        ("数据统计期限自 2021 年 1 月 1 日起至 2021 年 12 月 31 日止。", "2021-01-01", "2021-12-31"),
    ])
    func statisticsPeriodSentences(_ sentence: String, _ start: String, _ end: String) throws {
        let r = try normalizedRecord(text: "某局政府信息公开工作年度报告\n\(sentence)\n一、总体情况\n全年公开。\n二、主动公开政府信息情况\n无。")
        #expect(r[path: "report.period.start"] == .string(start))
        #expect(r[path: "report.period.end"] == .string(end))
    }

    @Test func noPeriodSentenceIsNull() throws {
        let r = try normalizedRecord(text: "某局2023年政府信息公开工作年度报告\n一、总体情况\n全年公开。\n二、主动公开政府信息情况\n无。")
        #expect(r[path: "report.period.start"] == .null)
        #expect(r[path: "report.year"] == .int(2023))
    }

    @Test func aYearFirstTitleNamesTheAgencyAfterTheYear() {
        #expect(PageText.titleAgency("2019年上海市人民政府办公厅政府信息公开工作年度报告") == "上海市人民政府办公厅")
        #expect(PageText.titleAgency("2020年度某区司法局政府信息公开工作年度报告") == "某区司法局")
        #expect(PageText.titleAgency("平潭综合实验区2025年度政府信息公开工作年度报告") == "平潭综合实验区")
    }

    @Test func aPageCutOffInsideTable3SaysSoAndLeavesTheRestMissing() throws {
        let r = try normalizedRecord(text: """
        某局2022年政府信息公开工作年度报告
        一、总体情况
        全年公开。
        二、主动公开政府信息情况
        信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
        规章 | 0 | 0 | 0 |
        三、收到和处理政府信息公开申请情况
        一、本年新收政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
        二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |
        三、本年度办理结果
        （一）予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |
        （二）部分公开（区分处理的，只计这一情形，不计其他情形） | 0
        """)
        let warnings = r[path: "quality.warnings"]?.arrayValue ?? []
        #expect(warnings.contains { $0[path: "code"] == .string("page.truncated") && ($0[path: "message"]?.stringValue ?? "").contains("表三") })
        #expect(r[path: "tables.applications.new_received.total"] == .int(2))
        #expect(r[path: "tables.review_litigation.review.total"] == .null)
        #expect(r[path: "quality.cells"]?.objectValue?["tables.review_litigation.review.total"]?[path: "status"] == .string("missing"))
    }
}
