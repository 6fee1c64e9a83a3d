import Foundation
import Testing
import NianbaoTestSupport
@testable import NianbaoArchive
@testable import NianbaoFetch  // SplitMix, the harvester's seeded generator

/// The SURT keys of URLs as Python's `surt` package makes them (what cdxj-indexer and pywb use);
/// a URL `surt` cannot read is its own key, as in cdxj-indexer.
func pythonSURT(_ urls: [String]) throws -> [String] {
    let input = try JSONSerialization.data(withJSONObject: urls)
    let path = NSTemporaryDirectory() + "surt-\(UUID().uuidString).json"
    try input.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try runPython(["-c", """
    import json, sys, surt
    def key(u):
        try:
            return surt.surt(u)
        except Exception:
            return u
    print(json.dumps([key(u) for u in json.load(open(sys.argv[1]))]))
    """, path])
    #expect(r.status == 0, "\(r.output)")
    return try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as! [String]
}

@Suite struct CDXJTests {
    /// The classes of URL the canonicalization treats specially, as real report sites write them.
    static let tricky = [
        "http://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml", "https://WWW.Weihai.GOV.cn:8443/module/xxgk/xxgkAnnualReport.jsp?area=11371000004359010J&fbtime=2022",
        "http://www2.example.com/", "http://www.example.com:80/a/", "https://example.com:443/", "http://example.com", "example.com/path",
        "http://61.150.65.235/zfxxgk/zfxxgknb/1906985018193408001.html", "http://180.76.149.248:88/book/files/basic-html/page9.html",
        "http://2130706433/x", "http://127.1/", "http://0177.0.0.1/", "http://1.09.0.0/",
        "http://example.com/a/./b/../c/", "http://example.com/../x", "http://example.com//double//slash/",
        "http://example.com/%7Euser/%2541/", "http://example.com/a b/c#frag", "http://example.com/p?b=2&a=1&a=0&c", "http://example.com/p?",
        "http://example.com/p?JSESSIONID=0123456789abcdef0123456789ABCDEF&x=1", "http://example.com/p?x=1&sid=0123456789abcdef0123456789ABCDEF",
        "http://example.com/p?PHPSESSID=0123456789abcdef0123456789abcdef", "http://example.com/p?ASPSESSIONIDABCDEFGH=ABCDEFGHIJKLMNOPQRSTUVWX&y=2",
        "http://example.com/p?cfid=12&cftoken=34&z=1", "http://example.com/(a(0123456789abcdefghijklmn))/page.aspx",
        "http://example.com/(0123456789abcdefghijklmn)/page.aspx?q=1", "http://user:pass@Example.com:8080/x", "http://example.com:/x",
        "http://example.com/政府信息公开/年报.html", "http://example.com/%E5%B9%B4%E6%8A%A5.html?q=%E5%B9%B4", "http://example.com/a%zz/%",
        "http://http://example.com/x", "https://https://example.com/x", "  http://example.com/\tx\n ", "http://example..com./x",
        "http://example.com/A?B=C", "http://example.com/x?a=1#frag", "http://example.com?q=1", "http://example.com:99999/x", "http://example.com:abc/x",
        "ftp://example.com/x", "HTTP://Example.com/X", "http://[::1]:8080/x", "http://example.com/;jsessionid=1?x", "mailto:someone@example.com",
        "http://example.com/a/%2e%2e/b", "http://example.com/path/?&&a=1&", "http://政府.中国/年报.html", "http://中国政府网。政务/x", "http://ÄÖ.Example.com/",
        "http://%E6%94%BF%E5%BA%9C.cn/", "http://www.政府..cn/",
    ]

    @Test func surtKeysAreThePythonPackagesKeys() throws {
        let want = try pythonSURT(Self.tricky)
        for (url, key) in zip(Self.tricky, want) {
            #expect(CDXJ.surtKey(url) == key, "\(url)")
        }
    }

    @Test func surtKeysOfGeneratedURLsAreThePythonPackagesKeys() throws {
        // URLs built from the pieces the canonicalization cares about, 2,000 per run (seeded).
        var rng = SplitMix(seed: UInt64(ProcessInfo.processInfo.environment["NIANBAO_SURT_SEED"] ?? "") ?? 20261206)
        let schemes = ["http://", "https://", "HTTP://", "", "http://http://"]
        let hosts = ["www.gov.cn", "WWW3.Example.ORG", "example.com.", "sub.www.example.com", "10.0.0.1", "3232235777", "0x7f.1", "xn--fiqs8s.cn", "a..b.cn", "%77ww.example.com", "政府.cn", "Bücher.DE", "%E5%B9%B4.cn"]
        let ports = ["", ":80", ":443", ":8080", ":0", ":"]
        let segments = ["a", "B", ".", "..", "", "%41", "%2F", "%25", "x y", "年报", "index.html", "(0123456789abcdefghijklmn)", "~user", "a;b", "%e5%b9%b4"]
        let queries = ["", "?", "?a=1", "?b=2&a=1", "?A=1&a", "?x=%20y", "?sid=0123456789abcdef0123456789ABCDEF", "?q=年&p=2", "?&", "?a=1&a"]
        let fragments = ["", "#", "#top", "#a?b"]
        func pick(_ xs: [String]) -> String { xs[Int(rng.next() % UInt64(xs.count))] }
        let urls = (0..<2000).map { _ in
            pick(schemes) + pick(hosts) + pick(ports) + (0..<Int(rng.next() % 4)).map { _ in "/" + pick(segments) }.joined() + pick(queries) + pick(fragments)
        }
        let want = try pythonSURT(urls)
        var wrong = 0
        for (url, key) in zip(urls, want) where CDXJ.surtKey(url) != key {
            wrong += 1
            if wrong <= 5 { Issue.record("\(url): ours \(CDXJ.surtKey(url)), surt \(key)") }
        }
        #expect(wrong == 0, "\(wrong) of \(urls.count) keys differ")
    }

    @Test func linesAreWhatCDXJIndexerWrites() {
        let e = CDXJ.Entry(url: "http://www.example.com/年报?b=1&a=2", date: "2024-02-01T03:04:05Z", mime: CDXJ.mime("text/html; charset=gbk"),
                           status: 200, digest: "sha1:ABC", length: 1234, offset: 567, filename: "x.warc.gz")
        #expect(e.line == #"com,example)/%e5%b9%b4%e6%8a%a5?a=2&b=1 20240201030405 {"url": "http://www.example.com/\u5e74\u62a5?b=1&a=2", "mime": "text/html", "status": "200", "digest": "sha1:ABC", "length": "1234", "offset": "567", "filename": "x.warc.gz"}"#)
        // No Content-Type: no mime field (as json.dumps of the fields present).
        let bare = CDXJ.Entry(url: "http://e.com/", date: "2024-02-01T03:04:05Z", mime: nil, status: 404, digest: nil, length: 1, offset: 0, filename: "f")
        #expect(bare.line == #"com,e)/ 20240201030405 {"url": "http://e.com/", "status": "404", "length": "1", "offset": "0", "filename": "f"}"#)
    }
}
