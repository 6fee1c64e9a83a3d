import CLibXML2

/// Limits that keep hostile pages from exhausting time or memory.
public struct HTMLReaderLimits: Sendable {
    /// Tables nested deeper than this are read as plain text flow.
    public var maxTableDepth = 32
    /// `colspan` values above this are clamped.
    public var maxColspan = 100
    /// `rowspan` values above this are clamped.
    public var maxRowspan = 500
    /// Cells of one expanded grid above this make the table be read as text flow.
    public var maxGridCells = 2_000_000
    /// Whether `<a href>` links are collected (``PageModel/links``: harvest discovery needs them,
    /// normalizing does not).
    public var collectLinks = true
    /// Whether start-tag attributes the page model never reads are cut out before libxml2 parses the
    /// page (``StartTagFilter``): the same model, less for libxml2 to read. Off only to check that.
    public var dropUnreadAttributes = true

    /// The defaults.
    public init() {}
}

/// Reads an HTML page into a ``PageModel`` with libxml2's SAX parser (no DOM is built).
///
/// The caller decodes the bytes first; the reader hands libxml2 UTF-8, says so, and has it ignore
/// `<meta>` charset labels (HTML_PARSE_IGNORE_ENC): a page's own (possibly wrong) label never
/// switches libxml2's decoder, wherever in the page it stands.
public enum HTMLPageReader {
    /// The libxml2 version the reader was built against, e.g. `2.9.14`.
    public static var libxml2Version: String { String(cString: nianbao_libxml2_version()) }

    /// Must be called once before parsing on several threads.
    public static func initialize() {
        xmlInitParser()
    }

    /// Parses `html` (already decoded) into a page model.
    public static func read(_ html: String, limits: HTMLReaderLimits = HTMLReaderLimits()) -> PageModel {
        read(utf8: Array(html.utf8), limits: limits)
    }

    /// Parses already decoded text given as valid UTF-8 (``NianbaoDecode/DecodedText/utf8``) into a
    /// page model, without copying it into a String first.
    public static func read(utf8: [UInt8], limits: HTMLReaderLimits = HTMLReaderLimits()) -> PageModel {
        nianbao_libxml2_silence()
        var bytes = limits.dropUnreadAttributes ? StartTagFilter.filter(utf8) : utf8
        if bytes.isEmpty { bytes = [0x20] }
        // The builder is a value reached through one pointer: the callbacks pay no reference
        // counting and no dynamic exclusivity checks.
        let builder = UnsafeMutablePointer<PageBuilder>.allocate(capacity: 1)
        builder.initialize(to: PageBuilder(limits: limits))
        defer { builder.deallocate() }
        var sax = htmlSAXHandler()
        sax.startElement = { ctx, name, atts in
            guard let ctx, let name else { return }
            ctx.assumingMemoryBound(to: PageBuilder.self).pointee.start(TagKind.of(name), atts)
        }
        sax.endElement = { ctx, name in
            guard let ctx, let name else { return }
            ctx.assumingMemoryBound(to: PageBuilder.self).pointee.end(TagKind.of(name))
        }
        sax.characters = { ctx, ch, len in
            guard let ctx, let ch, len > 0 else { return }
            ctx.assumingMemoryBound(to: PageBuilder.self).pointee.text(UnsafeBufferPointer(start: ch, count: Int(len)))
        }
        sax.ignorableWhitespace = sax.characters
        sax.cdataBlock = sax.characters
        let options = Int32(HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)
        bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { cbuf in
                guard let ctxt = htmlCreatePushParserCtxt(&sax, UnsafeMutableRawPointer(builder), nil, 0, nil, XML_CHAR_ENCODING_UTF8) else { return }
                _ = htmlCtxtUseOptions(ctxt, options)
                // The whole page in one call that also terminates: with terminate = 0 libxml2's push
                // parser looks ahead for the end of every text run and tag before parsing it, which
                // more than doubles its work (measured: 13.6 M against 5.9 M instructions per page).
                _ = htmlParseChunk(ctxt, cbuf, Int32(buf.count), 1)
                htmlFreeParserCtxt(ctxt)
            }
        }
        var finished = builder.move()
        return finished.finish()
    }
}

