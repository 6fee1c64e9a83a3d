import Foundation
import Testing
import NianbaoTestSupport
@testable import NianbaoArchive


func responseRecord(uri: String, status: String, headers: [String], body: [UInt8], date: String = "2024-02-01T03:04:05Z") -> WARCRecord {
    let head = Array(("HTTP/1.1 \(status)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
    let block = head + body
    return WARCRecord(fields: [("WARC-Type", "response"), ("WARC-Record-ID", WARCWriter.recordID([uri, date])), ("WARC-Date", date),
                               ("WARC-Target-URI", uri), ("Content-Type", "application/http;msgtype=response"),
                               ("WARC-Payload-Digest", WARCDigest.sha1(body)), ("WARC-Block-Digest", WARCDigest.sha1(block))].map { (name: $0.0, value: $0.1) },
                      block: block)
}

@Suite struct GzipTests {
    @Test func roundTripAndMembers() throws {
        let a = Array("政府信息公开工作年度报告".utf8), b = Array(repeating: UInt8(ascii: "x"), count: 100_000)
        let joined = Gzip.compress(a) + Gzip.compress(b)
        #expect(try Gzip.decompressAll(joined, limit: 1 << 20) == a + b)
        let (first, end) = try Gzip.decompressMember(joined, limit: 1 << 20)
        #expect(first == a)
        #expect(try Gzip.decompressMember(joined, at: end, limit: 1 << 20).data == b)
    }

    @Test func aBombIsStoppedAtTheCap() {
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 50 << 20))  // 50 MB of zeros, ~50 KB compressed
        #expect(bomb.count < 100_000)
        #expect(throws: CompressionError.tooLarge(limit: 1 << 20)) { try Gzip.decompressAll(bomb, limit: 1 << 20) }
    }

    @Test func truncatedAndCorruptDataAreErrors() {
        let g = Gzip.compress(Array(repeating: 7, count: 10_000))
        #expect(throws: CompressionError.self) { try Gzip.decompressAll(Array(g.prefix(g.count / 2)), limit: 1 << 20) }
        #expect(throws: CompressionError.self) { try Gzip.decompressAll([0x1F, 0x8B, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8], limit: 1 << 20) }
    }
}

@Suite struct WARCTests {
    @Test func writtenRecordsReadBackWithTheirOffsetsAndDigests() throws {
        let path = scratchPath("rt", suffix: ".warc.gz")
        defer { removeScratch(path) }
        let w = try WARCWriter(path: path, info: [("software", "nianbao test"), ("format", "WARC File Format 1.1")], date: "2024-02-01T03:04:05Z")
        let body = Gzip.compress(Array("<html><body>年报</body></html>".utf8))
        let r1 = responseRecord(uri: "http://a.gov.cn/nb.html", status: "200 OK", headers: ["Content-Type: text/html; charset=utf-8", "Content-Encoding: gzip"], body: body)
        let r2 = responseRecord(uri: "http://a.gov.cn/missing", status: "404 Not Found", headers: ["Content-Type: text/html"], body: Array("nope".utf8))
        let o1 = try w.write(r1), o2 = try w.write(r2)
        var seen: [(Int, WARCRecord)] = []
        try WARCReader.forEach(path: path) { seen.append(($0, $1)) }
        #expect(seen.map(\.1.type) == ["warcinfo", "response", "response"])
        #expect(seen[1].0 == o1 && seen[2].0 == o2)
        #expect(seen[1].1 == r1)
        // Digests verify against the stored bytes.
        let http = try #require(HTTPResponse.parse(seen[1].1.block))
        #expect(WARCDigest.sha1(http.body) == seen[1].1["WARC-Payload-Digest"])
        #expect(WARCDigest.sha1(seen[1].1.block) == seen[1].1["WARC-Block-Digest"])
        #expect(String(decoding: try http.decodedBody(limit: 1 << 20), as: UTF8.self) == "<html><body>年报</body></html>")
        // Any record can be read from its offset alone (one gzip member per record).
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let member = try Gzip.decompressMember(bytes, at: o2, limit: 1 << 20).data
        #expect(member == r2.serialized())
    }

