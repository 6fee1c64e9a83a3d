import Testing
@testable import NianbaoNormalize

/// Agency keys: the same body gets the same key across years and copies, different bodies different keys.
@Suite struct AgencyKeyTests {
    func key(_ agency: String?, _ url: String? = nil, index: String? = nil, other: [(String, String)] = []) -> String? {
        AgencyKey.derive(indexNumber: index, otherMetadata: other.map { (label: $0.0, value: $0.1) }, agency: agency, url: url)?.key
    }

    @Test func checkCharactersAreVerified() {
        // Real codes: 江阴临港经济开发区 (索引号 01404053X/2024-00175); 威海市人民政府办公室's 统一社会信用代码
        // 11371000004359010J (its characters 9–17 are the organisation code 004359010).
        #expect(AgencyKey.organisationCode("01404053X")?.code == "01404053X")
        #expect(AgencyKey.organisationCode("01404053-X")?.code == "01404053X")
        #expect(AgencyKey.organisationCode("01404053Y") == nil)
        #expect(AgencyKey.organisationCode("014040531") == nil)
        #expect(AgencyKey.organisationCode("11371000004359010J").map { "\($0.code) \($0.fromUSCC)" } == "004359010 true")
        #expect(AgencyKey.organisationCode("11371000004359010K") == nil)  // wrong check character
        #expect(AgencyKey.organisationCode("000000000") == nil)
        #expect(AgencyKey.indexPrefix(" 01404053x /2024-00175") == "01404053X")
    }

    @Test func pairsThatMustMerge() {
        // One body, its name written two ways, the same organisation code in both 索引号.
        #expect(key("临港经济开发区", index: "01404053X/2024-00175") == key("江阴临港经济开发区", index: "01404053X/2023-00012"))
        #expect(key("临港经济开发区", index: "01404053X/2024-00175") == "org:01404053X")
        // The old organisation code one year, the 统一社会信用代码 the next.
        #expect(key("威海市人民政府办公室", index: "11371000004359010J/2025-00809") == key("威海市政府办公室", index: "004359010/2021-00031"))
        // The code under its own label of the 信息公开 block.
        #expect(key("威海市人民政府办公室", other: [("统一社会信用代码", "11371000004359010J")]) == "org:004359010")
        // No code: the site and the name, written with and without its province, long and short forms,
        // traditional characters, with or without www.
        let site = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm"
        #expect(key("福建省平潭综合实验区管理委员会", site) == key("平潭综合实验区管委会", "http://pingtan.gov.cn/a/2024.htm"))
        #expect(key("兴国县人民政府办公室", "http://www.xingguo.gov.cn/1.html") == key("兴国县政府办公室", "http://www.xingguo.gov.cn/2.html"))
        #expect(key("临港 经济开发区（本级）", "https://www.jiangyin.gov.cn/x") == key("临港经济开发区", "https://WWW.jiangyin.gov.cn:443/y"))
        #expect(key("平潭綜合實驗區", site) == key("平潭综合实验区", site))  // traditional forms the label table knows
        #expect(key("渝中区大溪沟街道办事处") == key("重庆市渝中区大溪沟街道办事处"))
    }

    @Test func pairsThatMustNotMerge() {
        // The same generic name on two sites: two bodies.
        #expect(key("区统计局", "http://a.gov.cn/1.html") != key("区统计局", "http://b.gov.cn/1.html"))
        // A generic name with no site and no code is no key at all (区统计局 could be any district's).
        #expect(key("区统计局") == nil)
        #expect(key("某镇人民政府") == nil)
        // Two bodies on one site.
        #expect(key("兴国县教育局", "http://www.xingguo.gov.cn/1") != key("兴国县卫生健康委员会", "http://www.xingguo.gov.cn/2"))
        // Two organisation codes, one name: two bodies (a code outranks the name).
        #expect(key("交通运输局", index: "01404053X/2024-1") != key("交通运输局", index: "004359010/2024-1"))
        // A code with a wrong check character is not evidence: the name (and site) decide.
        #expect(key("临港经济开发区", "https://www.jiangyin.gov.cn/x", index: "01404053Y/2024-1") == "name:jiangyin.gov.cn/临港经济开发区")
        // The same name under a code and without one: the code is stronger evidence, the keys differ.
        #expect(key("临港经济开发区", index: "01404053X/2024-1") != key("临港经济开发区", "https://www.jiangyin.gov.cn/x"))
        #expect(AgencyKey.reportKey(agencyKey: "org:01404053X", year: 2023, template: "2021") == "org:01404053X|2023|2021")
        #expect(AgencyKey.reportKey(agencyKey: "org:01404053X", year: nil, template: "2021") == nil)
    }
}

