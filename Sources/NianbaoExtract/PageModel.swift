/// The format an input page came in.
public enum InputFormat: String, Sendable, Equatable {
    /// An HTML page as served.
    case html
    /// A flattened text copy (one cell per line, pipe rows, …).
    case text
}

/// One cell of a span-expanded table grid.
public struct GridCell: Sendable, Equatable {
    /// The cell's text: its lines joined by `\n`, whitespace inside lines collapsed.
    public var text: String
    /// True when this position is covered by a `colspan`/`rowspan` of a cell that starts elsewhere.
    public var isSpanCopy: Bool

    /// Creates a cell.
    public init(text: String, isSpanCopy: Bool = false) {
        self.text = text
        self.isSpanCopy = isSpanCopy
    }
}

/// A table as a rectangular grid after expanding `colspan`/`rowspan`.
///
/// Rows are padded to the same width with empty span-copy cells. Nested tables are never mixed
/// into their parent's cells: a table that contains tables is treated as page layout and its cells
/// are flowed into the page's segments in reading order.
public struct TableGrid: Sendable, Equatable {
    /// The rows of the grid, each of the same length.
    public var rows: [[GridCell]]

    /// Creates a grid.
    public init(rows: [[GridCell]]) { self.rows = rows }

    /// Number of columns.
    public var width: Int { rows.first?.count ?? 0 }
}

/// A piece of the page in reading order.
public enum Segment: Sendable, Equatable {
    /// A line of running text (a paragraph, a heading, a line of a text copy).
    case line(String)
    /// A data table.
    case table(TableGrid)
}

/// What the extractor sees in a page, independent of libxml2's types.
///
/// Both inputs (HTML pages and flattened text copies) become this shape; every later step works on it.
public struct PageModel: Sendable, Equatable {
    /// How the page came in.
    public var format: InputFormat
    /// The HTML `<title>`, if any.
    public var htmlTitle: String?
    /// `<meta name=… content=…>` pairs, names lowercased; first occurrence wins.
    public var metaTags: [String: String]
    /// The page content in reading order.
    public var segments: [Segment]
    /// The page's links (`<a href>`), in order, for discovery.
    public var links: [PageLink]
    /// The header block a crawler wrote before a text copy's body (`标题:`, `原文链接:`, … up to a
    /// `==== 正文 ====` rule), field by field as written; empty for pages without one.
    public var headerFields: [HeaderField] = []

    /// Creates a page model.
    public init(format: InputFormat, htmlTitle: String? = nil, metaTags: [String: String] = [:], segments: [Segment], links: [PageLink] = []) {
        self.format = format
        self.htmlTitle = htmlTitle
        self.metaTags = metaTags
        self.segments = segments
        self.links = links
    }
}

/// A link of a page: where it points and what it says.
public struct PageLink: Sendable, Equatable {
    /// The `href` as written (relative or absolute).
    public var href: String
    /// The anchor text, spacing collapsed.
    public var text: String
    /// The `title` attribute, if any.
    public var title: String?

    /// Creates a link.
    public init(href: String, text: String, title: String? = nil) {
        self.href = href
        self.text = text
        self.title = title
    }
}

/// Whitespace handling shared by both readers.
public enum TextWhitespace {
    /// True for the characters the page treats as spacing (ASCII whitespace, NBSP, ideographic space).
    @inlinable
    public static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x3000, 0x2002, 0x2003, 0x2009, 0x200B, 0xFEFF: return true
        default: return false
        }
    }

    /// Removes spacing (see ``isSpace(_:)``) from both ends.
    public static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }

    /// ``collapse(_:)`` on UTF-8 bytes (valid UTF-8: the bytes libxml2 gives).
    public static func collapse(utf8 bytes: [UInt8]) -> String {
        String(decoding: bytes.withUnsafeBufferPointer(collapsed), as: UTF8.self)
    }

    /// The bytes of `buf` with spacing collapsed and trimmed (``appendCollapsing(_:to:pendingSpace:)``).
    private static func collapsed(_ buf: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(buf.count)
        var pendingSpace = false
        appendCollapsing(buf, to: &line, pendingSpace: &pendingSpace)
        return line
    }

    /// Appends `buf` to `line` with every run of spacing (``isSpace(_:)``, matched on its UTF-8
    /// bytes) turned into one ASCII space; a space is only written before the next non-space byte
    /// and never at the start of `line`, so the caller's last pending space is dropped at line end.
    @inlinable
    public static func appendCollapsing(_ buf: UnsafeBufferPointer<UInt8>, to line: inout [UInt8], pendingSpace: inout Bool) {
        var i = 0
        let n = buf.count
        while i < n {
            // A run of bytes none of which can start a space is copied whole.
            var j = i
            while j < n {
                let b = buf[j]
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) || b == 0xC2 || b == 0xE2 || b == 0xE3 || b == 0xEF { break }
                j += 1
            }
            if j > i {
                if pendingSpace { line.append(0x20); pendingSpace = false }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<j]))
                i = j
                continue
            }
            let b = buf[i]
            var spaceLength = 0
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: spaceLength = 1
            case 0xC2 where i + 1 < n && buf[i + 1] == 0xA0: spaceLength = 2  // U+00A0
            case 0xE3 where i + 2 < n && buf[i + 1] == 0x80 && buf[i + 2] == 0x80: spaceLength = 3  // U+3000
            case 0xE2 where i + 2 < n && buf[i + 1] == 0x80 && (buf[i + 2] == 0x82 || buf[i + 2] == 0x83 || buf[i + 2] == 0x89 || buf[i + 2] == 0x8B):
                spaceLength = 3  // U+2002, U+2003, U+2009, U+200B
            case 0xEF where i + 2 < n && buf[i + 1] == 0xBB && buf[i + 2] == 0xBF: spaceLength = 3  // U+FEFF
            default: break
            }
            if spaceLength > 0 {
                if !line.isEmpty { pendingSpace = true }
                i += spaceLength
                continue
            }
            if pendingSpace { line.append(0x20); pendingSpace = false }
            line.append(b)
            i += 1
        }
    }

    /// Collapses runs of spacing into one ASCII space and trims both ends.
    public static func collapse(_ s: String) -> String {
        var s = s
        s.makeContiguousUTF8()
        return s.utf8.withContiguousStorageIfAvailable { buf -> String in
            let line = collapsed(buf)
            return line.count == buf.count && line.elementsEqual(buf) ? s : String(decoding: line, as: UTF8.self)
        } ?? s
    }
}

