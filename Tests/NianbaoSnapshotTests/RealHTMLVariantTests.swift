import Foundation
import Testing
import NianbaoPipeline
import NianbaoNormalize

/// HTML variants and refusals of real pages (issue: real pages as they come).
@Suite struct RealHTMLVariantTests {
    static let page = """
<html><head><meta charset="utf-8"><title>某县发改局2023年政府信息公开工作年度报告-沭阳县发改局</title></head><body>
<div class="info">来源：沭阳县发改局 时间：2024-01-15</div>
<div>主题分类：综合政务 、发展规划；其他</div>
<div>关键词：年报 公开，发改</div>
<div class="content">
<p>本报告根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》编制。本报告所列数据统计期限为2023年1月1日至2023年12月31日。</p>
<p>一、总体情况</p><p>全年公开信息。如对本报告有疑问，请与沭阳县发改局办公室联系，电话0527-83512345。</p>
<p>二、主动公开政府信息情况</p><table><tr><td>第二十条第（一）项</td></tr><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr><tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table><p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td><td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td></td><td></td><td></td><td></td><td></td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table>
<p>五、存在的主要问题及改进情况</p><p>无。</p>
</div>
<div class="footer">联系邮箱：webmaster@example.gov.cn 版权所有</div>
</body></html>
"""

    func record(_ text: String, name: String) throws -> JSONValue {
        try Pipeline.normalize(bytes: Array(text.utf8), name: name).record
    }

    @Test func siteSuffixSourceAndTimeTopicsAndTheFooter() throws {
        let r = try record(Self.page, name: "page.html")
        // <title>…年度报告-沭阳县发改局: the report title alone, and its agency.
        #expect(r[path: "report.title"] == .string("某县发改局2023年政府信息公开工作年度报告"))
        #expect(r[path: "report.agency"] == .string("某县发改局"))
        // 来源：X 时间：Y in one line.
        #expect(r[path: "page.metadata.publisher"] == .string("沭阳县发改局"))
        #expect(r[path: "page.metadata.published_date"] == .string("2024-01-15"))
        #expect(r[path: "page.metadata.other"] == .object([:]))
        #expect(r[path: "page.metadata.topics"] == .array([.string("综合政务"), .string("发展规划"), .string("其他")]))
        // The site's footer e-mail is not the report's contact; the report's own phone is.
        #expect(r[path: "report.contact.email"] == .null)
        #expect(r[path: "report.contact.phone"] == .string("0527-83512345"))
        #expect(r[path: "report.sections.problems"] == .string("无。"))
    }

    @Test func aWhollyBlankTable4BlockReadsAsTheTablesOtherBlanks() throws {
        let r = try record(Self.page, name: "page.html")
        for leaf in ["upheld", "corrected", "other", "pending", "total"] {
            #expect(r[path: "tables.review_litigation.litigation_direct.\(leaf)"] == .int(0))
            let note = r[path: "quality.cells"]?.objectValue?["tables.review_litigation.litigation_direct.\(leaf)"]
            #expect(note?[path: "status"] == .string("blank_as_zero"))
            #expect(note?[path: "raw"] == .null)
        }
        #expect(r[path: "tables.review_litigation.review.upheld"] == .int(1))
    }

    @Test func thePreambleAloneMakesAReport() throws {
        let r = try record("""
首页 > 政务公开 > 年度报告
本报告根据《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》要求编制。本报告所列数据统计期限为2023年1月1日至2023年12月31日。
全年我局主动公开政府信息120条，收到申请5件，均已按时答复。
""", name: "page.txt")
        #expect(r[path: "report.period.start"] == .string("2023-01-01"))
    }

    @Test func oneTitleRepeatedInTheMetadataIsOneTitle() throws {
        let r = try record("""
信息名称：某镇2023年政府信息公开工作年度报告
内容概述：某镇2023年政府信息公开工作年度报告
某镇2023年政府信息公开工作年度报告
本年度，某镇认真贯彻落实《中华人民共和国政府信息公开条例》，做好公开工作。
""", name: "page.txt")
        #expect(r[path: "report.title"] == .string("某镇2023年政府信息公开工作年度报告"))
        #expect(r[path: "report.agency"] == .string("某镇"))
    }

    @Test func threeDifferentReportTitlesWithoutABodyAreAListing() {
        let listing = "2021年政府信息公开工作年度报告\n某镇2022年政府信息公开工作年度报告\n某镇2023年政府信息公开工作年度报告\n"
        #expect(throws: (any Error).self) { try record(listing, name: "page.txt") }
    }
}