/// Cross-year checks over a made series of one agency.
@Suite struct CrossYearCheckTests {
    func report(_ year: Int, carried: Int?, brought: Int?, inForce: Int? = 10, issued: Int? = 2, repealed: Int? = 1,
                template: String? = nil, id: String? = nil, tables: String? = nil, current: Bool = true) -> YearReport {
        YearReport(reportID: id ?? "r\(year)", agencyKey: "org:01404053X", year: year, template: template ?? CrossYearChecks.expectedTemplate(year),
                   isCurrent: current, tablesDigest: tables ?? "t\(year)",
                   carriedForward: [carried, 0, 0, 0, 0, 0, carried], broughtForward: [brought, 0, 0, 0, 0, 0, brought],
                   stock: ["rules": [issued, repealed, inForce], "normative_documents": [0, 0, 5]])
    }

    @Test func aContinuousSeriesPassesEveryPair() {
        // 2021 → 2023: carried forward 3 → brought forward 3, 4 → 4; stock 10 → 10 + 2 − 1 = 11 → 11 + 2 − 1 = 12.
        let series = [report(2021, carried: 3, brought: 0, inForce: 10), report(2022, carried: 4, brought: 3, inForce: 11), report(2023, carried: 0, brought: 4, inForce: 12)]
        let checks = CrossYearChecks.run(series)
        #expect(checks.filter { $0.checkID.hasPrefix("carry_over.") }.count == 14)
        #expect(checks.filter { $0.checkID.hasPrefix("stock.") }.count == 4)
        #expect(checks.filter { $0.checkID == "template.year" }.count == 3)
        #expect(checks.allSatisfy { $0.status == "pass" }, "\(checks.filter { $0.status != "pass" })")
        let first = checks.first { $0.checkID == "carry_over.natural_person" && $0.year == 2021 }
        #expect(first?.messageZh == "2021年 四、结转下年度继续办理 = 2022年 二、上年结转（自然人）: 3 = 3")
        #expect(first?.nextYear == 2022 && first?.reportID == "r2021" && first?.nextReportID == "r2022")
    }

    @Test func eachCheckFails() {
        let broken = [report(2021, carried: 3, brought: 0, inForce: 10), report(2022, carried: 4, brought: 2, inForce: 15),
                      report(2024, carried: nil, brought: 4, template: "2019")]
        let checks = CrossYearChecks.run(broken)
        func find(_ id: String, _ year: Int) -> CrossYearCheck? { checks.first { $0.checkID == id && $0.year == year } }
        let carry = find("carry_over.total", 2021)
        #expect(carry?.status == "fail" && carry?.expected == 3 && carry?.actual == 2)
        #expect(carry?.messageEn == "2021 carried forward ≠ 2022 brought forward (total): 3 ≠ 2")
        let stock = find("stock.rules", 2021)
        #expect(stock?.status == "warn" && stock?.expected == 11 && stock?.actual == 15)
        #expect(find("years.missing", 2023)?.status == "warn")
        #expect(find("template.year", 2024)?.status == "warn")
        // 2022 → 2024 is no pair (2023 is missing); nothing compares them.
        #expect(!checks.contains { $0.year == 2022 && $0.nextYear == 2024 })
        // An unknown value: not assessable, never a pass.
        let unknown = CrossYearChecks.run([report(2021, carried: nil, brought: 0), report(2022, carried: 1, brought: 5)])
        #expect(unknown.first { $0.checkID == "carry_over.natural_person" }?.status == "not_assessable")
    }

    @Test func aYearPublishedTwiceWithDifferentTablesIsFlaggedAndCopiesAreNot() {
        let copy = report(2022, carried: 4, brought: 3, id: "mirror", tables: "t2022", current: false)
        let other = report(2022, carried: 5, brought: 3, id: "other", tables: "different", current: false)
        let base = [report(2021, carried: 3, brought: 0), report(2022, carried: 4, brought: 3)]
        #expect(!CrossYearChecks.run(base + [copy]).contains { $0.checkID == "year.published_twice" })
        let twice = CrossYearChecks.run(base + [other]).first { $0.checkID == "year.published_twice" }
        #expect(twice?.status == "warn" && twice?.actual == 2 && twice?.year == 2022)
    }
}