/// What an element means to the page model, classified from its name without making a String.
enum TagKind {
    case skipped, block, title, meta, table, row, cell, anchor, other

    static let skippedNames = ["script", "style", "noscript", "template", "select", "textarea", "iframe", "object", "svg", "math"]
    static let blockNames = ["p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "section", "article",
                             "header", "footer", "nav", "aside", "main", "blockquote", "pre", "form", "hr", "center", "address", "figure",
                             "figcaption", "fieldset", "legend", "caption", "body", "html", "option", "button", "label"]

    /// Known names by packed key in a 1024-slot table with a multiplicative hash chosen at start-up
    /// to be collision-free: one multiply, one shift and one compare per element.
    static let hashed: (keys: [UInt64], kinds: [TagKind], multiplier: UInt64) = {
        var known: [(UInt64, TagKind)] = []
        for n in skippedNames { known.append((key(n), .skipped)) }
        for n in blockNames { known.append((key(n), .block)) }
        known += [(key("title"), .title), (key("meta"), .meta), (key("table"), .table), (key("tr"), .row), (key("td"), .cell),
                  (key("th"), .cell), (key("a"), .anchor)]
        var multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        while true {
            var keys = [UInt64](repeating: 0, count: 1024)
            var kinds = [TagKind](repeating: .other, count: 1024)
            var collision = false
            for (k, kind) in known {
                let slot = Int((k &* multiplier) >> 54)
                if keys[slot] != 0 { collision = true; break }
                keys[slot] = k
                kinds[slot] = kind
            }
            if !collision { return (keys, kinds, multiplier) }
            multiplier = multiplier &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407 | 1
        }
    }()

    static func kind(ofKey k: UInt64) -> TagKind {
        let slot = Int((k &* hashed.multiplier) >> 54)
        return hashed.keys[slot] == k && k != 0 ? hashed.kinds[slot] : .other
    }

    /// Up to 8 lowercased ASCII bytes packed into an integer (longer names never match a known tag).
    static func key(_ s: String) -> UInt64 {
        var k: UInt64 = 0
        for (i, b) in s.utf8.enumerated() where i < 8 { k |= UInt64(b) << (8 * UInt64(i)) }
        return k
    }

    static func of(_ name: UnsafePointer<xmlChar>) -> TagKind {
        var k: UInt64 = 0
        var i = 0
        while true {
            var b = name[i]
            if b == 0 { break }
            if i == 8 { return .other }
            if b >= 65 && b <= 90 { b |= 0x20 }
            k |= UInt64(b) << (8 * UInt64(i))
            i += 1
        }
        return kind(ofKey: k)
    }
}

/// A flow of text lines and tables under construction (the page body or one table cell).
///
/// Text arrives as UTF-8 bytes; spacing (ASCII whitespace, NBSP, ideographic and other Unicode
/// spaces) is collapsed to one ASCII space at the byte level, and a line becomes a String only
/// when it is complete.
struct FlowContainer {
    var segments: [Segment] = []
    var line: [UInt8] = []
    var pendingSpace = false

    mutating func append(_ buf: UnsafeBufferPointer<xmlChar>) {
        TextWhitespace.appendCollapsing(buf, to: &line, pendingSpace: &pendingSpace)
    }

    mutating func breakLine() {
        pendingSpace = false
        guard !line.isEmpty else { return }
        segments.append(.line(String(decoding: line, as: UTF8.self)))
        line.removeAll(keepingCapacity: true)
    }

    mutating func appendSegments(_ more: [Segment]) {
        breakLine()
        segments.append(contentsOf: more)
    }
}

/// A `<td>`/`<th>` under construction.
struct CellBuilder {
    var flow = FlowContainer()
    let colspan: Int
    let rowspan: Int
}

/// A finished cell before span expansion.
struct RawCell {
    var text: String
    /// The cell's segments when they are more than its text as one line (several lines, or a nested
    /// table read as flow); nil for the common cell of one line or none, which `text` says fully.
    var multiSegment: [Segment]?
    var colspan: Int
    var rowspan: Int

