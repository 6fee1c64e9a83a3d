import Foundation
import NianbaoExtract

/// One site to harvest: its 年报 listing pages and how to recognise report links.
public struct SiteConfig: Codable, Sendable, Equatable {
    /// A name for logs.
    public var name: String?
    /// Listing pages (the 政府信息公开年报 column); pagination is followed from them.
    public var listings: [String]
    /// Regular expressions on absolute URLs that mark report links (in addition to the anchor-text rules).
    public var reportPatterns: [String]?
    /// Listing pages followed per site (pagination), default 50.
    public var maxListingPages: Int?
    /// Link depth from the listing pages, default 3.
    public var maxDepth: Int?

    enum CodingKeys: String, CodingKey {
        case name, listings
        case reportPatterns = "report_patterns"
        case maxListingPages = "max_listing_pages"
        case maxDepth = "max_depth"
    }
}

/// The sites file: sites with listing pages, and/or plain report URLs.
///
/// ```json
/// {
///   "sites": [
///     {"name": "江阴市", "listings": ["https://www.jiangyin.gov.cn/zfxxgk/ndbg/index.shtml"],
///      "report_patterns": ["/doc/\\d{4}/\\d{2}/\\d{2}/\\d+\\.shtml$"], "max_listing_pages": 20, "max_depth": 2}
///   ],
///   "urls": ["https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm"]
/// }
/// ```
/// A plain text file with one URL per line (`#` comments) is read as a list of report URLs.
public struct SitesFile: Codable, Sendable, Equatable {
    /// Sites with listing pages.
    public var sites: [SiteConfig]
    /// Report pages fetched directly.
    public var urls: [String]

    /// Creates a sites file.
    public init(sites: [SiteConfig] = [], urls: [String] = []) {
        self.sites = sites
        self.urls = urls
    }

    enum CodingKeys: String, CodingKey { case sites, urls }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sites = try c.decodeIfPresent([SiteConfig].self, forKey: .sites) ?? []
        urls = try c.decodeIfPresent([String].self, forKey: .urls) ?? []
    }

    /// Reads a sites file (JSON, or a plain URL list).
    public static func load(path: String) throws -> SitesFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw HarvestError.config("\(path): cannot read") }
        let text = String(decoding: data, as: UTF8.self)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            do { return try JSONDecoder().decode(SitesFile.self, from: data) } catch {
                throw HarvestError.config("\(path): not a valid sites file: \(error)")
            }
        }
        let urls = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        for u in urls where URL(string: u)?.host == nil { throw HarvestError.config("\(path): \(u) is not a URL") }
        return SitesFile(urls: urls)
    }
}

/// Errors of the harvester's setup.
public enum HarvestError: Error, Equatable, CustomStringConvertible {
    /// A bad sites file or option.
    case config(String)
    /// Another harvest holds the lock.
    case locked(String)
    /// The state or the archive cannot be used.
    case io(String)
    /// A system library the harvest needs (libcurl) cannot be loaded.
    case unavailable(String)

    public var description: String {
        switch self {
        case .config(let m), .locked(let m), .io(let m), .unavailable(let m): return m
        }
    }
}

/// Finds report links and further listing pages on a listing page.
public enum Discovery {
    /// Anchor texts of "next page" links.
    static let nextTexts: Set<String> = ["下一页", "下页", "后一页", "后页", "下一頁", "next", "next page", "›", "»", ">", ">>", "下一页>", "下一页>>"]

    /// True when a link's text or title reads like an annual report.
    public static func looksLikeReport(text: String, title: String?) -> Bool {
        for s in [text, title ?? ""] {
            if s.contains("年度报告") || s.contains("年报") || s.contains("年度報告") || (s.contains("信息公开") && s.contains("报告")) { return true }
        }
        return false
    }

    /// The absolute http(s) URL of `href` on a page at `base`, without fragment; nil for other schemes.
    public static func resolve(_ href: String, base: URL) -> URL? {
        let h = href.trimmingCharacters(in: .whitespaces)
        let lower = h.lowercased()
        if lower.isEmpty || lower.hasPrefix("#") || lower.hasPrefix("javascript:") || lower.hasPrefix("mailto:") || lower.hasPrefix("tel:") { return nil }
        guard let u = URL(string: h, relativeTo: base)?.absoluteURL ?? URL(string: h.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "", relativeTo: base)?.absoluteURL,
              let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else { return nil }
        var c = URLComponents(url: u, resolvingAgainstBaseURL: true)
        c?.fragment = nil
        return c?.url
    }

    /// True when `url` is on the site of `base` (same host, or a subdomain of its registrable part).
    public static func sameSite(_ url: URL, _ base: URL) -> Bool {
        guard let a = url.host?.lowercased(), let b = base.host?.lowercased() else { return false }
        if a == b { return true }
        let root = b.hasPrefix("www.") ? String(b.dropFirst(4)) : b
        return a == root || a.hasSuffix("." + root)
    }

    /// Splits a listing page's links into report pages and further listing pages (pagination).
    public static func classify(_ links: [PageLink], base: URL, patterns: [NSRegularExpression]) -> (reports: [URL], listings: [URL]) {
        var reports: [URL] = [], listings: [URL] = []
        var seen = Set<String>()
        let baseDir = base.deletingLastPathComponent().path
        for link in links {
            guard let u = resolve(link.href, base: base), sameSite(u, base), seen.insert(u.absoluteString).inserted else { continue }
            let s = u.absoluteString
            let text = link.text.trimmingCharacters(in: .whitespaces)
            if looksLikeReport(text: text, title: link.title) || patterns.contains(where: { $0.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }) {
                reports.append(u)
            } else if nextTexts.contains(text.lowercased()) {
                listings.append(u)
            } else if let n = Int(text), n >= 2, n <= 999, u.deletingLastPathComponent().path == baseDir || u.path == base.path {
                listings.append(u)  // numbered page links of the same column (index_1.html, ?page=2)
            }
        }
        return (reports, listings)
    }
}
