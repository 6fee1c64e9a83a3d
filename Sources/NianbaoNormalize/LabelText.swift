/// Text folding used before matching labels, headings and numbers (templates.md §8).
///
/// `fold` applies the compatibility mappings real pages need (full-width ASCII → ASCII, ideographic
/// space → space, a few look-alike dashes), maps traditional characters seen on mirror copies to
/// simplified ones, and strips pinyin glosses such as `機(jī)構(gòu)`. `matchKey` additionally
/// removes all whitespace, so `商业\n企业`, `商 业 企` + `业` and `本年新 制作数量` all compare equal.
public enum LabelText {
    /// Compatibility-folded, simplified text with whitespace kept.
    public static func fold(_ s: String) -> String { folded(s, dropSpace: false) }

    /// Folded text with every whitespace character removed: the key labels are matched on.
    public static func matchKey(_ s: String) -> String { folded(s, dropSpace: true) }

    static func folded(_ s: String, dropSpace: Bool) -> String {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { foldedUTF8($0, dropSpace: dropSpace) ?? s } ?? s
    }

    /// Folds valid UTF-8 a scalar at a time, writing into a scratch buffer (the output is never
    /// longer than the input: every fold maps to a scalar of the same or a shorter encoding);
    /// nil when nothing changes.
    private static func foldedUTF8(_ b: UnsafeBufferPointer<UInt8>, dropSpace: Bool) -> String? {
        let n = b.count
        if n == 0 { return nil }
        // The tables are read through local buffers: a `static let` read inside the loop calls its
        // lazy initializer's guard (swift_once) for every character.
        let bitsArray = traditionalBits, tableArray = simplifiedTable
        return bitsArray.withUnsafeBufferPointer { traditionalBits in
            tableArray.withUnsafeBufferPointer { simplifiedTable in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) { out in
                    foldedUTF8(b, dropSpace: dropSpace, into: out, traditionalBits: traditionalBits, simplifiedTable: simplifiedTable)
                }
            }
        }
    }

    /// ``foldedUTF8(_:dropSpace:)`` with its scratch buffer and tables given.
    private static func foldedUTF8(_ b: UnsafeBufferPointer<UInt8>, dropSpace: Bool, into out: UnsafeMutableBufferPointer<UInt8>,
                                   traditionalBits: UnsafeBufferPointer<UInt64>, simplifiedTable: UnsafeBufferPointer<UInt32>) -> String? {
        let n = b.count
        var o = 0
        var changed = false
        var hasParen = false
        var i = 0
        while i < n {
            let lead = b[i]
            if lead < 0x80 {
                // ASCII: only spacing (when dropped) and "(" matter.
                if dropSpace && (lead == 0x20 || lead == 0x09 || lead == 0x0A || lead == 0x0D) { changed = true; i += 1; continue }
                if lead == 0x28 { hasParen = true }
                out[o] = lead; o += 1; i += 1
                continue
            }
            if lead >= 0xE4 && lead <= 0xE9 && i + 2 < n {
                // U+4000…U+9FFF (CJK ideographs): only a traditional form changes, by table.
                let value = UInt32(lead & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)
                let index = Int(value) - 0x4E00
                if index >= 0, traditionalBits[index >> 6] & (1 << UInt64(index & 63)) != 0 {
                    let f = simplifiedTable[index]
                    out[o] = UInt8(0xE0 | (f >> 12)); out[o + 1] = UInt8(0x80 | ((f >> 6) & 0x3F)); out[o + 2] = UInt8(0x80 | (f & 0x3F))
                    changed = true
                } else {
                    out[o] = lead; out[o + 1] = b[i + 1]; out[o + 2] = b[i + 2]
                }
                o += 3
                i += 3
                continue
            }
            let length: Int
            let value: UInt32
            if lead < 0xE0 {
                length = 2; value = UInt32(lead & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F)
            } else if lead < 0xF0 {
                length = 3; value = UInt32(lead & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)
            } else {
                length = 4
                value = UInt32(lead & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F)
            }
            let f = foldScalar(Unicode.Scalar(value)!).value
            if dropSpace {
                switch f {
                case 0x20, 0xA0, 0x200B, 0xFEFF: changed = true; i += length; continue
                default: break
                }
            }
            if f == value {
                for k in 0..<length { out[o + k] = b[i + k] }
                o += length
            } else {
                changed = true
                if f < 0x80 {
                    if f == 0x28 { hasParen = true }
                    out[o] = UInt8(f); o += 1
                } else if f < 0x800 {
                    out[o] = UInt8(0xC0 | (f >> 6)); out[o + 1] = UInt8(0x80 | (f & 0x3F)); o += 2
                } else {
                    out[o] = UInt8(0xE0 | (f >> 12)); out[o + 1] = UInt8(0x80 | ((f >> 6) & 0x3F)); out[o + 2] = UInt8(0x80 | (f & 0x3F)); o += 3
                }
            }
            i += length
        }
        if !changed && !hasParen { return nil }
        let r = String(decoding: UnsafeBufferPointer(rebasing: out[0..<o]), as: UTF8.self)
        return hasParen ? stripPinyinGlosses(r) : r
    }

    @inline(__always)
    static func foldScalar(_ u: Unicode.Scalar) -> Unicode.Scalar {
        let v = u.value
        if v >= 0xFF01 && v <= 0xFF5E { return Unicode.Scalar(v - 0xFEE0)! }
        switch v {
        case 0x3000: return " "
        case 0x00A0: return " "
        case 0x2014, 0x2015, 0x2013, 0x2012, 0x2212: return "—"
        case 0x00B7, 0x30FB: return "·"
        case 0x3002: return "。"
        case 0x00A6: return "|"
        default: break
        }
        if v >= 0x4E00 && v <= 0x9FFF {
            let s = simplifiedTable[Int(v - 0x4E00)]
            if s != 0 { return Unicode.Scalar(s)! }
        }
        return u
    }

    /// Removes `(pinyin)` glosses injected by mirror sites: a parenthesised run of Latin letters
    /// (with tone marks) directly after a CJK character.
    static func stripPinyinGlosses(_ s: String) -> String {
        // A gloss starts with "(" and a pinyin letter: a-z, or a tone-marked vowel (UTF-8 lead byte
        // C3, C4, C5 or C7). Without one there is nothing to strip.
        var candidate = false
        var afterParen = false
        for b in s.utf8 {
            if afterParen && ((b >= 0x61 && b <= 0x7A) || b == 0xC3 || b == 0xC4 || b == 0xC5 || b == 0xC7) { candidate = true; break }
            afterParen = b == 0x28
        }
        guard candidate else { return s }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "(", i > 0, isCJK(scalars[i - 1]) {
                var j = i + 1
                while j < scalars.count, isPinyinLetter(scalars[j]) { j += 1 }
                if j > i + 1, j < scalars.count, scalars[j] == ")", j - i - 1 <= 8 {
                    i = j + 1
                    continue
                }
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }

    static func isCJK(_ u: Unicode.Scalar) -> Bool { u.value >= 0x4E00 && u.value <= 0x9FFF }

    static func isPinyinLetter(_ u: Unicode.Scalar) -> Bool {
        if u.value >= 0x61 && u.value <= 0x7A { return true }
        return "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".unicodeScalars.contains(u)
    }

    /// ``traditionalToSimplified`` as a flat table over U+4E00…U+9FFF (0 = unchanged), for speed.
    static let simplifiedTable: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 0x9FFF - 0x4E00 + 1)
        for (k, v) in traditionalToSimplified where k >= 0x4E00 && k <= 0x9FFF { t[Int(k - 0x4E00)] = v }
        return t
    }()

    /// One bit per U+4E00…U+9FFF: set when ``simplifiedTable`` maps the character (2.6 KB, stays in cache).
    static let traditionalBits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (0x9FFF - 0x4E00 + 1 + 63) / 64)
        for (i, v) in simplifiedTable.enumerated() where v != 0 { bits[i >> 6] |= 1 << UInt64(i & 63) }
        return bits
    }()

    /// Traditional → simplified for the characters of report labels, headings and dates.
    static let traditionalToSimplified: [UInt32: UInt32] = {
        let pairs = "問问條条項项數数規规範范許许處处罰罚強强製制發发廢废現现費费額额單单萬万請请結结轉转辦办開开資资機机構构務务業业總总計计與与護护權权屬属於于國国穩稳內内過过執执詢询關关沒没補补確确訪访舉举報报訴诉複复復复議议訟讼審审維维糾纠經经體体況况動动統统態态據据實实驗验區区縣县鎮镇鄉乡門门會会員员題题進进為为稱称號号產产類类稅税錄录繳缴納纳應应當当無无編编載载網网時时從从間间聯联繫系電电話话郵邮圖图書书館馆該该級级務务導导節节決决務务紀纪違违隱隐險险穩稳維维論论樣样達达準准備备證证擔担責责專专門门並并錯错誤误覆复嚴严範范歷历讓让記记這这個个們们來来對对說说種种後后將将於于點点級级錶表表表據据項项費费處处額额數数綜综臨临濟济廳厅衛卫劃划農农廣广東东陽阳灣湾遼辽寧宁龍龙雲云貴贵陝陕蘇苏園园場场學学醫医藥药監监檢检環环漢汉華华蘭兰隊队島岛灘滩橋桥興兴鐵铁軍军溝沟塊块壩坝嶺岭廠厂憲宪歸归氣气滬沪漁渔灣湾爾尔畝亩礦矿禮礼莊庄葉叶蔣蒋賓宾贛赣邊边鄰邻採采鋼钢錢钱鎖锁陰阴陳陈雙双頭头顧顾風风飛飞魯鲁鳳凤麗丽黃黄齊齐"
        var map: [UInt32: UInt32] = [:]
        var it = pairs.unicodeScalars.makeIterator()
        while let t = it.next(), let s = it.next() {
            if t != s { map[t.value] = s.value }
        }
        return map
    }()

    /// Removes a leading list number: `一、`, `(三)`, `1.`, `1、`, `(1)`, `第一,` …
    public static func stripNumbering(_ key: String) -> String {
        guard let first = key.unicodeScalars.first, first == "(" || isNumeralScalar(first) else { return key }
        let u = key.unicodeScalars
        var i = u.startIndex
        var changed = true
        while changed {
            changed = false
            // "(" numerals ")" with the ")" at most 4 scalars after the "(" and at least one numeral.
            if i < u.endIndex, u[i] == "(" {
                var j = u.index(after: i)
                var distance = 1
                var numerals = true
                while j < u.endIndex, distance <= 4, u[j] != ")" {
                    if !isNumeralScalar(u[j]) { numerals = false }
                    j = u.index(after: j)
                    distance += 1
                }
                if j < u.endIndex, distance <= 4, u[j] == ")", distance > 1, numerals {
                    i = u.index(after: j)
                    changed = true
                    continue
                }
            }
            var j = i
            while j < u.endIndex, isNumeralScalar(u[j]) { j = u.index(after: j) }
            if j > i, j < u.endIndex, u[j] == "、" || u[j] == "." || u[j] == "," || u[j] == "．" || u[j] == ":" {
                i = u.index(after: j)
                changed = true
            }
        }
        if i == u.startIndex { return key }
        return String(u[i...])
    }

    static func isNumeralScalar(_ u: Unicode.Scalar) -> Bool {
        switch u {
        case "0"..."9", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十": return true
        default: return false
        }
    }
}

/// Label keys compiled once: which candidate's key occurs earliest in a label (ties: the candidate
/// listed first). `规范性文件(…规章…)` is a 规范性文件 row although it also contains 规章.
struct LabelMatcher: Sendable {
    private let needles: NeedleSet
    /// The candidate id of each needle.
    private let ids: [String]

    init(_ candidates: [(keys: [String], id: String)]) {
        needles = NeedleSet(candidates.flatMap(\.keys))
        ids = candidates.flatMap { c in c.keys.map { _ in c.id } }
    }

    func earliest(in key: String) -> String? { needles.earliest(in: key).map { ids[$0] } }

    /// The distinct candidates whose keys occur in `key` (a label that names two rows names neither).
    func all(in key: String) -> Set<String> {
        var k = key
        k.makeContiguousUTF8()
        let found = k.utf8.withContiguousStorageIfAvailable { needles.present(in: $0) } ?? []
        return Set(found.indices.filter { found[$0] }.map { ids[$0] })
    }
}
