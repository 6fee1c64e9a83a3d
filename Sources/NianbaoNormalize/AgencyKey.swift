/// A stable identifier of the reporting body (`report.agency_key`), from the strongest evidence on
/// the page, and the identity of a report across copies (`report.report_key`).
///
/// Evidence, strongest first:
/// 1. the organisation code (组织机构代码, GB 11714: 8 characters and a check character) that prefixes
///    the 索引号 (`01404053X/2024-00175`), or the 统一社会信用代码 (GB 32100, 18 characters, whose
///    characters 9–17 are the organisation code) that prefixes it (`11500103MB1520178R/2021-00012`) or
///    that the page gives under its own label; either way the key is `org:<code>` (so a body that
///    writes the old code one year and the new one the next keeps its key). A code is taken only
///    when its check character is right.
/// 2. otherwise the site's host and the normalised agency name: `name:<host>/<name>` (`name:<name>`
///    for a local file with no URL, the weakest), the name folded (full-width, traditional forms) and
///    rewritten by ``nameRules`` (rules written as data).
public enum AgencyKey {
    /// Where the key came from (`report.agency_key_source`).
    public enum Source: String, Sendable {
        case indexNumberOrgCode = "index_number.org_code"
        case indexNumberUSCC = "index_number.uscc"
        case metadataCode = "metadata.code"
        case hostAndName = "host+name"
        case name = "name"
    }

    /// The key and its evidence, or nil when the page names no body at all.
    public static func derive(indexNumber: String?, otherMetadata: [(label: String, value: String)], agency: String?, url: String?) -> (key: String, source: Source)? {
        if let prefix = indexNumber.map(indexPrefix), let code = organisationCode(prefix) {
            return ("org:" + code.code, code.fromUSCC ? .indexNumberUSCC : .indexNumberOrgCode)
        }
        for (label, value) in otherMetadata where label.contains("信用代码") || label.contains("机构代码") {
            if let code = organisationCode(value.trimmingSpaces) { return ("org:" + code.code, .metadataCode) }
        }
        guard let agency, case let name = normalisedName(agency), !name.isEmpty else { return nil }
        if let host = url.flatMap(host) { return ("name:\(host)/\(name)", .hostAndName) }
        // Without a site, only a name that says where the body is can stand for it: 区统计局 or
        // 某镇政府 could be any district's or town's.
        return namesItsPlace(name) ? ("name:" + name, .name) : nil
    }

    /// True when at least two characters come before the name's first administrative-level word
    /// (省 市 县 区 镇 乡 旗 州 盟 街道): `金华市农业局`, `平潭综合实验区`, not `区统计局`, `某镇政府`.
    static func namesItsPlace(_ name: String) -> Bool {
        let levels: Set<Character> = ["省", "市", "县", "区", "镇", "乡", "旗", "州", "盟"]
        let chars = Array(name)
        guard let first = chars.firstIndex(where: { levels.contains($0) }) ?? name.firstRange(of: "街道").map({ name.distance(from: name.startIndex, to: $0.lowerBound) }) else { return false }
        return first >= 2 && !name.hasPrefix("某")
    }

    /// `report_key`: the agency key, the report year and the template (`org:01404053X|2023|2021`);
    /// nil when the key or the year is unknown.
    public static func reportKey(agencyKey: String?, year: Int?, template: String) -> String? {
        guard let agencyKey, let year else { return nil }
        return "\(agencyKey)|\(year)|\(template)"
    }

    /// The part of an 索引号 before its first `/` (or the whole of it), upper-cased, without spaces.
    static func indexPrefix(_ s: String) -> String {
        let head = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? s
        return head.trimmingSpaces.uppercased()
    }

