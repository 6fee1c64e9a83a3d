import Testing
import NianbaoExtract
@testable import NianbaoNormalize

@Suite struct PageTextTests {
    @Test(arguments: [
        ("一、总体情况", SectionKind.overview as SectionKind?),
        ("一、总体概述", .overview),
        ("2023年政务公开总体情况", .overview),
        ("一、總體情況", .overview),
        ("二、主动公开政府政府情况", .proactive),
        ("三、收到和处理政府信息公开申请情况", .applications),
        ("四、政府信息公开行政复议、行政诉讼情况", .reviewLitigation),
        ("四、因政府信息公开工作被申请行政复议提起行政诉讼情况", .reviewLitigation),
        ("五、存在问题及改进情况", .problems),
        ("五、主要问题和改进措施", .problems),
        ("六、其他报告事项", .otherMatters),
        // B16 and sub-headings: never a section
        ("四、结转下年度继续办理", nil),
        ("三、本年度办理结果", nil),
        ("(一)主动公开情况", nil),
        ("（二）依申请公开情况", nil),
        ("本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、存在的主要问题及改进情况、其他需要报告的事项等六部分组成。", nil),
    ] as [(String, SectionKind?)])
    func headings(_ line: String, _ want: SectionKind?) {
        #expect(PageText.heading(line) == want)
    }

    @Test func inlineHeadingsAreSplitOut() {
        let segs = PageText.splitInlineHeadings([.line("前言。一、总体情况 全年公开120条。二、主动公开政府信息情况 第二十条第(一)项")])
        #expect(segs == [.line("前言。"), .line("一、总体情况"), .line("全年公开120条。"), .line("二、主动公开政府信息情况"), .line("第二十条第(一)项")])
    }

    @Test func anEmptyMetadataValueNeverTakesItsNeighbour() {
        let pairs = PageText.metadataPairs(["信息索引号 01404053X/2024-00175 生成日期 2024-01-22", "文件编号 公开时限 长期公开 发布机构 临港经济开发区党政办公室", "效力状况 有效 文件下载"])
        let map = Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(map["index_number"] == "01404053X/2024-00175")
        #expect(map["document_number"] == "")
        #expect(map["disclosure_term"] == "长期公开")
        #expect(map["publisher"] == "临港经济开发区党政办公室")
        #expect(map["validity_status"] == "有效")
    }

    @Test func metadataInGridCells() {
        let pairs = PageText.metadataPairs(["索引号：", "003539876/2023-00004", "文号：", "", "发布机构：", "石壁镇"])
        #expect(pairs.map(\.key) == ["index_number", "document_number", "publisher"])
        #expect(pairs.map(\.value) == ["003539876/2023-00004", "", "石壁镇"])
    }

    @Test func contactSentence() {
        let c = PageText.contact(["如对本报告有任何疑问,请与江阴临港经济开发区党政办公室联系,办公地点:江阴市珠江路198号,联系电话:051086868123"])
        #expect(c.org == "江阴临港经济开发区党政办公室")
        #expect(c.address == "江阴市珠江路198号")
        #expect(c.phone == "051086868123")
        let d = PageText.contact(["请与新安镇人民政府联系(地址:滁州市来安县新安镇人民政府大楼,电话:0550-5611510,邮编:239200),邮箱 xaz@laian.gov.cn。"])
        #expect(d.phone == "0550-5611510")
        #expect(d.email == "xaz@laian.gov.cn")
    }

    @Test func titlesAndAgencies() {
        #expect(PageText.isTitle("平潭综合实验区2025年度政府信息公开工作年度报告"))
        #expect(!PageText.isTitle("政府信息公开年报"))
        #expect(PageText.titleAgency("平潭综合实验区2025年度政府信息公开工作年度报告") == "平潭综合实验区")
        #expect(PageText.titleAgency("2023年政府信息公开工作年度报告") == nil)
        #expect(PageText.titleYear("2023年度政府信息公开工作年度报告") == 2023)
        #expect(PageText.breadcrumb("当前位置: 首页 >  临港经济开发区 > 信息公开 > 政府信息公开工作年度报告") == ["首页", "临港经济开发区", "信息公开", "政府信息公开工作年度报告"])
    }
}

@Suite struct NormalizerTests {
    private func normalize(_ text: String) throws -> JSONValue { try normalizedRecord(text: text) }

    @Test func templateComesFromLabelsNotFromTheYear() throws {
        let r = try normalize("某局2021年政府信息公开工作年度报告\n一、总体情况\n二、主动公开政府信息情况\n第二十条第(一)项\n信息内容\n本年新制作数量\n本年新公开数量\n对外公开总数量\n规章\n0\n0\n0\n统计期限自2021年1月1日起至2021年12月31日止。")
        #expect(r[path: "report.template"] == .string("2019"))
        #expect(r[path: "report.year"] == .int(2021))
        #expect(r[path: "quality.warnings.0.code"] == .string("template.year_conflict"))
    }

