import NianbaoExtract

/// The six parts of a report (templates.md §1).
public enum SectionKind: String, CaseIterable, Sendable {
    case overview, proactive, applications
    case reviewLitigation = "review_litigation"
    case problems
    case otherMatters = "other_matters"

    /// Heading texts and their variants (templates.md §8), whitespace-free and folded, numbering stripped.
    var headingPrefixes: [String] { Self.prefixTable[self]! }

    private static let prefixTable: [SectionKind: [String]] = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.declaredPrefixes) })

    private var declaredPrefixes: [String] {
        switch self {
        case .overview: return ["总体情况", "总体概述", "概述", "總體情況", "基本情况", "总体工作情况"]
        case .proactive: return ["主动公开政府信息情况", "主动公开政府政府情况", "主动公开政府信息", "主动公开情况"]
        case .applications: return ["收到和处理政府信息公开申请情况", "收到和处理政府信息公开申请", "收到和处理政府信息",
                                    "依申请公开政府信息情况", "依申请公开情况"]
        case .reviewLitigation: return ["政府信息公开行政复议、行政诉讼情况", "政府信息公开行政复议和行政诉讼情况", "政府信息公开行政复议及行政诉讼情况",
                                        "政府信息公开行政复议", "因政府信息公开工作被申请行政复议", "因政府信息公开申请行政复议", "因政府信息公开"]
        case .problems: return ["存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况", "存在主要问题及改进情况", "存在问题及改进情况",
                                "主要问题和改进措施", "存在的主要问题和改进措施", "存在的问题及改进", "存在的主要问题", "存在问题和改进", "工作中存在的主要问题"]
        case .otherMatters: return ["其他需要报告的事项", "其他需要报告事项", "其他报告事项", "其他事项"]
        }
    }
}

/// A line of the page with its heading, if it is one.
struct SectionHeading {
    var kind: SectionKind
    var segmentIndex: Int
}

/// Reading of page-level facts from lines (metadata, breadcrumb, titles, sections, dates, contact).
enum PageText {
    static let numerals: Set<Character> = ["一", "二", "三", "四", "五", "六", "七"]

    /// If `line` is a section heading, which one. Never on a bare `四、` (B16): only known heading texts.
    static func heading(_ line: String) -> SectionKind? { heading(key: LabelText.matchKey(line)) }

