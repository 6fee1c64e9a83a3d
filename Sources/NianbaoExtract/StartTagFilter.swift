import CLibXML2
import CStringSearch

/// Drops, before libxml2 parses a page, the start-tag attributes the page model never reads.
///
/// Word-pasted report pages are mostly presentational attributes (`style="font-family:宋体;
/// mso-…"`, `class`, `lang`, `width`…): on the real 平潭 page they are 68 % of the bytes, and libxml2
/// reads every attribute value a character at a time into a freshly grown buffer. The reader only
/// uses `colspan`/`rowspan` (cells), `href`/`title` (links) and `<meta>` `name`/`property`/`content`,
/// so everything else, and every repeat of a kept attribute in a tag (libxml2 ignores repeats), is
/// cut out of the start tags here, with the tokenizing rules libxml2 2.9's HTML parser applies
/// (quoted values may hold `>`; `<script>`/`<style>` content is raw text up to its end tag; comments
/// end at the first `-->`; doctypes at the first `>` outside their quoted literals). Text, element
/// names, kept attributes and everything outside start tags are copied byte for byte, so libxml2
/// reports the same elements, attributes and text.
///
/// The filter is conservative: at the first construct whose reading could depend on the libxml2
/// version or on error recovery (a `<` not followed by a tag name, `</` not followed by a letter,
/// an unterminated comment, quote or tag, a bogus attribute name, a NUL byte, an over-long name,
/// tags inside `<title>` and the other elements newer libxml2 versions read as raw text) it stops
/// and copies the rest of the page unchanged. With libxml2 2.9.14 at run time — the version whose
/// source these rules were checked against, Debian 12's — it reads the recoverable ones of those
/// constructs the way that version does instead (``knowsRecovery``), and stops only at a NUL byte,
/// an unterminated comment, quote, tag or raw text, or a doctype it cannot end.
public enum StartTagFilter {
    /// True when the libxml2 loaded at run time is 2.9.14, whose recovery from stray `<`, `</`,
    /// `<?`, bogus attribute names, `<!-->`/`--!>` comments and tags inside `<title>`, `<textarea>`,
    /// `<noscript>`… the filter follows (HTMLparser.c: htmlParseTryOrFinish's content state,
    /// htmlParseEndTag, htmlParsePI, htmlParseStartTag, htmlParseComment). Other versions get the
    /// conservative rules.
    static let knowsRecovery = nianbao_libxml2_runtime_version() == 20914
    /// Attribute names kept on every element other than `<meta>`, each at its first occurrence in a
    /// tag (libxml2 ignores a repeated attribute, and checks for repeats pairwise: a tag with 50,000
    /// attributes costs it 2 s).
    static let keptAttributes: [[UInt8]] = ["colspan", "rowspan", "href", "title"].map { Array($0.utf8) }
    /// Attribute names kept on `<meta>`: what the reader reads there and what libxml2 looks at.
    static let keptMetaAttributes: [[UInt8]] = ["name", "property", "content", "http-equiv", "charset"].map { Array($0.utf8) }
    /// Elements whose content libxml2 2.9 reads as raw text up to the matching end tag.
    static let rawTextElements: [[UInt8]] = ["script", "style"].map { Array($0.utf8) }
    /// Elements later libxml2 versions (HTML5 tokenizer) read as raw or escapable raw text: their
    /// content is copied unchanged, and when it holds a `<` the filter stops there.
    static let versionDependentRawElements: [[UInt8]] = ["title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"]
        .map { Array($0.utf8) }
    static let metaName = Array("meta".utf8)
    static let plaintextName = Array("plaintext".utf8)

    /// `html` (valid UTF-8) with unread start-tag attributes removed; `html` itself when none were.
    public static func filter(_ html: [UInt8]) -> [UInt8] { filter(html, recovering: knowsRecovery) }

