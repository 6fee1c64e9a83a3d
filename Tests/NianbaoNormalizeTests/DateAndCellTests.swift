import Testing
@testable import NianbaoNormalize

@Suite struct DateRepairTests {
    @Test(arguments: [
        // B1: 年/月 lost, with the priors of each role
        ("202311日", DateRole.periodStart, nil as Int?, "2023-01-01", "date.lost_separators"),
        ("20231231日", .periodEnd, nil, "2023-12-31", "date.lost_separators"),
        ("20211230日", .periodEnd, nil, "2021-12-30", "date.lost_separators"),
        ("1231日", .periodEnd, 2021, "2021-12-31", "date.lost_separators"),
        ("20211月1日", .periodStart, nil, "2021-01-01", "date.lost_separators"),
        ("202112月31日", .periodEnd, nil, "2021-12-31", "date.lost_separators"),
        ("2021926", .plain, nil, "2021-09-26", "date.lost_separators"),
        ("20241", .signature, nil, "2024-01", "date.lost_separators"),
        ("202111日", .periodStart, nil, "2021-01-01", "date.lost_separators"),
        // well formed, B3 spaces, implied year
        ("2023年1月16日", .signature, nil, "2023-01-16", nil),
        ("2023 年 1 月 16 日", .signature, nil, "2023-01-16", nil),
        ("2024-01-22", .plain, nil, "2024-01-22", nil),
        ("2026-03-10 12:56", .plain, nil, "2026-03-10", nil),
        ("2024年1月", .signature, nil, "2024-01", nil),
        ("12月31日", .periodEnd, 2021, "2021-12-31", "date.year_implied"),
    ] as [(String, DateRole, Int?, String, String?)])
    func reads(_ raw: String, _ role: DateRole, _ defaultYear: Int?, _ want: String, _ rule: String?) throws {
        let d = try #require(DateReader.parse(raw, role: role, defaultYear: defaultYear))
        #expect(d.date.description == want)
        #expect(d.repair == rule)
    }

    @Test func rejectsWhatIsNotADate() {
        #expect(DateReader.parse("051086868123", role: .plain) == nil)  // B20: a phone number
        #expect(DateReader.parse("20231399日", role: .periodEnd) == nil)
        #expect(DateReader.parse("文件编号", role: .plain) == nil)
    }

    @Test func findsDateExpressionsInASentence() {
        let s = "所列数据的统计期限自202311日起至20231231日止。如有疑问请拨打051086868123"
        #expect(DateReader.dateExpressions(in: s).prefix(2) == ["202311日", "20231231日"])
    }
}

@Suite struct CellParserTests {
    private func number(_ s: String) -> (String, [String], String?)? {
        guard case .number(let n, _, let conv, let unit)? = CellParser.parse(s) else { return nil }
        return (n.description, conv, unit)
    }

    @Test func plainAndSignedNumbers() {
        #expect(number(" 16 ")! == ("16", [], nil))
        #expect(number("+19")! == ("19", [], nil))
        #expect(number("-8")! == ("-8", [], nil))
        #expect(number("减4")! == ("-4", ["number.worded_sign"], nil))
        #expect(number("增2")! == ("2", ["number.worded_sign"], nil))
    }

    @Test func formatsAndUnits() {
        #expect(number("１６")! == ("16", ["number.fullwidth"], nil))
        #expect(number("1,204")! == ("1204", ["number.thousands_separator"], nil))
        #expect(number("251000元")! == ("251000", [], "元"))
        #expect(number("52.15万元")! == ("52.15", [], "万元"))
        #expect(number("4166.241619")! == ("4166.241619", [], nil))
        #expect(number("16件")! == ("16", ["number.unit_stripped"], nil))
        #expect(number("2.020")! == ("2.02", [], nil))
    }

    @Test func blanksMarkersAndLabels() {
        #expect(CellParser.parse("  ") == .blank)
        #expect(CellParser.parse("\u{00A0}") == .blank)
        #expect(CellParser.parse("/") == .notApplicable(raw: "/"))
        #expect(CellParser.parse("——") == .notApplicable(raw: "——"))
        #expect(CellParser.parse("规章") == nil)
        #expect(CellParser.parse("2023年") == nil)
        #expect(CellParser.parse("1.属于国家秘密") == nil)
        #expect(CellParser.parse("12,34") == nil)
    }

    @Test func decimalArithmeticIsExact() {
        #expect(DecimalNumber(mantissa: 251000, scale: 0).yuanToWanYuan().description == "25.1")
        #expect(DecimalNumber(mantissa: 4166241619, scale: 6).rounded(to: 4).description == "4166.2416")
        #expect(DecimalNumber(mantissa: 41662416500, scale: 7).rounded(to: 4).description == "4166.2417")
        #expect(DecimalNumber(mantissa: 5, scale: 3).description == "0.005")
        #expect(DecimalNumber(mantissa: -125, scale: 2).description == "-1.25")
    }
}

@Suite struct LabelTextTests {
    @Test func foldsWidthSpacesTraditionalAndGlosses() {
        #expect(LabelText.matchKey("第二十條 第（一）項") == "第二十条第(一)项")
        #expect(LabelText.matchKey("本年收費金額(單位:萬元)") == "本年收费金额(单位:万元)")
        #expect(LabelText.matchKey("商 业\n企") + LabelText.matchKey("业") == "商业企业")
        #expect(LabelText.matchKey("本機(jī)構(gòu)") == "本机构")
        #expect(LabelText.matchKey("（三）不予公开") == "(三)不予公开")
    }

    @Test func stripsListNumbering() {
        #expect(LabelText.stripNumbering("四、结转下年度继续办理") == "结转下年度继续办理")
        #expect(LabelText.stripNumbering("(七)总计") == "总计")
        #expect(LabelText.stripNumbering("3.其他") == "其他")
        #expect(LabelText.stripNumbering("1、信访举报投诉类申请") == "信访举报投诉类申请")
        #expect(LabelText.stripNumbering("规章") == "规章")
    }
}