    @Test func rowFourBeforeSectionFourIsNotAHeading() throws {
        let text = """
        某局2020年政府信息公开工作年度报告
        一、总体情况
        二、主动公开政府信息情况
        第二十条第(一)项
        信息内容 本年制发件数 本年废止件数 现行有效件数
        三、收到和处理政府信息公开申请情况
        申请人情况
        一、本年新收政府信息公开申请数量 2 0 0 0 0 0 2
        四、结转下年度继续办理 2 0 0 0 0 0 2
        四、政府信息公开行政复议、行政诉讼情况
        行政复议 行政诉讼
        1 0 0 0 1 0 0 0 0 0 0 0 0 0 0
        五、存在的主要问题及改进情况
        无。
        """
        let r = try normalize(text)
        #expect(r[path: "tables.applications.carried_forward.total"] == .int(2))
        #expect(r[path: "tables.review_litigation.review.upheld"] == .int(1))
        #expect(r[path: "tables.review_litigation.review.total"] == .int(1))
        #expect(r[path: "report.sections.problems"] == .string("无。"))
    }

    @Test func labelsOnlyGiveNullsNotZeros() throws {
        // B7: a table that kept its labels and lost every value.
        let r = try normalize("某镇2022年政府信息公开工作年度报告\n二、主动公开政府信息情况\n第二十条第(一)项\n信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n规章\n行政规范性文件\n三、收到和处理政府信息公开申请情况\n五、存在的主要问题及改进情况\n无")
        #expect(r[path: "tables.proactive.rules.issued"] == .null)
        #expect(r[path: "quality.cells"]?[path: "tables.proactive.rules.issued"] == nil)  // dotted keys: look up the object directly
        let cells = r[path: "quality.cells"]?.objectValue ?? [:]
        #expect(cells["tables.proactive.rules.issued"]?[path: "status"] == .string("missing"))
        #expect(r[path: "tables.applications.new_received.total"] == .null)
    }

    @Test func notAReport() {
        #expect(throws: NormalizeError.self) { try normalize("我区召开2024年政务公开工作推进会\n会议要求各部门压实责任。") }
    }
}

@Suite struct OneLineAndProseTests {
    private func normalize(_ text: String) throws -> JSONValue { try normalizedRecord(text: text) }

    /// B4/B18: a whole report, tables included, on one line.
    @Test func aWholeReportOnOneLine() throws {
        var rows = ["一、本年新收政府信息公开申请数量 2 1 0 0 0 0 3", "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0", "三、本年度办理结果",
                    "(一)予以公开 2 1 0 0 0 0 3", "(二)部分公开(区分处理的,只计这一情形,不计其他情形) 0 0 0 0 0 0 0"]
        rows += ["(三)不予公开"] + ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息",
                                  "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"].map { $0 + " 0 0 0 0 0 0 0" }
        rows += ["(四)无法提供"] + ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"].map { $0 + " 0 0 0 0 0 0 0" }
        rows += ["(五)不予处理"] + ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"].map { $0 + " 0 0 0 0 0 0 0" }
        rows += ["(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0",
                 "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0", "3.其他 0 0 0 0 0 0 0",
                 "(七)总计 2 1 0 0 0 0 3", "四、结转下年度继续办理 0 0 0 0 0 0 0"]
        let text = "某镇2022年政府信息公开工作年度报告 统计期限自2022年1月1日至2022年12月31日。一、总体情况 全年公开信息30条。"
            + "二、主动公开政府信息情况 第二十条第(一)项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章 0 0 0 行政规范性文件 1 0 5 "
            + "三、收到和处理政府信息公开申请情况 申请人情况 " + rows.joined(separator: " ")
            + " 四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 五、存在的主要问题及改进情况 无。"
        let r = try normalize(text)
        #expect(r[path: "report.template"] == .string("2021"))
        #expect(r[path: "report.year"] == .int(2022))
        #expect(r[path: "tables.proactive.normative_documents.in_force"] == .int(5))
        #expect(r[path: "tables.applications.new_received.commercial_enterprise"] == .int(1))
        #expect(r[path: "tables.applications.outcome.total.total"] == .int(3))
        #expect(r[path: "tables.review_litigation.review.total"] == .int(0))
        #expect(r[path: "report.sections.overview"] == .string("全年公开信息30条。"))
        let statuses = (r[path: "quality.checks"]?.arrayValue ?? []).map { $0[path: "status"]?.stringValue }
        #expect(statuses.count == 42 && statuses.allSatisfy { $0 == "pass" })
        // Every 表三/表四 cell is plainly reported; the 表二 rows the line leaves out are missing, not zero.
        let notes = r[path: "quality.cells"]?.objectValue ?? [:]
        #expect(notes.keys.filter { !$0.hasPrefix("tables.proactive.") }.isEmpty)
        #expect(notes["tables.proactive.licensing.decisions"]?[path: "rule"] == .string("row.not_found"))
        #expect(r[path: "tables.proactive.licensing.decisions"] == .null)
    }

    @Test func proseThatDisagreesWithTheTableIsFlagged() throws {
        let text = """
        某局2022年政府信息公开工作年度报告
        一、总体情况
        全年共收到政府信息公开申请9件。
        三、收到和处理政府信息公开申请情况
        申请人情况
        一、本年新收政府信息公开申请数量 3 0 0 0 0 0 3
        二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0
        四、结转下年度继续办理 0 0 0 0 0 0 0
        五、存在的主要问题及改进情况
        无。
        """
        let r = try normalize(text)
        let codes = (r[path: "quality.warnings"]?.arrayValue ?? []).compactMap { $0[path: "code"]?.stringValue }
        #expect(codes.contains("prose.table_mismatch"))
        #expect(r[path: "tables.applications.new_received.total"] == .int(3))  // the table is kept as reported
    }
}