    /// ``heading(_:)`` on a line's precomputed ``LabelText/matchKey(_:)``.
    static func heading(key: String) -> SectionKind? {
        // 2…48 scalars take 2…192 UTF-8 bytes: a cheap bound before counting.
        guard key.utf8.count >= 2, key.utf8.count <= 192 else { return nil }
        // Section numbers are 一、…六、; (一) marks a sub-heading inside a section, never a section.
        if key.utf8.first == UInt8(ascii: "(") { return nil }
        // Every heading text ends in one of these.
        guard headingTailSet.containsAny(key) else { return nil }
        let scalars = key.unicodeScalars.count
        guard scalars >= 2, scalars <= 48 else { return nil }
        var core = LabelText.stripNumbering(key)
        let numbered = core.utf8.count < key.utf8.count
        // "2023年政务公开总体情况"
        let cu = Array(core.unicodeScalars)
        if cu.count > 5, cu[4] == "年", cu[0..<4].allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }), core.hasSuffix("总体情况") {
            core = "总体情况"
        }
        let coreCount = core.unicodeScalars.count
        for (kind, prefixes) in headingPrefixTable {
            for (p, pCount) in prefixes where core.utf8HasPrefix(p) {
                // Short generic headings must be the whole line, or numbered.
                if pCount <= 4 && !numbered && coreCount != pCount { continue }
                if kind == .reviewLitigation && !(core.utf8Contains("复议") || core.utf8Contains("诉讼")) { continue }
                if coreCount > pCount + 12 && !numbered { continue }
                return kind
            }
        }
        // Misspelt or reworded headings (`四、政府信息公开行政法复议、行政诉讼情况`): numbered with the
        // part's own numeral, short, and holding the part's key words.
        if numbered, coreCount <= 30, let kind = keywordHeading(core), let numeral = key.unicodeScalars.first,
           numeral == ["一", "二", "三", "四", "五", "六"][SectionKind.allCases.firstIndex(of: kind)!] {
            return kind
        }
        return nil
    }

    /// The part whose key words a numbered heading holds, if exactly one (templates.md §8 variants and typos).
    static func keywordHeading(_ core: String) -> SectionKind? {
        guard core.utf8HasSuffix("情况") || core.utf8HasSuffix("事项") || core.utf8HasSuffix("措施") || core.utf8HasSuffix("概述") else { return nil }
        func has(_ w: String) -> Bool { core.utf8Contains(w) }
        var kinds: [SectionKind] = []
        if has("总体") || has("概述") || has("概况") { kinds.append(.overview) }
        if has("主动公开") { kinds.append(.proactive) }
        if has("申请") && (has("收到") || has("处理") || has("依申请")) && !has("复议") { kinds.append(.applications) }
        if has("复议") && has("诉讼") { kinds.append(.reviewLitigation) }
        if has("问题") && (has("改进") || has("整改") || has("措施")) { kinds.append(.problems) }
        if has("其他") && has("事项") { kinds.append(.otherMatters) }
        return kinds.count == 1 ? kinds[0] : nil
    }

    /// Every kind's heading prefixes with their scalar counts, in declaration order.
    static let headingPrefixTable: [(SectionKind, [(String, Int)])] = SectionKind.allCases.map { kind in
        (kind, kind.headingPrefixes.map { ($0, $0.unicodeScalars.count) })
    }

    /// Substrings one of which every section heading contains (a cheap pre-check).
    static let headingTails = ["情况", "概述", "事项", "措施", "问题", "改进"]
    static let headingTailSet = NeedleSet(headingTails)

    /// Splits lines that hold numbered headings together with other text (B18: headings inline,
    /// a whole report on one line): every heading becomes a line of its own.
    static func splitInlineHeadings(_ segments: [Segment]) -> [Segment] {
        var out: [Segment] = []
        out.reserveCapacity(segments.count)
        for seg in segments {
            // A cut needs a section numeral directly followed by 、 (一、…七、).
            guard case .line(let line) = seg, line.utf8.count > 36 else {
                out.append(seg)
                continue
            }
            // Cheap passes first: a cut needs some "X、" whose 40-character tail reads as a heading.
            let starts = numberedHeadingStarts(line)
            guard !starts.isEmpty, headingTailSet.containsAny(line) || line.utf8Contains("情況") || line.utf8Contains("問題"),
                  starts.contains(where: { startsWithHeading(String(line[$0...].prefix(40))) }) else {
                out.append(seg)
                continue
            }
            let chars = Array(line)
            var cuts: [Int] = []
            var i = 0
            while i + 1 < chars.count {
                if numerals.contains(chars[i]), chars[i + 1] == "、", i == 0 || !numerals.contains(chars[i - 1]) {
                    if startsWithHeading(String(chars[i..<min(chars.count, i + 40)])) { cuts.append(i) }
                }
                i += 1
            }
            if cuts.isEmpty || (cuts == [0] && heading(line) != nil) { out.append(seg); continue }
            if cuts.first != 0 {
                let piece = TextWhitespace.trim(String(chars[0..<cuts[0]]))
                if !piece.isEmpty { out.append(.line(piece)) }
            }
            for (k, c) in cuts.enumerated() {
                let e = k + 1 < cuts.count ? cuts[k + 1] : chars.count
                out.append(contentsOf: splitHeadingFromBody(TextWhitespace.trim(String(chars[c..<e]))))
            }
        }
        return out
    }

    /// Heading prefixes of four characters or more: what an inline heading must start with.
    static let inlineHeadingPrefixes: [String] = SectionKind.allCases.flatMap { $0.headingPrefixes.filter { $0.count >= 4 } }

    /// True when `tail` ("二、主动公开…"), folded and unnumbered, starts with a section heading.
    static func startsWithHeading(_ tail: String) -> Bool {
        let key = LabelText.stripNumbering(LabelText.matchKey(tail))
        return inlineHeadingPrefixes.contains { key.utf8HasPrefix($0) }
    }

    /// Indexes of every `一、` … `七、` in `line` (byte-level search).
    static func numberedHeadingStarts(_ line: String) -> [String.Index] {
        var line = line
        line.makeContiguousUTF8()
        // 、 is E3 80 81 (found with memmem); the numerals 一…七 are the three bytes before it.
        let offsets: [Int] = line.utf8.withContiguousStorageIfAvailable { b -> [Int] in
            var found: [Int] = []
            var from = 0
            while from < b.count, let hit = ideographicComma.withUnsafeBufferPointer({ byteSearch(UnsafeBufferPointer(rebasing: b[from...]), $0) }) {
                let at = from + hit
                if at >= 3, numeralBytes.contains(where: { $0[0] == b[at - 3] && $0[1] == b[at - 2] && $0[2] == b[at - 1] }) {
                    found.append(at - 3)
                }
                from = at + 3
            }
            return found
        } ?? []
        return offsets.map { line.utf8.index(line.utf8.startIndex, offsetBy: $0) }
    }

    private static let ideographicComma: [UInt8] = [0xE3, 0x80, 0x81]
    private static let numeralBytes: [[UInt8]] = ["一", "二", "三", "四", "五", "六", "七"].map { Array($0.utf8) }

    /// "二、主动公开政府信息情况第二十条…" → the heading line and the rest.
    static func splitHeadingFromBody(_ text: String) -> [Segment] {
        let chars = Array(text)
        let key = LabelText.matchKey(text)
        let core = LabelText.stripNumbering(key)
        for kind in SectionKind.allCases {
            for p in kind.headingPrefixes.sorted(by: { $0.count > $1.count }) where p.count >= 4 && core.hasPrefix(p) {
                // Walk the original text until p's characters have all been seen.
                var need = Array(p)
                var idx = 0
                var j = 0
                while j < chars.count, idx < need.count {
                    let f = LabelText.matchKey(String(chars[j]))
                    if let c = f.first, c == need[idx] { idx += 1 }
                    j += 1
                }
                need = []
                let head = TextWhitespace.trim(String(chars[..<j]))
                let body = TextWhitespace.trim(String(chars[j...]))
                return body.isEmpty ? [.line(head)] : [.line(head), .line(body)]
            }
        }
        return [.line(text)]
    }

    /// True for a line that reads as a report title. `key` is the line's ``LabelText/matchKey(_:)``
    /// when the caller already has it.
    static func isTitle(_ line: String, key knownKey: String? = nil) -> Bool {
        // Folding only maps 報 → 报 and 開 → 开 among these, so the raw line must already hold them.
        guard line.utf8.count >= 10, line.utf8Contains("报") || line.utf8Contains("報"),
              line.utf8Contains("开") || line.utf8Contains("開") else { return false }
        let key = knownKey ?? LabelText.matchKey(line)
        guard key.utf8Contains("信息公开") || key.utf8Contains("政务公开") else { return false }
        guard key.utf8HasSuffix("报告") || key.utf8HasSuffix("年报") || key.utf8HasSuffix("报告)") else { return false }
        if key.utf8Contains("。") || key.utf8Contains(",") { return false }
        let length = key.count
        return length >= 10 && length <= 70
    }

    /// A title at the start of a longer line (`XX2021年政府信息公开工作年度报告 本报告…`), if any.
    static func titlePrefix(_ line: String) -> String? {
        guard line.utf8Contains("报告") || line.utf8Contains("年报") || line.utf8Contains("報告") else { return nil }
        let f = LabelText.fold(line)
        for end in ["年度报告", "工作报告", "年报"] {
            guard let r = f.utf8Range(of: end) else { continue }
            let prefix = TextWhitespace.trim(String(f[..<r.upperBound]))
            if prefix.count <= 60, prefix.count < f.count, isTitle(prefix), titleYear(prefix) != nil { return prefix }
        }
        return nil
    }

    /// A year written before 年 in a title (`2023年…`, `2023年度…`).
    static func titleYear(_ title: String) -> Int? {
        let chars = Array(LabelText.matchKey(title))
        var i = 0
        while i + 4 < chars.count {
            if chars[i..<(i + 4)].allSatisfy({ $0.isASCII && $0.isNumber }), chars[i + 4] == "年",
               i == 0 || !(chars[i - 1].isASCII && chars[i - 1].isNumber) {
                if let y = Int(String(chars[i..<(i + 4)])), y >= 2000, y <= 2100 { return y }
            }
            i += 1
        }
        return nil
    }

    /// The agency named before the year in a title: `平潭综合实验区2025年度…` → `平潭综合实验区`.
    static func titleAgency(_ title: String) -> String? {
        let t = LabelText.fold(title).filter { $0 != " " }
        let chars = Array(t)
        var i = 0
        while i + 4 < chars.count {
            if chars[i..<(i + 4)].allSatisfy({ $0.isASCII && $0.isNumber }), chars[i + 4] == "年" {
                let prefix = String(chars[..<i])
                if prefix.count >= 2 { return prefix }
                // Year first: `2019年上海市人民政府办公厅政府信息公开工作年度报告`.
                guard i == 0 else { return nil }
                var rest = String(chars[(i + 5)...])
                if rest.hasPrefix("度") { rest.removeFirst() }
                guard let r = rest.utf8Range(of: "政府信息公开") ?? rest.utf8Range(of: "政务公开") ?? rest.utf8Range(of: "信息公开") else { return nil }
                let name = String(rest[..<r.lowerBound])
                return name.count >= 2 ? name : nil
            }
            i += 1
        }
        if let r = t.utf8Range(of: "政府信息公开") {
            let prefix = String(t[..<r.lowerBound])
            return prefix.count >= 2 && !prefix.hasSuffix("年") ? prefix : nil
        }
        return nil
    }

    // MARK: metadata

    /// Metadata labels → canonical keys (report-json.md `page.metadata`), longest first when matching.
    static let metadataLabels: [(label: String, key: String)] = [
        ("信息索引号", "index_number"), ("索引号", "index_number"),
        ("信息名称", "title"), ("文件名称", "title"), ("名称", "title"), ("标题", "title"),
        ("生成日期", "created_date"), ("成文日期", "created_date"),
        ("公开日期", "published_date"), ("发布日期", "published_date"), ("发文日期", "published_date"),
        ("文件编号", "document_number"), ("发文字号", "document_number"), ("文号", "document_number"),
        ("发布机构", "publisher"), ("发文机关", "publisher"), ("发布单位", "publisher"),
        ("公开时限", "disclosure_term"), ("公开形式", "disclosure_form"), ("公开方式", "disclosure_method"),
        ("公开范围", "disclosure_scope"), ("有效期", "validity_period"), ("公开程序", "disclosure_procedure"),
        ("体裁", "genre"), ("文种", "genre"),
        ("主题(一级)", "topics"), ("主题(二级)", "topics"), ("主题分类", "topics"), ("分类", "topics"),
        ("关键词", "keywords"), ("效力状况", "validity_status"), ("有效性", "validity_status"),
        ("内容概述", "summary"), ("摘要", "summary"),
        ("发布时间", "published_date"),
        ("组配分类", "other"), ("主题词", "other"), ("服务对象", "other"), ("责任部门", "other"), ("所属机构", "other"),
        ("信息来源", "publisher"), ("来源", "publisher"), ("时间", "published_date"), ("浏览次数", "ignore"), ("访问次数", "ignore"), ("点击数", "ignore"), ("字体", "ignore"),
    ].sorted { $0.label.count > $1.label.count }

    /// ``metadataLabels`` compiled for the one-pass pre-check, and as Characters for the walk.
    static let metadataLabelSet = NeedleSet(metadataLabels.map(\.label))
    static let metadataLabelChars: [[Character]] = metadataLabels.map { Array($0.label) }
    static let metadataLabelFirstScalars: Set<Unicode.Scalar> = Set(metadataLabels.compactMap { $0.label.unicodeScalars.first })

    static let furniture = ["文件下载", "【打印】", "【关闭】", "【字体:大 中 小】", "打印本页", "关闭窗口", "扫一扫在手机打开当前页", "收藏", "打印", "关闭"]

    static let furnitureMarkers = ["附件下载", "扫一扫", "打印本页", "关闭窗口", "相关链接", "上一篇", "下一篇", "分享到", "责任编辑",
                                   "版权所有", "主办单位", "网站标识码", "ICP备", "【打印】", "【关闭】", "【字体", "收藏", "打印", "关闭", "返回顶部"]

    /// Footer words that mark a line as the site's, wherever they stand in a short line.
    static let footerMarkers = ["版权所有", "ICP备", "网站标识码", "主办单位", "承办单位", "技术支持", "公网安备"]

    /// True for a line of page furniture (print/close links, share bars, footers).
    static func isFurniture(_ line: String) -> Bool {
        // Byte searches on the raw line first (the markers hold no character that folding changes).
        let bytes = line.utf8.count
        if bytes <= 480, footerMarkers.contains(where: { line.utf8Contains($0) }) { return true }
        // A furniture line is short: 20 characters after folding, at most 4 bytes each, plus spacing.
        guard bytes <= 160 else { return false }
        let key = LabelText.matchKey(line).filter { $0 != "•" && $0 != "·" && $0 != "[" && $0 != "]" }
        guard key.count <= 20 else { return false }
        return furnitureMarkers.contains { key.hasPrefix($0) }
    }

    /// The report title inside a `<title>` that carries the site's name (`…年度报告-沭阳县发改局`,
    /// `…年度报告_某某政府网`, `…年度报告 | 站名`), or the whole `<title>` when it is the title alone.
    static func titleInHTMLTitle(_ htmlTitle: String) -> String? {
        let pieces = htmlTitle.split(whereSeparator: { "-_|｜—–".contains($0) }).map { TextWhitespace.trim(String($0)) }
        for piece in [htmlTitle] + pieces where isTitle(piece) && titleYear(piece) != nil { return piece }
        return nil
    }

    /// Label/value pairs of the 信息公开 metadata block found in `fragments` (lines split at `|`, grid cells).
    static func metadataPairs(_ fragments: [String]) -> [(label: String, key: String, value: String)] {
        var pairs: [(String, String, String)] = []
        var pendingLabel: (String, String)?
        for fragment in fragments {
            let text = LabelText.fold(fragment)
            // Most furniture (menus, links) holds no label at all: skip it cheaply.
            if pendingLabel == nil, !metadataLabelSet.containsAny(text) { continue }
            let chars = Array(text)
            var hits: [(start: Int, end: Int, label: String, key: String)] = []
            var i = 0
            while i < chars.count {
                let boundary = i == 0 || chars[i - 1] == " " || chars[i - 1] == "|" || chars[i - 1] == ":"
                var matched = false
                if boundary, let first = chars[i].unicodeScalars.first, metadataLabelFirstScalars.contains(first) {
                    for (li, (label, key)) in metadataLabels.enumerated() {
                        let lc = metadataLabelChars[li]
                        if i + lc.count <= chars.count, chars[i..<(i + lc.count)].elementsEqual(lc) {
                            var end = i + lc.count
                            while end < chars.count, chars[end] == ":" || chars[end] == " " { end += 1 }
                            hits.append((i, end, label, key))
                            i = end
                            matched = true
                            break
                        }
                    }
                }
                if !matched { i += 1 }
            }
            if hits.isEmpty {
                if let p = pendingLabel {
                    let v = cleanValue(text)
                    pairs.append((p.0, p.1, v))
                    pendingLabel = nil
                }
                continue
            }
            if let p = pendingLabel {
                let lead = cleanValue(String(chars[0..<hits[0].start]))
                pairs.append((p.0, p.1, lead))
                pendingLabel = nil
            }
            for (h, hit) in hits.enumerated() {
                let valueEnd = h + 1 < hits.count ? hits[h + 1].start : chars.count
                let value = cleanValue(String(chars[hit.end..<valueEnd]))
                if value.isEmpty && h + 1 == hits.count {
                    pendingLabel = (hit.label, hit.key)
                } else {
                    pairs.append((hit.label, hit.key, value))
                }
            }
        }
        if let p = pendingLabel { pairs.append((p.0, p.1, "")) }
        return pairs
    }

    static func cleanValue(_ s: String) -> String {
        var v = TextWhitespace.trim(s)
        var changed = true
        while changed {
            changed = false
            for f in furniture where v.utf8HasSuffix(f) {
                v = TextWhitespace.trim(String(v.dropLast(f.count)))
                changed = true
            }
        }
        while let l = v.last, l == "|" || l == ":" || l == ";" { v = TextWhitespace.trim(String(v.dropLast())) }
        return v
    }

    /// Items of a breadcrumb line (`当前位置: 首页 > A > B`).
    static func breadcrumb(_ line: String) -> [String]? {
        guard line.utf8Contains("位置") else { return nil }
        let f = LabelText.fold(line)
        let markers = ["当前位置", "您的位置", "您现在的位置", "所在位置", "当前的位置"]
        guard let m = markers.first(where: { f.utf8Contains($0) }), let r = f.utf8Range(of: m) else { return nil }
        var rest = f[r.upperBound...]
        rest = rest.drop(while: { $0 == ":" || $0 == " " || $0 == "是" })
        let items = rest.split(whereSeparator: { ">›»".contains($0) }).map { TextWhitespace.trim(String($0)) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }

    // MARK: contact

    /// Contact details from the report text (`请与…联系`, 地址, 电话, 邮箱).
    /// Lines that can hold a contact detail hold one of these.
    static let contactMarks = NeedleSet(["联系", "电话", "地址", "邮箱", "@"])

    static func contact(_ lines: [String]) -> (org: String?, address: String?, phone: String?, email: String?) {
        var org: String?, address: String?, phone: String?, email: String?
        for line in lines where contactMarks.containsAny(line) {
            let f = LabelText.fold(line)
            if org == nil, let r = f.utf8Range(of: "请与") {
                let tail = f[r.upperBound...]
                if let e = tail.firstRange(of: "联系"), tail.distance(from: tail.startIndex, to: e.lowerBound) <= 40 {
                    let o = TextWhitespace.trim(String(tail[..<e.lowerBound]))
                    if o.count >= 2 { org = o }
                }
            }
            if org == nil {
                for label in ["联系单位", "联系部门", "受理机构", "受理部门"] {
                    if let v = labelled(f, label), v.count >= 2 { org = v; break }
                }
            }
            if address == nil {
                for label in ["办公地点", "办公地址", "联系地址", "通讯地址", "通信地址", "地址"] {
                    if let v = labelled(f, label), v.count >= 3 { address = v; break }
                }
            }
            if phone == nil {
                for label in ["联系电话", "咨询电话", "电话号码", "电话"] {
                    if let r = f.utf8Range(of: label) {
                        let tail = f[r.upperBound...].drop(while: { $0 == ":" || $0 == " " || $0 == "为" || $0 == "是" })
                        let p = tail.prefix(while: { ($0.isASCII && $0.isNumber) || "-—() ".contains($0) })
                        let digits = p.filter { $0.isNumber }
                        var number = TextWhitespace.trim(String(p))
                        // Drop a closing bracket that belongs to the sentence, not the number.
                        while let last = number.last, last == ")" || last == "-" || last == "—",
                              number.filter({ $0 == "(" }).count < number.filter({ $0 == ")" }).count || last != ")" {
                            number = TextWhitespace.trim(String(number.dropLast()))
                        }
                        if digits.count >= 7 { phone = number; break }
                    }
                }
            }
            if email == nil, f.utf8.contains(0x40), let at = f.firstIndex(of: "@") {
                let isMail: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "._%+-".contains($0)) }
                var s = at
                while s > f.startIndex, isMail(f[f.index(before: s)]) { s = f.index(before: s) }
                var e = f.index(after: at)
                while e < f.endIndex, isMail(f[e]) { e = f.index(after: e) }
                var candidate = String(f[s..<e])
                while candidate.last == "." { candidate.removeLast() }
                if candidate.first != "@", candidate.contains("."), !candidate.hasSuffix("@") { email = candidate }
            }
        }
        return (org, address, phone, email)
    }

    static func labelled(_ f: String, _ label: String) -> String? {
        guard let r = f.utf8Range(of: label) else { return nil }
        let tail = f[r.upperBound...].drop(while: { $0 == ":" || $0 == " " || $0 == "为" || $0 == "是" || $0 == "在" })
        let v = tail.prefix(while: { !",;。();|".contains($0) && $0 != " " })
        let t = TextWhitespace.trim(String(v))
        return t.isEmpty ? nil : t
    }
}