    /// ``filter(_:)`` with libxml2 2.9.14's recovery rules followed or not.
    static func filter(_ html: [UInt8], recovering: Bool) -> [UInt8] {
        html.withUnsafeBufferPointer { src -> [UInt8] in
            guard let base = src.baseAddress, src.count > 0, firstIndex(of: 0, in: src, from: 0) == nil else { return html }
            var dropped: [Range<Int>] = []
            scan(src, dropping: &dropped, recovering: recovering)
            if dropped.isEmpty { return html }
            let removed = dropped.reduce(0) { $0 + $1.count }
            return [UInt8](unsafeUninitializedCapacity: src.count - removed) { out, written in
                var from = 0, o = 0
                for r in dropped + [src.count..<src.count] {
                    let n = r.lowerBound - from
                    if n > 0 { (out.baseAddress! + o).update(from: base + from, count: n) }
                    o += n
                    from = r.upperBound
                }
                written = o
            }
        }
    }

    /// Walks the page as libxml2 tokenizes it and collects the byte ranges of unread attributes
    /// (each one from its name to the end of its value; the blanks before it stay).
    static func scan(_ src: UnsafeBufferPointer<UInt8>, dropping dropped: inout [Range<Int>], recovering: Bool) {
        let n = src.count
        let base = src.baseAddress!
        // The name tables as locals: a `static let` read in the loop pays its initialisation guard.
        let keptAttributes = keptAttributes, keptMetaAttributes = keptMetaAttributes, rawTextElements = rawTextElements
        let versionDependentRawElements = versionDependentRawElements, metaName = metaName, plaintextName = plaintextName
        func find(_ byte: UInt8, from: Int, before end: Int? = nil) -> Int? { firstIndex(of: byte, in: src, from: from, before: end) }
        /// Offset of the first `needle` starting in `from..<end` (end: the page's end), or nil.
        func find(_ needle: StaticString, from: Int, before end: Int? = nil) -> Int? {
            let stop = min(n, (end ?? n) + needle.utf8CodeUnitCount - 1)
            guard from < stop, let p = nianbao_memmem(base + from, stop - from, needle.utf8Start, needle.utf8CodeUnitCount) else { return nil }
            return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
        // The last `-->` search and its answer: comments closed by `--!>` on a page with no `-->`
        // after them must not each search to the page's end again.
        var commentEndSearch: (from: Int, found: Int?) = (Int.max, nil)
        func commentEnd(from: Int) -> Int? {
            if from >= commentEndSearch.from, commentEndSearch.found.map({ $0 >= from }) ?? true { return commentEndSearch.found }
            commentEndSearch = (from, find("-->", from: from))
            return commentEndSearch.found
        }
        func skipBlanks(_ j: inout Int) { while j < n, isBlank(src[j]) { j += 1 } }
        /// End (exclusive) of an HTML name starting at `j` as libxml2's htmlParseHTMLName reads it: at
        /// most 100 bytes, the rest of a longer run being read as what follows (2.9.14); without the
        /// recovery rules, nil for a run of 90 bytes or more.
        func nameEnd(_ j: Int) -> Int? {
            var k = j
            while k < n, isNameByte(src[k]) { k += 1 }
            if recovering { return min(k, j + 100) }
            return k - j < 90 ? k : nil
        }

        /// Reads the start tag at `lt` (`<` then a letter) as htmlParseStartTag does, recording unread
        /// attributes; nil when the tag has anything the filter does not read the way libxml2 does.
        func startTag(at lt: Int, src: UnsafeBufferPointer<UInt8>, dropping dropped: inout [Range<Int>])
            -> (nameEnd: Int, end: Int, selfClosing: Bool)? {
            guard let tagNameEnd = nameEnd(lt + 1) else { return nil }
            let kept = equalsLowercased(src, (lt + 1)..<tagNameEnd, metaName) ? keptMetaAttributes : keptAttributes
            var seen: UInt8 = 0  // one bit per kept name already in this tag
            var j = tagNameEnd
            skipBlanks(&j)
            while true {
                guard j < n else { return nil }
                let b = src[j]
                if b == UInt8(ascii: ">") { return (tagNameEnd, j + 1, false) }
                if b == UInt8(ascii: "/"), j + 1 < n, src[j + 1] == UInt8(ascii: ">") { return (tagNameEnd, j + 2, true) }
                guard isNameStart(b) else {
                    // libxml2 dumps a bogus attribute up to the next blank, `>` or `/>`.
                    guard recovering else { return nil }
                    // A bogus `=` right after a cut attribute would join the attribute before that
                    // one (`nowrap .y=2 = x` cut to `nowrap = x`): that cut is undone.
                    if b == UInt8(ascii: "="), let last = dropped.last, last.lowerBound > lt,
                       src[last.upperBound..<j].allSatisfy(isBlank) {
                        dropped.removeLast()
                    }
                    while j < n, !isBlank(src[j]), src[j] != UInt8(ascii: ">"), !(src[j] == UInt8(ascii: "/") && j + 1 < n && src[j + 1] == UInt8(ascii: ">")) {
                        j += 1
                    }
                    skipBlanks(&j)
                    continue
                }
                guard let attributeNameEnd = nameEnd(j) else { return nil }
                let attributeStart = j
                j = attributeNameEnd
                skipBlanks(&j)
                if j < n, src[j] == UInt8(ascii: "=") {
                    j += 1
                    skipBlanks(&j)
                    guard j < n else { return nil }
                    let q = src[j]
                    if q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") {
                        guard let close = find(q, from: j + 1) else { return nil }
                        j = close + 1
                    } else {
                        while j < n, !isBlank(src[j]), src[j] != UInt8(ascii: ">") { j += 1 }
                        guard j < n else { return nil }
                    }
                }
                let attributeEnd = j
                if let k = kept.firstIndex(where: { equalsLowercased(src, attributeStart..<attributeNameEnd, $0) }), seen & (1 << k) == 0 {
                    seen |= 1 << k
                } else {
                    dropped.append(attributeStart..<attributeEnd)
                }
                skipBlanks(&j)
            }
        }

        var i = 0
        while let lt = find(UInt8(ascii: "<"), from: i) {
            guard lt + 1 < n else { return }
            let next = src[lt + 1]
            if next == UInt8(ascii: "/") {
                // End tag: libxml2 skips to the first `>`, quotes or not. Without a name it drops the
                // `</` and reads on as text.
                guard lt + 2 < n else { return }
                if recovering ? isNameStart(src[lt + 2]) : isASCIILetter(src[lt + 2]) {
                    guard let gt = find(UInt8(ascii: ">"), from: lt + 2) else { return }
                    i = gt + 1
                } else {
                    guard recovering else { return }
                    i = lt + 2
                }
            } else if next == UInt8(ascii: "!") {
                if lt + 3 < n, src[lt + 2] == UInt8(ascii: "-"), src[lt + 3] == UInt8(ascii: "-") {
                    // Comment: ends at the first `-->` from its fifth byte on, or (2.9.14) at an
                    // earlier `--!>`. Without recovery, forms later versions end elsewhere
                    // (`<!-->`, `<!--->`, `--!>`) stop the filter.
                    // `--!>` only matters before the first `-->`: look for it there, not to the page's end.
                    let end = commentEnd(from: lt + 4), bang = find("--!>", from: lt + 4, before: end)
                    if recovering {
                        switch (end, bang) {
                        case (let e?, let b?): i = b < e ? b + 4 : e + 3
                        case (let e?, nil): i = e + 3
                        case (nil, let b?): i = b + 4
                        case (nil, nil): return
                        }
                    } else {
                        guard lt + 5 < n, src[lt + 4] != UInt8(ascii: ">"),
                              !(src[lt + 4] == UInt8(ascii: "-") && src[lt + 5] == UInt8(ascii: ">")),
                              let end else { return }
                        if let bang, bang < end { return }
                        i = end + 3
                    }
                } else {
                    // Doctype or bogus comment (`<![if !supportLists]>`): ends at the first `>`, which
                    // must not sit inside a quoted literal; a `<` before it stops the filter.
                    guard let gt = find(UInt8(ascii: ">"), from: lt + 2) else { return }
                    var quote: UInt8 = 0
                    for k in (lt + 2)..<gt {
                        let b = src[k]
                        if b == UInt8(ascii: "<") { return }
                        if quote != 0 { if b == quote { quote = 0 } } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { quote = b }
                    }
                    if quote != 0 { return }
                    i = gt + 1
                }
            } else if next == UInt8(ascii: "?") {
                // Processing instruction: to the first `>`. Without a target name libxml2 2.9.14
                // drops the `<?` and reads on as text.
                guard lt + 2 < n else { return }
                if isASCIILetter(src[lt + 2]) {
                    guard let gt = find(UInt8(ascii: ">"), from: lt + 2) else { return }
                    if find(UInt8(ascii: "<"), from: lt + 2, before: gt) != nil { return }
                    i = gt + 1
                } else {
                    guard recovering, !isNameStartOfXMLName(src[lt + 2]) else { return }
                    i = lt + 2
                }
            } else if isASCIILetter(next) {
                // A tag's drops stand only once the whole tag is read: half of them, applied to a tag
                // libxml2 reads differently, could join what remains differently.
                let mark = dropped.count
                guard let tagEnd = startTag(at: lt, src: src, dropping: &dropped) else {
                    dropped.removeSubrange(mark...)
                    return
                }
                i = tagEnd.end
                if !tagEnd.selfClosing {
                    let name = (lt + 1)..<tagEnd.nameEnd
                    if let raw = rawTextElements.first(where: { equalsLowercased(src, name, $0) }) {
                        // Raw text: up to `</name` in any case, copied unchanged.
                        guard let close = findEndTag(raw, from: i, src: src) else { return }
                        i = close
                    } else if !recovering, let raw = versionDependentRawElements.first(where: { equalsLowercased(src, name, $0) }) {
                        guard let close = findEndTag(raw, from: i, src: src) else { return }
                        if find(UInt8(ascii: "<"), from: i, before: close) != nil { return }
                        i = close
                    } else if !recovering, equalsLowercased(src, name, plaintextName) {
                        return
                    }
                }
            } else {
                // `<` before anything else: libxml2 2.9.14 gives it as text and reads on.
                guard recovering else { return }
                i = lt + 1
            }
        }
    }

