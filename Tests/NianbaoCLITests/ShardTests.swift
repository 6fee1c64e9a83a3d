import Foundation
import NianbaoArchive
import NianbaoTestSupport
import Testing

/// `normalize --shard K/N`: N processes (on one machine or several) do every input exactly once.
@Suite struct ShardTests {
    /// The record ids a run wrote into `dir`.
    func ids(_ dir: String) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") })
    }

    @Test func shardsOfFilesCoverEveryInputOnceWhereverTheArchiveIsMounted() throws {
        let dir = try scratchDirectory("shard")
        defer { removeScratch(dir) }
        let snapshots = packageRoot.appendingPathComponent("Snapshots").path
        _ = try run(["normalize", snapshots, "--out", dir + "/all"])
        let all = try ids(dir + "/all")
        #expect(all.count == 16)
        var union = Set<String>(), counted = 0
        for k in 1...3 {
            let r = try run(["normalize", snapshots, "--out", "\(dir)/s\(k)", "--shard", "\(k)/3"])
            let m = try #require(r.stderr.firstMatch(of: /shard \d\/3 by file: (\d+) of 17 input files/), "\(r.stderr)")
            counted += Int(m.1)!
            let mine = (try? ids("\(dir)/s\(k)")) ?? []
            #expect(union.isDisjoint(with: mine), "shard \(k) repeats another's work")
            union.formUnion(mine)
        }
        #expect(counted == 17)
        #expect(union == all)
        // The same archive under another path: the same split.
        try FileManager.default.copyItem(atPath: snapshots, toPath: dir + "/elsewhere")
        _ = try run(["normalize", dir + "/elsewhere", "--out", dir + "/moved", "--shard", "2/3"])
        #expect(try ids(dir + "/moved") == ids(dir + "/s2"))
        // Bad shards are bad usage.
        for bad in ["0/3", "4/3", "1/0", "x", "1/2/3"] { #expect(try run(["normalize", snapshots, "--shard", bad]).status == 64, "\(bad)") }
        #expect(try run(["normalize", "-", "--shard", "1/2"], stdin: Data()).status == 64)
    }

    @Test func shardsOfRecordsSplitOneLargeWARCFile() throws {
        let dir = try scratchDirectory("shard-warc")
        defer { removeScratch(dir) }
        // One WARC file with a response per golden HTML page, each under its own URL.
        let pages = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Snapshots").path).sorted().compactMap { name -> [UInt8]? in
            guard name != "not-a-report" else { return nil }
            return try? [UInt8](Data(contentsOf: packageRoot.appendingPathComponent("Snapshots/\(name)/input.html")))
        }
        #expect(pages.count >= 8)
        let w = try WARCWriter(path: dir + "/big.warc.gz", info: [("software", "nianbao test")], date: "2026-03-13T01:02:03Z")
        for (i, page) in pages.enumerated() {
            let uri = "https://example.gov.cn/nb/\(i).html"
            let block = Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".utf8) + page
            try w.write(WARCRecord(fields: [("WARC-Type", "response"), ("WARC-Date", "2026-03-13T01:02:03Z"), ("WARC-Target-URI", uri),
                                            ("WARC-Record-ID", WARCWriter.recordID([uri])), ("Content-Type", "application/http;msgtype=response"),
                                            ("WARC-Payload-Digest", WARCDigest.sha1(page)), ("WARC-Block-Digest", WARCDigest.sha1(block))].map { (name: $0.0, value: $0.1) },
                                   block: block))
        }
        _ = try run(["normalize", dir + "/big.warc.gz", "--out", dir + "/all"])
        let all = try ids(dir + "/all")
        #expect(all.count == pages.count)
        var union = Set<String>()
        for k in 1...2 {
            let r = try run(["normalize", dir + "/big.warc.gz", "--out", "\(dir)/r\(k)", "--shard", "\(k)/2", "--shard-by", "record"])
            #expect(r.status == 0, "\(r.stderr)")
            let mine = try ids("\(dir)/r\(k)")
            #expect(mine.count == (pages.count + 2 - k) / 2, "shard \(k): every other record")
            #expect(union.isDisjoint(with: mine))
            union.formUnion(mine)
        }
        #expect(union == all)
        // By file, the one file goes to one shard whole.
        let byFile = try (1...2).map { k in
            _ = try run(["normalize", dir + "/big.warc.gz", "--out", "\(dir)/f\(k)", "--shard", "\(k)/2"])
            return (try? ids("\(dir)/f\(k)")) ?? []
        }
        #expect(Set(byFile.map(\.count)) == [0, pages.count])
    }
}
