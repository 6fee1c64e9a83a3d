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

    /// The rules as workers of a shared crawl pass them on (a pattern with `#`, `$`, `*` and spaces included).
    @Test func rulesReadBackAsTheyWereSerialized() {
        let rules = RobotsRules(parsing: """
            User-agent: *
            Disallow: /private/
            Allow: /private/ok$
            Disallow: /a*b?c=1
            Crawl-delay: 2.5
            """, productToken: "nianbao")
        let back = RobotsRules(serialized: rules.serialized)
        #expect(back == rules && back.crawlDelay == 2.5 && back.rules.count == 3)
        let odd = RobotsRules(rules: [(false, "/x#y z")], crawlDelay: nil)
        #expect(RobotsRules(serialized: odd.serialized) == odd)
        #expect(RobotsRules(serialized: RobotsRules.disallowAll.serialized) == .disallowAll)
        #expect(RobotsRules(serialized: RobotsRules.allowAll.serialized) == .allowAll)
        #expect(!back.allows("/private/x") && back.allows("/private/ok") && !back.allows("/a-b?c=1"))
    }

    @Test func emptyAndAbsentRules() {
        #expect(RobotsRules(parsing: "User-agent: *\nDisallow:\n", productToken: "nianbao").allows("/anything"))
        #expect(RobotsRules(parsing: "", productToken: "nianbao") == .allowAll)
        #expect(!RobotsRules.disallowAll.allows("/x"))
    }
}

@Suite struct SchedulerTests {
    /// A host with 100,000 queued links (a huge listing): every task comes out once, in order, with
    /// retries put back in front; each operation is O(1), where copying and shifting the host's queue
    /// made one next() O(n) and the whole listing did not finish in 400 s (issue 11 item 7).
    @Test func aHundredThousandQueuedLinksComeOutInOrder() {
        var policy = PolitenessPolicy()
        policy.hostDelay = 0
        var s = PolitenessScheduler(policy: policy)
        for i in 0..<100_000 { s.enqueue(FetchTask(url: "http://a/\(i)", host: "http://a", kind: .report)) }
        #expect(s.pending == 100_000)
        var order: [Int] = []
        order.reserveCapacity(100_000)
        var retried = false
        var now = 0.0
        while case .start(let t) = s.next(now: now) {
            let n = Int(t.url.dropFirst("http://a/".count))!
            if n == 50_000 && !retried {
                retried = true
                s.completed(t, .transient(reason: "timeout"), now: now)
                now += 1_000  // past the backoff
                continue
            }
            order.append(n)
            s.completed(t, .done(status: 200), now: now)
        }
        #expect(order == Array(0..<100_000))
        #expect(s.pending == 0)
        s.enqueue(FetchTask(url: "http://b/1", host: "http://b", kind: .report))
        #expect(s.dropQueued() == 1)
        #expect(s.next(now: now) == .finished)
    }

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

    /// The retry policy alone, as the PostgreSQL frontier applies it to a host row.
    @Test func theRetryDecisionOfEachOutcome() {
        var policy = PolitenessPolicy()
        policy.maxRetries = 2
        policy.parkAfter = 3
        let fixed: (Int) -> Double = { Double(10 + $0) }
        typealias D = PolitenessScheduler.Decision
        #expect(PolitenessScheduler.decide(.done(status: 200), attempt: 0, failures: 2, policy: policy, backoff: fixed) == D(hostWait: nil, retry: false, failures: 0, park: false))
        #expect(PolitenessScheduler.decide(.permanent(reason: "robots"), attempt: 0, failures: 1, policy: policy, backoff: fixed) == D(hostWait: nil, retry: false, failures: 0, park: false))
        #expect(PolitenessScheduler.decide(.retryAfter(status: 429, seconds: 7), attempt: 1, failures: 1, policy: policy, backoff: fixed) == D(hostWait: 7, retry: true, failures: 1, park: false))
        #expect(PolitenessScheduler.decide(.retryAfter(status: 503, seconds: nil), attempt: 2, failures: 0, policy: policy, backoff: fixed) == D(hostWait: 12, retry: false, failures: 0, park: false))
        #expect(PolitenessScheduler.decide(.transient(reason: "timeout"), attempt: 0, failures: 0, policy: policy, backoff: fixed) == D(hostWait: 10, retry: true, failures: 1, park: false))
        #expect(PolitenessScheduler.decide(.transient(reason: "timeout"), attempt: 2, failures: 1, policy: policy, backoff: fixed) == D(hostWait: nil, retry: false, failures: 2, park: false))
        #expect(PolitenessScheduler.decide(.transient(reason: "http_500"), attempt: 0, failures: 2, policy: policy, backoff: fixed) == D(hostWait: nil, retry: false, failures: 3, park: true))
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

    @Test(arguments: [
        // IPv4: loopback, RFC 1918, this network, link-local (cloud metadata), CGNAT, benchmarking,
        // IETF, multicast, reserved, broadcast
        "127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "0.0.0.0", "0.1.2.3",
        "169.254.169.254", "100.64.0.0", "100.127.255.255", "198.18.0.1", "198.19.255.255", "192.0.0.8", "224.0.0.1",
        "239.255.255.250", "240.0.0.1", "255.255.255.255",
        // IPv6: loopback, unspecified, link-local (all of fe80::/10), unique local (fc00::/7), multicast
        "::1", "::", "[fe80::1]", "febf::1", "fe80::1%eth0", "fc00::1", "fd00::1", "ff02::1",
        // IPv4 wrapped in IPv6: mapped, compatible, NAT64 — decided on the IPv4 address inside
        "::ffff:0.0.0.0", "::ffff:7f00:1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:172.16.0.1",
        "::ffff:172.31.0.1", "::ffff:100.64.0.0", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::10.0.0.1",
        "[::ffff:192.168.0.1]",
        // not an address at all
        "localhost", "", "1.2.3", "::ffff:999.1.1.1",
    ])
    func addressesRefusedByDefault(_ a: String) {
        #expect(AddressCheck.isPrivate(a), "\(a)")
    }

    @Test(arguments: ["8.8.8.8", "172.32.0.1", "172.15.255.255", "100.63.255.255", "100.128.0.1", "198.20.0.1", "202.96.128.86",
                      "223.255.255.255", "2400:3200::1", "2001:db8::1", "::ffff:8.8.8.8", "64:ff9b::808:808", "[2408:8000::1]"])
    func publicAddressesAreAllowed(_ a: String) {
        #expect(!AddressCheck.isPrivate(a), "\(a)")
    }

    @Test func ipv6LiteralsInURLsAreAddresses() {
        #expect(AddressCheck.isLiteral("2001:db8::1") && AddressCheck.isLiteral("[::ffff:7f00:1]") && AddressCheck.isLiteral("10.0.0.1"))
        #expect(!AddressCheck.isLiteral("www.gov.cn"))
        #expect(URL(string: "http://[2001:db8::1]:8080/a")?.host == "2001:db8::1")
    }
}