    @Test func aPartialLastRecordIsCutBackOnReopen() throws {
        let path = scratchPath("cut", suffix: ".warc.gz")
        defer { removeScratch(path) }
        do {
            let w = try WARCWriter(path: path, info: [("software", "t")], date: "2024-01-01T00:00:00Z")
            try w.write(responseRecord(uri: "http://a/1", status: "200 OK", headers: [], body: Array("one".utf8)))
        }
        let good = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        // A killed writer: half a member at the end.
        let partial = Gzip.compress(responseRecord(uri: "http://a/2", status: "200 OK", headers: [], body: Array(repeating: 65, count: 5000)).serialized())
        let h = try #require(FileHandle(forWritingAtPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(partial.prefix(partial.count / 2)))
        try h.close()
        #expect(throws: WARCError.self) { try WARCReader.forEach(path: path) { _, _ in } }
        let w = try WARCWriter(path: path, info: [], date: "2024-01-01T00:00:00Z")
        #expect(w.repairedBytes == partial.count / 2)
        #expect(w.size == good)
        try w.write(responseRecord(uri: "http://a/3", status: "200 OK", headers: [], body: Array("three".utf8)))
        var uris: [String?] = []
        try WARCReader.forEach(path: path) { uris.append($1["WARC-Target-URI"]) }
        #expect(uris == [nil, "http://a/1", "http://a/3"])
    }

    @Test func filesAreReadAsStreamsWithRecordsLargerThanTheReadWindow() throws {
        for gz in [true, false] {
            let path = scratchPath("stream", suffix: gz ? ".warc.gz" : ".warc")
            defer { removeScratch(path) }
            var rng = SystemRandomNumberGenerator()
            let big = (0..<(9 << 20)).map { _ in UInt8.random(in: 0...255, using: &rng) }  // incompressible, > 2 read windows
            let records = [responseRecord(uri: "http://a/small", status: "200 OK", headers: [], body: Array("x".utf8)),
                           responseRecord(uri: "http://a/big", status: "200 OK", headers: [], body: big),
                           responseRecord(uri: "http://a/after", status: "200 OK", headers: [], body: Array("y".utf8))]
            var bytes: [UInt8] = []
            var offsets: [Int] = []
            for r in records {
                offsets.append(bytes.count)
                bytes += gz ? Gzip.compress(r.serialized(), level: 1) : r.serialized()
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var seen: [(Int, String?)] = []
            try WARCReader.forEach(path: path) { seen.append(($0, $1["WARC-Target-URI"])) }
            #expect(seen.map(\.0) == offsets, "gz \(gz)")
            #expect(seen.map(\.1) == ["http://a/small", "http://a/big", "http://a/after"])
        }
    }

    @Test func chunkedBodiesAreDechunked() throws {
        let block = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8)
        let r = try #require(HTTPResponse.parse(block))
        #expect(String(decoding: r.body, as: UTF8.self) == "hello world")
        #expect(r.status == 200)
    }

    @Test func base32DigestsMatchTheUsualEncoding() {
        // sha1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709 → base32 3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ
        #expect(WARCDigest.sha1([]) == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ")
    }

    /// One corrupt gzip member no longer ends a .warc.gz (issue 11 item 5): with a problem handler the
    /// bad member is reported by its offset and reading goes on at the next member header.
    @Test func aCorruptMemberIsReportedAndTheReadingResynchronises() throws {
        let path = scratchPath("resync", suffix: ".warc.gz")
        defer { removeScratch(path) }
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        for i in 0..<12 {
            offsets.append(bytes.count)
            let body = Array("<html><body>page \(i) \(String(repeating: "年报", count: 200 + i))</body></html>".utf8)
            bytes += Gzip.compress(responseRecord(uri: "http://a/\(i)", status: "200 OK", headers: [], body: body).serialized())
        }
        // Flip a byte inside the compressed data of member 5.
        bytes[offsets[5] + (offsets[6] - offsets[5]) / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var seen: [String?] = []
        var problems: [(Int, String)] = []
        try WARCReader.forEach(path: path, problem: { problems.append(($0, $1)) }) { seen.append($1["WARC-Target-URI"]) }
        #expect(seen == (0..<12).filter { $0 != 5 }.map { "http://a/\($0)" })
        #expect(problems.count == 1)
        #expect(problems.first?.0 == offsets[5])
        #expect(problems.first?.1.hasPrefix("corrupt gzip member") == true)
        // Without a handler the reading still stops there with an error naming the offset.
        #expect(throws: WARCError.self) { try WARCReader.forEach(path: path) { _, _ in } }
    }
}