    /// The cell's content as segments, for a layout table read as flow.
    var segments: [Segment] {
        if let multiSegment { return multiSegment }
        return text.isEmpty ? [] : [.line(text)]
    }
}

/// A `<table>` under construction.
struct TableBuilder {
    var rows: [[RawCell]] = []
    var currentRow: [RawCell]?
    var currentCell: CellBuilder?
    var hasNestedTable = false
    var cellCount = 0
    /// The line buffer of the last closed cell, handed to the next cell opened (one buffer per table
    /// instead of one per cell).
    var spareLine: [UInt8] = []

    /// Opens a cell (the previous one must be closed).
    mutating func openCell(colspan: Int, rowspan: Int) {
        var cell = CellBuilder(colspan: colspan, rowspan: rowspan)
        swap(&cell.flow.line, &spareLine)
        currentCell = cell
    }

    /// Opens a row (the previous one must be closed), with room for as many cells as the last row had.
    mutating func openRow() {
        var row: [RawCell] = []
        row.reserveCapacity(rows.last?.count ?? 4)
        currentRow = row
    }

    mutating func closeCell() {
        guard var c = currentCell else { return }
        currentCell = nil  // c is then the only owner of its buffers: no copy on breakLine
        let text: String, multiSegment: [Segment]?
        if c.flow.segments.isEmpty {
            // One line or none, the common cell: its text is all there is (no segments array).
            text = c.flow.line.isEmpty ? "" : String(decoding: c.flow.line, as: UTF8.self)
            multiSegment = nil
            c.flow.line.removeAll(keepingCapacity: true)
        } else {
            c.flow.breakLine()
            let segments = c.flow.segments
            if segments.count == 1, case .line(let l) = segments[0] {
                (text, multiSegment) = (l, nil)
            } else {
                text = segments.compactMap { if case .line(let l) = $0 { return l } else { return nil } }.joined(separator: "\n")
                multiSegment = segments
            }
        }
        swap(&c.flow.line, &spareLine)
        if currentRow == nil { openRow() }
        currentRow!.append(RawCell(text: text, multiSegment: multiSegment, colspan: c.colspan, rowspan: c.rowspan))
        cellCount += 1
    }

    mutating func closeRow() {
        closeCell()
        if let r = currentRow { rows.append(r) }
        currentRow = nil
    }
}

/// Receives SAX events and builds the page model.
struct PageBuilder {
    let limits: HTMLReaderLimits
    var body = FlowContainer()
    var tables: [TableBuilder] = []
    /// Tables opened beyond `maxTableDepth`, read as plain flow.
    var ignoredTableDepth = 0
    var skipDepth = 0
    var inTitle = false
    var titleText = ""
    var meta: [String: String] = [:]

    init(limits: HTMLReaderLimits) { self.limits = limits }

    /// Runs `body` on the flow text goes to now: the cell being read in the innermost table that has
    /// one (stray text inside a table flows to the nearest enclosing cell), else the page body.
    mutating func withCurrentFlow<R>(_ work: (inout FlowContainer) -> R) -> R {
        var t = tables.count - 1
        while t >= 0 {
            if tables[t].currentCell != nil { return work(&tables[t].currentCell!.flow) }
            t -= 1
        }
        return work(&body)
    }

    mutating func breakCurrentLine() { withCurrentFlow { $0.breakLine() } }