    /// Offset of the first `</name` (name in any case) at or after `from`, where libxml2 leaves raw
    /// text; nil when there is none, or when the name read there is longer (`</scriptx>` ends the raw
    /// text for libxml2 but not the element, so it would read raw text on after it).
    static func findEndTag(_ name: [UInt8], from: Int, src: UnsafeBufferPointer<UInt8>) -> Int? {
        var k = from
        let n = src.count
        while k + 1 + name.count < n {
            guard let lt = firstIndex(of: UInt8(ascii: "<"), in: src, from: k) else { return nil }
            let after = lt + 2 + name.count
            if after <= n, src[lt + 1] == UInt8(ascii: "/"), equalsLowercased(src, (lt + 2)..<after, name) {
                return after < n && isNameByte(src[after]) ? nil : lt
            }
            k = lt + 1
        }
        return nil
    }

    /// Offset of the first `byte` in `from..<end` (end: the buffer's end), or nil.
    static func firstIndex(of byte: UInt8, in src: UnsafeBufferPointer<UInt8>, from: Int, before end: Int? = nil) -> Int? {
        let stop = min(src.count, end ?? src.count)
        guard from < stop, let p = memchr(src.baseAddress! + from, Int32(byte), stop - from) else { return nil }
        return src.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    @inline(__always) static func isASCIILetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    /// A first byte htmlParseHTMLName accepts: a letter, `_`, `:` or `.`.
    @inline(__always) static func isNameStart(_ b: UInt8) -> Bool {
        isASCIILetter(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: ".")
    }
    /// A first byte htmlParsePI's target name (htmlParseName) could start with besides an ASCII
    /// letter: `_`, `:`, or the lead byte of a non-ASCII character (which may be a letter).
    @inline(__always) static func isNameStartOfXMLName(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b >= 0x80
    }
    /// A byte htmlParseHTMLName continues a name with: a letter, a digit, `:`, `-`, `_` or `.`.
    @inline(__always) static func isNameByte(_ b: UInt8) -> Bool {
        isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-")
    }

    /// True when the bytes in `r` equal the lowercase ASCII `expected`, ignoring ASCII case.
    static func equalsLowercased(_ src: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ expected: [UInt8]) -> Bool {
        guard r.count == expected.count, r.upperBound <= src.count else { return false }
        var k = 0
        for i in r {
            let b = src[i]
            if (b >= 0x41 && b <= 0x5A ? b | 0x20 : b) != expected[k] { return false }
            k += 1
        }
        return true
    }
}