/// One `label: value` line of a crawler's header block.
public struct HeaderField: Sendable, Equatable {
    /// The label as written, without its colon.
    public var label: String
    /// The value, trimmed; empty when the crawler wrote none.
    public var value: String

    /// Creates a field.
    public init(label: String, value: String) {
        self.label = label
        self.value = value
    }
}

/// The header block that site-archive crawlers write before the body of a text copy
/// (`标题: …`, `发布时间: …`, `原文链接: …`, `本地目录: …`, then `==================== 正文 ====================`).
public enum CrawlHeader {
    /// Labels crawlers write; without a 正文 rule, a block needs three of them at the top of the file.
    static let knownLabels: Set<String> = ["标题", "发布时间", "发布日期", "文号", "发布机构", "栏目", "原文链接", "本地目录", "来源",
                                           "索引号", "链接", "网址", "URL", "url", "抓取时间", "采集时间", "作者", "关键词", "分类"]

    /// A line `label: value` with a short label, or nil.
    static func field(_ line: String) -> HeaderField? {
        // The label is at most 8 characters: its colon is within the first 12.
        guard let colon = line.prefix(12).firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let label = TextWhitespace.trim(String(line[..<colon]))
        guard (1...8).contains(label.count), label.allSatisfy({ $0.isLetter }) else { return nil }
        return HeaderField(label: label, value: TextWhitespace.trim(String(line[line.index(after: colon)...])))
    }

    /// True for the rule that ends the block: `==== 正文 ====` (any run of `=`, `-` or `*`).
    static func isBodyRule(_ line: String) -> Bool {
        guard line.utf8.count <= 200 else { return false }
        let core = line.filter { $0 != "=" && $0 != "-" && $0 != "*" && $0 != " " }
        return core == "正文" && line.count > core.count + 2
    }

    /// The source URL a crawler recorded (`原文链接`, `链接`, `网址`, `URL`), when it is an http(s) URL.
    public static func sourceURL(_ fields: [HeaderField]) -> String? {
        for f in fields where ["原文链接", "原文地址", "链接", "网址", "URL", "url"].contains(f.label) {
            let v = f.value.lowercased()
            if (v.hasPrefix("http://") || v.hasPrefix("https://")), !f.value.contains(" ") { return f.value }
        }
        return nil
    }

    /// Splits the header block off the lines of a text copy: (fields, index of the first body line).
    public static func split(_ lines: [String]) -> (fields: [HeaderField], bodyStart: Int) {
        // With a 正文 rule near the top, everything before it is the header.
        if let rule = lines.prefix(30).firstIndex(where: isBodyRule) {
            let fields = lines[..<rule].compactMap(field)
            if fields.count >= 2 { return (fields, rule + 1) }
        }
        var fields: [HeaderField] = []
        var i = 0
        while i < lines.count, let f = field(lines[i]), knownLabels.contains(f.label) {
            fields.append(f)
            i += 1
        }
        return fields.count >= 3 ? (fields, i) : ([], 0)
    }
}

/// Reads a flattened text copy: one segment per non-empty line, each line trimmed and its
/// spacing collapsed. Pipes and cell structure are kept for the table reconstruction.
public enum TextPageReader {
    /// Builds the page model of a text copy.
    public static func read(_ text: String) -> PageModel {
        var segments: [Segment] = []
        var line = String.UnicodeScalarView()
        func flush() {
            let collapsed = TextWhitespace.collapse(String(line))
            if !collapsed.isEmpty { segments.append(.line(collapsed)) }
            line.removeAll(keepingCapacity: true)
        }
        for u in text.unicodeScalars {
            if u == "\n" || u == "\r" || u == "\u{2028}" || u == "\u{2029}" { flush() } else { line.append(u) }
        }
        flush()
        let lines = segments.map { if case .line(let l) = $0 { return l } else { return "" } }
        let header = CrawlHeader.split(lines)
        var page = PageModel(format: .text, segments: Array(segments[header.bodyStart...]))
        page.headerFields = header.fields
        return page
    }
}
