import Foundation
import Testing
@testable import NianbaoDecode

@Suite struct CharsetDecoderTests {
    private func gbk(_ s: String) -> [UInt8] {
        [UInt8](s.data(using: String.Encoding(rawValue: 0x8000_0632))!)  // GB18030
    }

    @Test func bomWinsOverEverything() throws {
        let d = try CharsetDecoder.decode([0xEF, 0xBB, 0xBF] + Array("<meta charset=gbk>年报".utf8), contentType: "text/html; charset=gbk")
        #expect(d.charset == "utf-8")
        #expect(d.source == .bom)
        #expect(d.text.hasSuffix("年报"))
    }

    @Test func utf16BOMs() throws {
        let le = try CharsetDecoder.decode([0xFF, 0xFE, 0x74, 0x5E, 0xA5, 0x62])  // 年报 in UTF-16LE
        #expect(le.text == "年报")
        #expect(le.charset == "utf-16le")
        let be = try CharsetDecoder.decode([0xFE, 0xFF, 0x5E, 0x74, 0x62, 0xA5])
        #expect(be.text == "年报")
    }

    @Test func httpHeaderBeforeMeta() throws {
        let bytes = gbk("<html><head><meta charset=\"utf-8\"></head><body>政府信息公开工作年度报告</body></html>")
        let d = try CharsetDecoder.decode(bytes, contentType: "text/html; charset=GBK")
        #expect(d.charset == "gb18030")
        #expect(d.source == .httpHeader)
        #expect(d.text.contains("政府信息公开工作年度报告"))
    }

    @Test func gb2312LabelWithGBKOnlyCharacters() throws {
        // 镕 and 堃 are not in GB2312; a strict gb2312 decoder (or libxml2) loses the rest of the page.
        let bytes = gbk("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><p>联系人：黄镕堃，电话：0598-6831234</p>")
        let d = try CharsetDecoder.decode(bytes)
        #expect(d.charset == "gb18030")
        #expect(d.source == .meta)
        #expect(d.replacements == 0)
        #expect(d.text.contains("黄镕堃，电话：0598-6831234"))
    }

    @Test func utf8PageWithWrongHeaderIsDecodedAsUTF8AndFlagged() throws {
        let bytes = Array("<meta charset=gbk><p>兴国县农业农村局2023年政府信息公开工作年度报告</p>".utf8)
        let d = try CharsetDecoder.decode(bytes, contentType: "text/html; charset=gb2312")
        #expect(d.charset == "utf-8")
        #expect(d.source == .detected)
        #expect(d.warnings.map(\.code) == ["charset.conflict"])
        #expect(d.text.contains("兴国县农业农村局"))
    }

    @Test func undeclaredGBKIsDetected() throws {
        let d = try CharsetDecoder.decode(gbk("<p>本年度报告中所列数据统计期限自2023年1月1日起至2023年12月31日止。</p>"))
        #expect(d.charset == "gb18030")
        #expect(d.source == .detected)
        #expect(d.text.contains("统计期限"))
    }

    @Test func lossyDecodingCountsReplacements() throws {
        var bytes = gbk("<p>一、总体情况</p>")
        bytes.insert(0xFF, at: 5)  // 0xFF is never valid in GB18030
        let d = try CharsetDecoder.decode(bytes, contentType: "text/html; charset=gbk")
        #expect(d.replacements == 1)
        #expect(d.text.contains("\u{FFFD}"))
        #expect(d.text == "<p>一\u{FFFD}、总体情况</p>")
        #expect(d.warnings.contains { $0.code == "charset.lossy" })
    }

    @Test func asciiOnlyIsAssumedUTF8() throws {
        let d = try CharsetDecoder.decode(Array("<p>hello</p>".utf8))
        #expect(d.charset == "utf-8")
        #expect(d.source == .assumed)
    }

    @Test func binaryInputsAreRefusedWithAReason() {
        #expect(throws: DecodeError.empty) { try CharsetDecoder.decode([]) }
        #expect(throws: DecodeError.binary("gzip-compressed data (decompress it first)")) { try CharsetDecoder.decode([0x1F, 0x8B, 0x08, 0x00]) }
        #expect(throws: DecodeError.binary("PDF document")) { try CharsetDecoder.decode(Array("%PDF-1.7".utf8)) }
        var rng = SystemRandomNumberGenerator()
        let junk = (0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(throws: DecodeError.self) { try CharsetDecoder.decode(junk) }
    }

    @Test func labelsMapToTheDecoderBrowsersUse() {
        #expect(CharsetDecoder.canonicalName("GB2312") == "gb18030")
        #expect(CharsetDecoder.canonicalName(" x-gbk ") == "gb18030")
        #expect(CharsetDecoder.canonicalName("\"UTF8\"") == "utf-8")
        #expect(CharsetDecoder.canonicalName("big5") == "big5")
        #expect(CharsetDecoder.canonicalName("koi8-r") == nil)
        #expect(CharsetDecoder.charsetParameter("text/html;charset=\"gb2312\"") == "gb2312")
        #expect(CharsetDecoder.metaCharset(Array("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=GBK\">".utf8)) == "gbk")
    }
}
