import Testing
@testable import NianbaoExtract

@Suite struct HTMLPageReaderTests {
    private func tables(_ page: PageModel) -> [TableGrid] {
        page.segments.compactMap { if case .table(let t) = $0 { return t } else { return nil } }
    }
    private func lines(_ page: PageModel) -> [String] {
        page.segments.compactMap { if case .line(let l) = $0 { return l } else { return nil } }
    }

    @Test func spansAreExpandedIntoARectangularGrid() {
        let html = """
        <table><tr><td colspan="3" rowspan="2">勾稽</td><td colspan="2">申请人情况</td></tr>
        <tr><td rowspan="2">自然人</td><td>商业<br>企业</td></tr>
        <tr><td>一</td><td>二</td><td>三</td><td>16</td></tr></table>
        """
        let grid = tables(HTMLPageReader.read(html))[0]
        #expect(grid.width == 5)
        #expect(grid.rows.count == 3)
        #expect(grid.rows[0].map(\.text) == ["勾稽", "勾稽", "勾稽", "申请人情况", "申请人情况"])
        #expect(grid.rows[0].map(\.isSpanCopy) == [false, true, true, false, true])
        #expect(grid.rows[1][3].text == "自然人")
        #expect(grid.rows[1][4].text == "商业\n企业")
        #expect(grid.rows[2].map(\.text) == ["一", "二", "三", "自然人", "16"])
        #expect(grid.rows[2][3].isSpanCopy)
    }

    /// libxml2 switches decoders at any `<meta>` charset label it reads; the reader's input is
    /// already UTF-8, so a label deep in the page (pasted content) must not garble what follows it.
    @Test func aCharsetLabelDeepInThePageIsIgnored() {
        let filler = String(repeating: "<p>填充文字填充文字</p>\n", count: 300)
        let html = "<html><head><meta charset=\"utf-8\"></head><body>" + filler
            + "<p>后面<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">中文内容</p></body></html>"
        #expect(html.utf8.count > 8192)
        #expect(lines(HTMLPageReader.read(html)).last == "后面中文内容")
        #expect(lines(HTMLPageReader.read("<meta charset=big5><p>简体中文</p>")) == ["简体中文"])
    }

    @Test func malformedAndAbsurdSpansAreTolerated() {
        let html = "<table><tr><td colspan=\"2;\">a</td><td colspan=\"99999999\">b</td></tr><tr><td rowspan=\"-3\">c</td></tr></table>"
        let grid = tables(HTMLPageReader.read(html))[0]
        #expect(grid.rows[0].prefix(3).map(\.text) == ["a", "a", "b"])
        #expect(grid.width == 2 + HTMLReaderLimits().maxColspan)
        #expect(grid.rows[1][0].text == "c")
    }

    @Test func nestedTablesAreKeptApartAndLayoutTablesFlowInReadingOrder() {
        let html = """
        <table class="layout"><tr><td><p>一、总体情况</p><p>正文</p>
        <table><tr><td>规章</td><td>0</td></tr></table><p>三、收到和处理</p></td></tr></table>
        """
        let page = HTMLPageReader.read(html)
        #expect(page.segments.count == 4)
        #expect(page.segments[0] == .line("一、总体情况"))
        #expect(page.segments[1] == .line("正文"))
        guard case .table(let t) = page.segments[2] else { Issue.record("expected a table"); return }
        #expect(t.rows == [[GridCell(text: "规章"), GridCell(text: "0")]])
        #expect(page.segments[3] == .line("三、收到和处理"))
    }

    @Test func scriptsStylesAndHeadAreSkippedButTitleAndMetaAreRead() {
        let html = """
        <html><head><title> 平潭综合实验区2025年度政府信息公开工作年度报告_年报 </title>
        <meta name="ArticleTitle" content="平潭 年报"><meta name="PubDate" content="2026-03-10 12:56">
        <script>var s = "<table><tr><td>x</td></tr></table>";</script><style>td{}</style></head>
        <body><p>正文&nbsp;&nbsp;第一段</p><noscript>请启用脚本</noscript></body></html>
        """
        let page = HTMLPageReader.read(html)
        #expect(page.htmlTitle == "平潭综合实验区2025年度政府信息公开工作年度报告_年报")
        #expect(page.metaTags["articletitle"] == "平潭 年报")
        #expect(page.metaTags["pubdate"] == "2026-03-10 12:56")
        #expect(lines(page) == ["正文 第一段"])
        #expect(tables(page).isEmpty)
    }

    @Test func aPageCharsetLabelDoesNotMakeLibxml2Redecode() {
        // The text is already decoded; a stale gb2312 label must not garble it.
        let page = HTMLPageReader.read("<html><head><meta charset=\"gb2312\"></head><body><p>黄镕堃</p></body></html>")
        #expect(lines(page) == ["黄镕堃"])
    }

    @Test func theWordCharsetOutsideMetaTagsIsLeftAlone() {
        let page = HTMLPageReader.read("<html><head><meta charset=\"gbk\"></head><body><a href=\"/wrong-charset\">charset 年报</a></body></html>")
        #expect(page.links == [PageLink(href: "/wrong-charset", text: "charset 年报")])
    }

    @Test func tenThousandNestedTablesNeitherCrashNorRecurse() {
        let depth = 10_000
        let html = String(repeating: "<table><tr><td>x", count: depth) + "深处" + String(repeating: "</td></tr></table>", count: depth)
        let page = HTMLPageReader.read(html)
        // Tables deeper than the limit are read as text flow inside the deepest table kept.
        let cellTexts = tables(page).flatMap { $0.rows.flatMap { $0.map(\.text) } }
        #expect(cellTexts.contains { $0.contains("深处") })
        #expect(lines(page).count == HTMLReaderLimits().maxTableDepth - 1)
    }

    /// One very wide row over many short ones: padding every row to the widest would make 40 million
    /// cells. The padded grid counts against maxGridCells, so the table is read as text flow.
    @Test func aWideRowOverManyShortRowsIsNotPaddedToMillions() {
        var html = "<table><tr>" + String(repeating: "<td colspan=\"100\">宽</td>", count: 200) + "</tr>"
        html += String(repeating: "<tr><td>窄</td></tr>", count: 2_000) + "</table>"
        let page = HTMLPageReader.read(html)
        #expect(tables(page).isEmpty)
        #expect(lines(page).filter { $0 == "窄" }.count == 2_000)
        #expect(lines(page).filter { $0 == "宽" }.count == 200)
    }

    @Test func aHundredThousandCells() {
        var html = "<table>"
        for r in 0..<10_000 { html += "<tr>" + (0..<10).map { "<td>\(r * 10 + $0)</td>" }.joined() + "</tr>" }
        html += "</table>"
        let grid = tables(HTMLPageReader.read(html))[0]
        #expect(grid.rows.count == 10_000)
        #expect(grid.rows[9_999][9].text == "99999")
    }

    @Test func textCopiesKeepOneSegmentPerNonEmptyLine() {
        let page = TextPageReader.read("一、总体情况\r\n\r\n  16 \n|\n\u{3000}结果\u{00A0}纠正 |\n")
        #expect(page.format == .text)
        #expect(lines(page) == ["一、总体情况", "16", "|", "结果 纠正 |"])
    }
}
