import Foundation
import Testing
import NianbaoTestSupport
import NianbaoExtract
@testable import NianbaoFetch

@Suite struct RobotsTests {
    let text = """
    # comment
    User-agent: Googlebot
    Disallow: /

    User-agent: *
    Disallow: /private/
    Disallow: /*.pdf$
    Allow: /private/public/
    Crawl-delay: 5

    User-agent: nianbao
    User-agent: other
    Disallow: /nb/draft
    Allow: /nb/draft/ok.html
    Crawl-delay: 1.5
    """

    @Test func theMostSpecificGroupAndTheLongestRuleWin() {
        let ours = RobotsRules(parsing: text, productToken: "nianbao")
        #expect(ours.crawlDelay == 1.5)
        #expect(!ours.allows("/nb/draft/x.html"))
        #expect(ours.allows("/nb/draft/ok.html"))
        #expect(ours.allows("/private/anything"))  // only the nianbao group applies
        let star = RobotsRules(parsing: text, productToken: "someone-else")
        #expect(star.crawlDelay == 5)
        #expect(!star.allows("/private/x"))
        #expect(star.allows("/private/public/x"))
        #expect(!star.allows("/files/report.pdf"))
        #expect(star.allows("/files/report.pdf?x=1"))
        #expect(star.allows("/"))
    }

    @Test func emptyAndAbsentRules() {
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:\n", productToken: "nianbao").allows("/anything"))
        #expect(RobotsRules(parsing: "", productToken: "nianbao") == .allowAll)
        #expect(!RobotsRules.disallowAll.allows("/x"))
    }
}

@Suite struct SchedulerTests {
    func task(_ host: String, _ n: Int) -> FetchTask { FetchTask(url: "\(host)/\(n)", host: host, kind: .report) }

    @Test func oneRequestPerHostSpacedByTheDelayAndHostsInParallel() {
        var policy = PolitenessPolicy()
        policy.hostDelay = 2
        policy.globalConcurrency = 10
        var s = PolitenessScheduler(policy: policy)
        for h in ["a", "b"] { for n in 0..<2 { s.enqueue(task(h, n)) } }
        guard case .start(let a0) = s.next(now: 0), case .start(let b0) = s.next(now: 0) else { Issue.record("two hosts start at once"); return }
        #expect(Set([a0.host, b0.host]) == ["a", "b"])
        if case .start = s.next(now: 0.1) { Issue.record("a host got a second request in flight") }
        s.completed(a0, .done(status: 200), now: 0.5)
        #expect(s.next(now: 1.0) == .waitUntil(2.5))  // 2 s after the end of a's request
        guard case .start(let a1) = s.next(now: 2.5) else { Issue.record("a continues at 2.5"); return }
        #expect(a1.url == "a/1")
    }

    @Test func retryAfterBackoffAndParking() {
        var policy = PolitenessPolicy()
        policy.hostDelay = 1
        policy.maxRetries = 2
        policy.parkAfter = 3
        policy.backoffBase = 4
        var s = PolitenessScheduler(policy: policy, seed: 7)
        s.enqueue(task("h", 0))
        guard case .start(let t) = s.next(now: 0) else { return }
        let (retryAt, _) = s.completed(t, .retryAfter(status: 429, seconds: 30), now: 1)
        #expect(retryAt == 31)
        #expect(s.next(now: 10) == .waitUntil(31))
        guard case .start(let t1) = s.next(now: 31) else { Issue.record("retried after Retry-After"); return }
        #expect(t1.attempt == 1)
        let (backoffAt, _) = s.completed(t1, .transient(reason: "timeout"), now: 32)
        let wait = backoffAt! - 32
        #expect(wait >= 4 * 2 * 0.75 && wait <= 4 * 2 * 1.25)  // base × 2^attempt, ±25%
        guard case .start(let t2) = s.next(now: backoffAt!) else { return }
        let (none, _) = s.completed(t2, .transient(reason: "timeout"), now: backoffAt! + 1)
        #expect(none == nil)  // retries exhausted
        // a third consecutive failure parks the host and drops its queue
        s.enqueue(task("h", 1)); s.enqueue(task("h", 2))
        guard case .start(let t3) = s.next(now: 1000) else { return }
        let (_, parked) = s.completed(t3, .transient(reason: "http_500"), now: 1001)
        #expect(parked && s.isParked("h"))
        #expect(s.next(now: 2000) == .finished)
    }