    /// The organisation code in `s`: `s` itself (9 characters, or `XXXXXXXX-X`), or characters 9–17 of
    /// a 统一社会信用代码, each with a valid check character.
    static func organisationCode(_ s: String) -> (code: String, fromUSCC: Bool)? {
        let chars = Array(s.uppercased().unicodeScalars)
        if chars.count == 18, validUSCC(chars) {
            let code = String(String.UnicodeScalarView(chars[8..<17]))
            return validOrgCode(Array(code.unicodeScalars)) ? (code, true) : nil
        }
        var plain = chars
        if plain.count == 10 && plain[8] == "-" { plain.remove(at: 8) }
        if plain.count == 9, validOrgCode(plain) { return (String(String.UnicodeScalarView(plain)), false) }
        return nil
    }

    /// GB 11714: weights 3 7 9 10 5 8 4 2 over the first eight characters (0–9, A–Z = 10–35); the
    /// check character is 11 − (sum mod 11), written `X` for 10 and `0` for 11.
    static func validOrgCode(_ c: [Unicode.Scalar]) -> Bool {
        guard c.count == 9 else { return false }
        let weights = [3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for i in 0..<8 {
            guard let v = alphanumeric(c[i]) else { return false }
            sum += v * weights[i]
        }
        let check = 11 - sum % 11
        let want: Unicode.Scalar = check == 10 ? "X" : (check == 11 ? "0" : Unicode.Scalar(UInt8(0x30 + check)))
        // An all-zero code passes the arithmetic but identifies nobody.
        return c[8] == want && c[0..<8].contains { $0 != "0" }
    }

    /// GB 32100: 31 characters (digits and letters without I O Z S V); weights 3^i mod 31.
    static func validUSCC(_ c: [Unicode.Scalar]) -> Bool {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".unicodeScalars)
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        var sum = 0
        for i in 0..<17 {
            guard let v = alphabet.firstIndex(of: c[i]) else { return false }
            sum += v * weights[i]
        }
        let check = (31 - sum % 31) % 31
        return c[17] == alphabet[check]
    }

    static func alphanumeric(_ u: Unicode.Scalar) -> Int? {
        switch u.value {
        case 0x30...0x39: return Int(u.value - 0x30)
        case 0x41...0x5A: return Int(u.value - 0x41) + 10
        default: return nil
        }
    }

    /// The host of an http(s) URL, lower-cased, without `www.` and port.
    static func host(_ url: String) -> String? {
        let lower = url.lowercased()
        guard let scheme = lower.firstRange(of: "://"), lower.hasPrefix("http") else { return nil }
        var rest = lower[scheme.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if let colon = rest.lastIndex(of: ":"), !rest.contains("]") { rest = rest[..<colon] }
        var h = String(rest)
        if h.hasPrefix("www.") { h = String(h.dropFirst(4)) }
        return h.isEmpty ? nil : h
    }

    /// Rules that make two spellings of one body's name one, applied in order to the folded name
    /// (whitespace and punctuation removed): long forms to short forms, then the province-level
    /// prefix dropped (a body is named with or without its province on its own site).
    public static let nameRules: [(from: String, to: String)] = [
        ("管理委员会", "管委会"), ("人民政府", "政府"), ("办公厅", "办公室"), ("委员会", "委"),
        ("（本级）", ""), ("(本级)", ""), ("本级", ""),
    ]

    /// Province-level names, as they prefix a body's name (the longest forms first).
    public static let provincePrefixes: [String] = {
        let provinces = ["北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
                         "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
                         "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
                         "宁夏回族自治区", "新疆维吾尔自治区"]
        return provinces.sorted { $0.count > $1.count }
    }()

    /// A body's name, folded and rewritten by ``nameRules`` and ``provincePrefixes``.
    public static func normalisedName(_ name: String) -> String {
        var s = String(String.UnicodeScalarView(LabelText.fold(name).unicodeScalars.filter {
            !($0.properties.isWhitespace || "·,，.。、\"“”'‘’《》<>-—_".unicodeScalars.contains($0))
        }))
        for (from, to) in nameRules { s = s.replacingAll(from, with: to) }
        // A province prefix goes only when a name remains (北京市 alone is a body: the city).
        for p in provincePrefixes where s.hasPrefix(p) && s.count > p.count + 1 {
            s = String(s.dropFirst(p.count))
            break
        }
        return s
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = "", rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
