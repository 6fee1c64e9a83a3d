import Testing
@testable import NianbaoEncode
@testable import NianbaoNormalize

@Suite struct CanonicalJSONTests {
    /// The escaping report-json.md prescribes, written the slow obvious way.
    private func reference(_ s: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for b in s.utf8 {
            switch b {
            case 0x22: out += Array("\\\"".utf8)
            case 0x5C: out += Array("\\\\".utf8)
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0x00..<0x20, 0x7F:
                let hex = String(b, radix: 16)
                out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    @Test func everyEscapeAtEveryOffsetOfTheEightByteWords() {
        // Each special byte at each position of strings 1…24 bytes long, among ASCII and CJK.
        let specials: [UInt8] = Array(0x00...0x1F) + [0x22, 0x5C, 0x7F]
        for length in 1...24 {
            for position in 0..<length {
                for special in specials {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = special
                    for filler in ["", "年报"] {
                        let s = filler + String(decoding: bytes, as: UTF8.self) + filler
                        var out: [UInt8] = []
                        CanonicalJSON.writeString(s, to: &out)
                        #expect(out == reference(s), "length \(length) position \(position) byte \(special)")
                    }
                }
            }
        }
    }

    @Test func stringsRoundTripThroughTheParser() throws {
        let s = "政府信息公开\n\"工作\"\\年度报告\t\u{7F}\u{01}" + String(repeating: "x", count: 37)
        let bytes = CanonicalJSON.encode(.string(s))
        #expect(try JSONParser.parse(Array(bytes.dropLast())) == .string(s))
    }

    @Test func stringsWithAndWithoutEscapesAtEveryPositionParse() throws {
        // The parser makes a string without escapes from its bytes at once, and goes byte by byte
        // from the first escape: both ways must give the same strings.
        let escapes: [(String, String)] = [("\\n", "\n"), ("\\\"", "\""), ("\\\\", "\\"), ("\\u5e74", "年"), ("\\ud83d\\ude00", "😀"), ("\\/", "/")]
        for text in ["", "a", "年报", "政府信息公开工作年度报告 2024"] {
            let chars = Array(text)
            for position in 0...chars.count {
                for (escaped, plain) in escapes {
                    let json = "\"" + String(chars[..<position]) + escaped + String(chars[position...]) + "\""
                    let want = String(chars[..<position]) + plain + String(chars[position...])
                    #expect(try JSONParser.parse(Array(json.utf8)) == .string(want), "\(json)")
                }
            }
            #expect(try JSONParser.parse(Array("\"\(text)\"".utf8)) == .string(text))
        }
        for bad in ["\"abc", "\"ab\\nc", "\"\\q\"", "\""] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        // Bytes that are not UTF-8 become U+FFFD either way.
        #expect(try JSONParser.parse([0x22, 0xFF, 0x22]) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) == .string("\n\u{FFFD}"))
    }

    @Test func objectsKeepCanonicalKeyOrder() {
        var o: JSONObject = ["status": .int(1), "raw": .null, "candidates": .array([]), "rule": .string("r")]
        #expect(o.keys == ["candidates", "raw", "rule", "status"])
        o["b"] = .int(2)
        o["年"] = .int(3)
        o["B"] = .int(4)
        o["raw"] = .int(5)  // replaces in place
        o["rule"] = nil     // removes
        // Byte order: uppercase before lowercase, CJK (3-byte UTF-8) after ASCII.
        #expect(o.keys == ["B", "b", "candidates", "raw", "status", "年"])
        #expect(o["raw"] == .int(5))
        #expect(o.count == 6)
        #expect(CanonicalJSON.encode(.object(o)) == Array("{\"B\":4,\"b\":2,\"candidates\":[],\"raw\":5,\"status\":1,\"年\":3}\n".utf8))
        let same: JSONObject = ["年": .int(3), "status": .int(1), "raw": .int(5), "candidates": .array([]), "b": .int(2), "B": .int(4)]
        #expect(o == same)
    }
}