    @Test func theGlobalLimitHoldsWhateverTheNumberOfHosts() {
        var policy = PolitenessPolicy()
        policy.globalConcurrency = 3
        var s = PolitenessScheduler(policy: policy)
        for h in 0..<10 { s.enqueue(task("h\(h)", 0)) }
        var started = 0
        while case .start = s.next(now: 0) { started += 1 }
        #expect(started == 3)
    }
}

@Suite struct DiscoveryTests {
    @Test func reportsPaginationAndOtherLinks() throws {
        let html = """
        <ul><li><a href="/doc/2024/01/22/1203496.shtml">2023年政府信息公开工作年度报告</a></li>
        <li><a href="t20260313_105587.htm" title="平潭综合实验区2025年度政府信息公开工作年度报告">平潭综合实验区2025年度…</a></li>
        <li><a href="https://other.gov.cn/nb.html">2023年度报告</a></li><li><a href="/news/1.html">新闻</a></li>
        <li><a href="javascript:void(0)">年报</a></li><li><a href="mailto:a@b">年报</a></li></ul>
        <a href="index_1.html">下一页</a> <a href="index_2.html">3</a> <a href="/other/index_9.html">9</a>
        """
        let page = HTMLPageReader.read(html)
        let base = URL(string: "https://www.jiangyin.gov.cn/zfxxgk/nb/index.shtml")!
        let (reports, listings) = Discovery.classify(page.links, base: base, patterns: [])
        #expect(reports.map(\.absoluteString) == ["https://www.jiangyin.gov.cn/doc/2024/01/22/1203496.shtml",
                                                  "https://www.jiangyin.gov.cn/zfxxgk/nb/t20260313_105587.htm"])
        #expect(listings.map(\.absoluteString) == ["https://www.jiangyin.gov.cn/zfxxgk/nb/index_1.html", "https://www.jiangyin.gov.cn/zfxxgk/nb/index_2.html"])
        let pattern = try NSRegularExpression(pattern: "/news/\\d+\\.html$")
        #expect(Discovery.classify(page.links, base: base, patterns: [pattern]).reports.count == 3)
    }

    @Test func sitesFiles() throws {
        let dir = try scratchDirectory("sites")
        defer { removeScratch(dir) }
        try #"{"sites": [{"name": "a", "listings": ["https://a.gov.cn/nb/"], "max_depth": 2}], "urls": ["https://b.gov.cn/r.html"]}"#.write(toFile: dir + "/s.json", atomically: true, encoding: .utf8)
        let s = try SitesFile.load(path: dir + "/s.json")
        #expect(s.sites.first?.maxDepth == 2 && s.urls == ["https://b.gov.cn/r.html"])
        try "# reports\nhttps://c.gov.cn/1.html\n\nhttps://c.gov.cn/2.html\n".write(toFile: dir + "/u.txt", atomically: true, encoding: .utf8)
        #expect(try SitesFile.load(path: dir + "/u.txt").urls.count == 2)
        try "{\"sites\": 3}".write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        #expect(throws: HarvestError.self) { try SitesFile.load(path: dir + "/bad.json") }
    }

    @Test func privateRanges() {
        for a in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1", "::1", "[fe80::1]", "fd00::1", "100.64.0.1", "0.0.0.0"] {
            #expect(AddressCheck.isPrivate(a), "\(a)")
        }
        for a in ["8.8.8.8", "172.32.0.1", "202.96.128.86", "2400:3200::1"] { #expect(!AddressCheck.isPrivate(a), "\(a)") }
    }
}