    mutating func start(_ kind: TagKind, _ atts: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        if skipDepth > 0 {
            if kind == .skipped { skipDepth += 1 }
            return
        }
        if kind == .skipped { skipDepth = 1; return }
        switch kind {
        case .title:
            inTitle = true
        case .anchor:
            guard limits.collectLinks else { break }
            var href: String?, title: String?
            forEachAttribute(atts) { k, v in
                if asciiNameEquals(k, "href") { href = string(v) } else if asciiNameEquals(k, "title") { title = string(v) }
            }
            if let href, !href.isEmpty { openLink = (href, title.map(TextWhitespace.collapse), []) }
        case .meta:
            var n: String?, content: String?, prop: String?
            forEachAttribute(atts) { k, v in
                if asciiNameEquals(k, "name") { n = string(v).lowercased() }
                else if asciiNameEquals(k, "property") { prop = string(v).lowercased() }
                else if asciiNameEquals(k, "content") { content = string(v) }
            }
            if let key = n ?? prop, let content, meta[key] == nil { meta[key] = TextWhitespace.collapse(content) }
        case .table:
            if tables.count >= limits.maxTableDepth || ignoredTableDepth > 0 {
                ignoredTableDepth += 1
                breakCurrentLine()
                return
            }
            breakCurrentLine()
            if !tables.isEmpty { tables[tables.count - 1].hasNestedTable = true }
            tables.append(TableBuilder())
        case .row:
            guard ignoredTableDepth == 0, !tables.isEmpty else { breakCurrentLine(); return }
            tables[tables.count - 1].closeRow()
            tables[tables.count - 1].openRow()
        case .cell:
            guard ignoredTableDepth == 0, !tables.isEmpty else { breakCurrentLine(); return }
            tables[tables.count - 1].closeCell()
            var colspan = 1, rowspan = 1
            forEachAttribute(atts) { k, v in
                if asciiNameEquals(k, "colspan") { colspan = Self.span(v, cap: limits.maxColspan) }
                if asciiNameEquals(k, "rowspan") { rowspan = Self.span(v, cap: limits.maxRowspan) }
            }
            tables[tables.count - 1].openCell(colspan: colspan, rowspan: rowspan)
        case .block:
            breakCurrentLine()
        case .skipped, .other:
            break
        }
    }

    /// The `<a>` being read: href, title, text bytes.
    var openLink: (href: String, title: String?, text: [UInt8])?
    var links: [PageLink] = []

    mutating func end(_ kind: TagKind) {
        if skipDepth > 0 {
            if kind == .skipped { skipDepth -= 1 }
            return
        }
        switch kind {
        case .title:
            inTitle = false
        case .table:
            if ignoredTableDepth > 0 { ignoredTableDepth -= 1; breakCurrentLine(); return }
            guard let t = tables.popLast() else { return }
            closeTable(t)
        case .row:
            guard ignoredTableDepth == 0, !tables.isEmpty else { breakCurrentLine(); return }
            tables[tables.count - 1].closeRow()
        case .cell:
            guard ignoredTableDepth == 0, !tables.isEmpty else { breakCurrentLine(); return }
            tables[tables.count - 1].closeCell()
        case .block:
            breakCurrentLine()
        case .anchor:
            if let l = openLink {
                links.append(PageLink(href: TextWhitespace.collapse(l.href), text: TextWhitespace.collapse(utf8: l.text), title: l.title))
                openLink = nil
            }
        case .meta, .skipped, .other:
            break
        }
    }

    mutating func text(_ buf: UnsafeBufferPointer<xmlChar>) {
        if skipDepth > 0 { return }
        if inTitle {
            titleText += String(decoding: buf, as: UTF8.self)
            return
        }
        if openLink != nil, openLink!.text.count < 4096 { openLink!.text.append(contentsOf: buf) }
        withCurrentFlow { $0.append(buf) }
    }

    /// Ends a table taken off the stack: a data table becomes one grid segment of the flow around
    /// it; a layout table (one holding another) or an absurd grid gives its cells' content as flow,
    /// in reading order.
    mutating func closeTable(_ table: TableBuilder) {
        var t = table
        t.closeRow()
        let segments: [Segment]
        if !t.hasNestedTable, let grid = Self.expand(t.rows, limits: limits) {
            segments = [.table(grid)]
        } else {
            var flowed: [Segment] = []
            for row in t.rows { for cell in row { flowed.append(contentsOf: cell.segments) } }
            segments = flowed
        }
        withCurrentFlow { $0.appendSegments(segments) }
    }

    mutating func finish() -> PageModel {
        // Close anything the page left open.
        while let t = tables.popLast() { closeTable(t) }
        body.breakLine()
        let title = TextWhitespace.collapse(titleText)
        return PageModel(format: .html, htmlTitle: title.isEmpty ? nil : title, metaTags: meta, segments: body.segments, links: links)
    }

