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

    @Test func twoByteTableAgreesWithIconvOnEveryCode() {
        // Every two-byte code, alone between ASCII: the table path and iconv give the same bytes.
        var decodable = 0
        for lead in 0x81...0xFE {
            for trail in 0x40...0xFE where trail != 0x7F {
                let bytes: [UInt8] = [0x61, UInt8(lead), UInt8(trail), 0x62]
                let viaIconv = CharsetDecoder.iconvDecode(bytes, from: "GB18030")
                if let fast = GB18030TwoByte.decode(bytes) {
                    decodable += 1
                    #expect(viaIconv.replacements == 0)
                    #expect(fast == viaIconv.utf8, "code \(String(lead, radix: 16)) \(String(trail, radix: 16))")
                }
            }
        }
        // GB18030 maps all 23,940 two-byte codes; glibc decodes nearly all of them on their own.
        #expect(decodable > 23_000)
    }

    @Test func fourByteCodesAndInvalidBytesGoThroughIconv() {
        // 0x81 0x30 0x81 0x30 is U+0080 (a four-byte code); 0xFF is invalid.
        let fourByte: [UInt8] = Array("年".data(using: String.Encoding(rawValue: 0x8000_0632))!) + [0x81, 0x30, 0x81, 0x30]
        #expect(GB18030TwoByte.decode(fourByte) == nil)
        #expect(CharsetDecoder.gb18030(fourByte).utf8 == Array("年\u{80}".utf8))
        let invalid: [UInt8] = [0x41, 0xFF, 0x42]
        #expect(GB18030TwoByte.decode(invalid) == nil)
        let r = CharsetDecoder.gb18030(invalid)
        #expect(r.replacements == 1)
        #expect(r.utf8 == Array("A\u{FFFD}B".utf8))
    }

    @Test func longMixedPagesDecodeLikeIconv() {
        // ASCII runs of every length around the eight-byte fast path, between two-byte codes.
        var page: [UInt8] = []
        for run in 0..<40 {
            page += Array(String(repeating: "<p class=\"x\">", count: 1).utf8.prefix(run % 17))
            page += gbk("政府信息公开工作年度报告" + String(run))
        }
        let fast = GB18030TwoByte.decode(page)
        #expect(fast != nil)
        #expect(fast == CharsetDecoder.iconvDecode(page, from: "GB18030").utf8)
    }

    /// NUL and other control characters never reach the record (issue 11 item 3): a BOM skips the
    /// binary check, so they are replaced by spaces after decoding, in every charset, and said.
    @Test func controlCharactersAreReplacedAndReported() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("全年\u{0}公开\u{1}信息\u{7F}。\t\r\n".utf8)
        let d = try CharsetDecoder.decode(bom)
        #expect(d.text == "全年 公开 信息 。\t\r\n")
        #expect(d.warnings.map(\.code) == ["text.control_characters"])
        #expect(d.warnings.first?.message.contains("3 control character(s) (the first U+0000)") == true)
        let utf16: [UInt8] = [0xFF, 0xFE] + Array("a\u{0}b".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(try CharsetDecoder.decode(utf16).text == "a b")
        #expect(try CharsetDecoder.decode(Array("plain text\n".utf8)).warnings.isEmpty)
    }
}