    /// Parses a span attribute leniently (`2;`, ` 3 `, `2px`) as libxml2 gives it (NUL-terminated),
    /// clamped to 1...cap.
    static func span(_ v: UnsafePointer<xmlChar>?, cap: Int) -> Int {
        guard let v else { return 1 }
        var i = 0
        while v[i] == 0x20 { i += 1 }
        var n = 0, digits = 0
        while digits < 6, v[i] >= 0x30, v[i] <= 0x39 { n = n * 10 + Int(v[i] - 0x30); digits += 1; i += 1 }
        return n > 0 ? min(n, cap) : 1
    }

    /// Expands spans into a rectangular grid. Returns nil when the grid would be absurdly large.
    static func expand(_ rows: [[RawCell]], limits: HTMLReaderLimits) -> TableGrid? {
        let nonEmptyRows = rows.filter { !$0.isEmpty }
        if nonEmptyRows.isEmpty { return nil }
        // Positions not covered by any cell stay this placeholder (also the padding of short rows).
        let uncovered = GridCell(text: "", isSpanCopy: true)
        var grid = [[GridCell]](repeating: [], count: nonEmptyRows.count)
        var covered = [[Bool]](repeating: [], count: nonEmptyRows.count)
        // Room for the widest row's own cells up front (spans from rows above can still widen a row),
        // when the grid that makes stays within the cell budget.
        let likelyWidth = nonEmptyRows.map { $0.reduce(0) { $0 + $1.colspan } }.max() ?? 0
        if likelyWidth <= limits.maxGridCells / nonEmptyRows.count {
            for r in grid.indices {
                grid[r].reserveCapacity(likelyWidth)
                covered[r].reserveCapacity(likelyWidth)
            }
        }
        var cellBudget = limits.maxGridCells
        for (r, row) in nonEmptyRows.enumerated() {
            var col = 0
            for cell in row {
                while col < covered[r].count, covered[r][col] { col += 1 }
                let rowspan = min(cell.rowspan, nonEmptyRows.count - r)
                for dr in 0..<rowspan {
                    let rr = r + dr
                    for dc in 0..<cell.colspan {
                        let cc = col + dc
                        while covered[rr].count <= cc { covered[rr].append(false); grid[rr].append(uncovered) }
                        cellBudget -= 1
                        if cellBudget < 0 { return nil }
                        grid[rr][cc] = GridCell(text: cell.text, isSpanCopy: dr != 0 || dc != 0)
                        covered[rr][cc] = true
                    }
                }
                col += cell.colspan
            }
        }
        let width = grid.map(\.count).max() ?? 0
        if width == 0 { return nil }
        // The padded grid counts too: one wide row over many short ones must not pad to millions.
        if width > limits.maxGridCells / grid.count { return nil }
        for r in grid.indices where grid[r].count < width {
            grid[r].append(contentsOf: repeatElement(uncovered, count: width - grid[r].count))
        }
        return TableGrid(rows: grid)
    }
}

/// Calls `body` with each attribute's name and value as libxml2 gives them (no Strings made).
private func forEachAttribute(_ atts: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
                              _ body: (UnsafePointer<xmlChar>, UnsafePointer<xmlChar>?) -> Void) {
    guard var p = atts else { return }
    while let k = p.pointee {
        body(k, (p + 1).pointee)
        p += 2
    }
}

/// True when the NUL-terminated `name` equals the lowercase ASCII `expected`, ignoring ASCII case.
@inline(__always)
private func asciiNameEquals(_ name: UnsafePointer<xmlChar>, _ expected: StaticString) -> Bool {
    let e = expected.utf8Start
    let n = expected.utf8CodeUnitCount
    for i in 0..<n {
        var b = name[i]
        if b >= 65 && b <= 90 { b |= 0x20 }
        if b != e[i] { return false }
    }
    return name[n] == 0
}

/// An attribute value as a String ("" when absent).
@inline(__always)
private func string(_ v: UnsafePointer<xmlChar>?) -> String {
    v.map { String(cString: $0) } ?? ""
}
