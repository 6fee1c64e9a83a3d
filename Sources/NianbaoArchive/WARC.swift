import Crypto
import Foundation

/// One WARC 1.1 record: its named fields, in order, and its content block.
public struct WARCRecord: Sendable, Equatable {
    /// Named fields in the order they are written (`WARC-Type`, `WARC-Target-URI`, …), without
    /// `Content-Length`, which is computed.
    public var fields: [(name: String, value: String)]
    /// The content block exactly as stored.
    public var block: [UInt8]

    /// Creates a record.
    public init(fields: [(name: String, value: String)], block: [UInt8]) {
        self.fields = fields
        self.block = block
    }

    /// The first value of a field (case-insensitive name).
    public subscript(_ name: String) -> String? {
        let n = name.lowercased()
        return fields.first { $0.name.lowercased() == n }?.value
    }

    /// `WARC-Type`.
    public var type: String? { self["WARC-Type"] }

    public static func == (a: WARCRecord, b: WARCRecord) -> Bool {
        a.block == b.block && a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.value) == b.fields.map(\.value)
    }

    /// The serialized record (`WARC/1.1` header, fields, blank line, block, two CRLFs).
    public func serialized() -> [UInt8] {
        var head = "WARC/1.1\r\n"
        for f in fields where f.name.lowercased() != "content-length" { head += "\(f.name): \(f.value)\r\n" }
        head += "Content-Length: \(block.count)\r\n\r\n"
        return Array(head.utf8) + block + [0x0D, 0x0A, 0x0D, 0x0A]
    }
}

/// Labelled digests as WARC tools write them: `sha1:` + base32 (RFC 4648).
public enum WARCDigest {
    /// `sha1:BASE32` of `data`.
    public static func sha1(_ data: [UInt8]) -> String {
        "sha1:" + base32(Array(Insecure.SHA1.hash(data: data)))
    }

    static func base32(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer = 0, bits = 0
        for b in bytes {
            buffer = (buffer << 8) | Int(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        while out.count % 8 != 0 { out.append("=") }
        return out
    }
}

/// Why a WARC file could not be read.
public enum WARCError: Error, Equatable, CustomStringConvertible {
    case io(String)
    case malformed(offset: Int, reason: String)
    /// The bytes end inside a record (more may follow in a stream; at the end of a file it is a partial record).
    case incomplete(offset: Int, reason: String)

    public var description: String {
        switch self {
        case .io(let why): return why
        case .malformed(let offset, let reason), .incomplete(let offset, let reason): return "malformed WARC record at byte \(offset): \(reason)"
        }
    }
}

/// Reads the records of a `.warc.gz` (one gzip member per record) or a plain `.warc` file.
public enum WARCReader {
    /// Largest record block accepted (a guard against corrupt lengths).
    public static let maxBlock = 256 << 20

    /// Calls `body` with (byte offset of the record in the file, record) for every record, in order.
    /// A truncated or corrupt tail stops the reading with an error naming its offset.
    ///
    /// The file is read as a stream, one record (one gzip member) at a time, so memory stays bounded
    /// by the largest record, not by the file.
    ///
    /// With `problem`, a corrupt gzip member (or a member that holds no readable record) of a
    /// `.warc.gz` does not end the reading: it is reported as (its offset, the reason) and the reading
    /// resynchronises at the next gzip member header. A truncated last member still ends it.
    public static func forEach(path: String, problem: ((Int, String) -> Void)? = nil, _ body: (Int, WARCRecord) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw WARCError.io("\(path): cannot read") }
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        var bufferStart = 0  // file offset of buffer[0]
        var eof = false
        func fill(_ atLeast: Int) throws {
            while !eof && buffer.count < atLeast {
                let chunk = try handle.read(upToCount: max(4 << 20, atLeast - buffer.count)) ?? Data()
                if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
            }
        }
        try fill(2)
        let gzipped = buffer.count >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B
        var want = 4 << 20
        /// Drops bytes up to the next gzip member header (1F 8B 08) after the buffer's first byte, or
        /// everything when there is none before the end of the file.
        func resync() throws {
            var from = 1
            while true {
                var i = from
                while i + 2 < buffer.count, !(buffer[i] == 0x1F && buffer[i + 1] == 0x8B && buffer[i + 2] == 0x08) { i += 1 }
                if i + 2 < buffer.count {
                    buffer.removeFirst(i)
                    bufferStart += i
                    return
                }
                if eof {
                    bufferStart += buffer.count
                    buffer.removeAll()
                    return
                }
                from = max(1, buffer.count - 2)
                try fill(buffer.count + (4 << 20))
            }
        }
        while true {
            try fill(want)
            if buffer.isEmpty { return }
            do {
                if gzipped {
                    let member: [UInt8], end: Int
                    do {
                        (member, end) = try Gzip.decompressMember(buffer, at: 0, limit: maxBlock + 65536)
                    } catch let e where problem != nil && !(e as? CompressionError == .truncated) {
                        // A corrupt member: say so, and go on at the next member header.
                        problem!(bufferStart, "corrupt gzip member: \(e)")
                        try resync()
                        continue
                    }
                    var records: [WARCRecord] = []
                    var inner = 0
                    do {
                        while inner < member.count {
                            let (record, next) = try parse(member, at: inner, fileOffset: bufferStart)
                            records.append(record)
                            inner = next
                        }
                    } catch let e where problem != nil {
                        problem!(bufferStart, "gzip member without a readable WARC record: \(e)")
                    }
                    for record in records { try body(bufferStart, record) }
                    buffer.removeFirst(end)
                    bufferStart += end
                } else {
                    let (record, next) = try parse(buffer, at: 0, fileOffset: bufferStart)
                    try body(bufferStart, record)
                    buffer.removeFirst(next)
                    bufferStart += next
                }
                want = 4 << 20
            } catch let e where !eof && (e as? CompressionError == .truncated || { if case .incomplete? = e as? WARCError { return true } else { return false } }()) {
                // The record continues past what was read: read more and try again.
                guard buffer.count < maxBlock + (1 << 20) else { throw WARCError.malformed(offset: bufferStart, reason: "record larger than \(maxBlock) bytes") }
                want = buffer.count * 2
            } catch WARCError.incomplete(let offset, let reason) {
                throw WARCError.malformed(offset: offset, reason: reason)
            } catch let e as WARCError {
                throw e
            } catch {
                throw WARCError.malformed(offset: bufferStart, reason: "\(error)")
            }
        }
    }

    /// ``forEach(path:_:)`` on bytes in memory.
    public static func forEach(bytes: [UInt8], _ body: (Int, WARCRecord) throws -> Void) throws {
        do { try forEachInMemory(bytes, body) } catch WARCError.incomplete(let offset, let reason) {
            throw WARCError.malformed(offset: offset, reason: reason)
        }
    }

    static func forEachInMemory(_ bytes: [UInt8], _ body: (Int, WARCRecord) throws -> Void) throws {
        var offset = 0
        let gzipped = bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
        while offset < bytes.count {
            if gzipped {
                let member: [UInt8], end: Int
                do { (member, end) = try Gzip.decompressMember(bytes, at: offset, limit: maxBlock + 65536) } catch {
                    throw WARCError.malformed(offset: offset, reason: "\(error)")
                }
                var inner = 0
                while inner < member.count {
                    let (record, next) = try parse(member, at: inner, fileOffset: offset)
                    try body(offset, record)
                    inner = next
                }
                offset = end
            } else {
                let (record, next) = try parse(bytes, at: offset, fileOffset: offset)
                try body(offset, record)
                offset = next
            }
        }
    }

    /// The `kind` nianbao's `metadata` records give the responses they accompany: response record
    /// id (`WARC-Concurrent-To`) → `listing`, `report` or `robots`. Empty for other tools' files.
    public static func captureKinds(path: String) throws -> [String: String] {
        var kinds: [String: String] = [:]
        try forEach(path: path, problem: { _, _ in }) { _, record in
            guard record.type == "metadata", let to = record["WARC-Concurrent-To"] else { return }
            for line in String(decoding: record.block, as: UTF8.self).components(separatedBy: "\r\n") where line.hasPrefix("kind: ") {
                kinds[to] = String(line.dropFirst(6))
            }
        }
        return kinds
    }

    static func parse(_ b: [UInt8], at start: Int, fileOffset: Int) throws -> (WARCRecord, Int) {
        var i = start
        // Skip stray blank lines between records.
        while i + 1 < b.count, b[i] == 0x0D || b[i] == 0x0A { i += 1 }
        guard let headerEnd = find(b, [0x0D, 0x0A, 0x0D, 0x0A], from: i) else {
            throw WARCError.incomplete(offset: fileOffset, reason: "no end of header")
        }
        let head = String(decoding: b[i..<headerEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        guard let version = lines.first, version.hasPrefix("WARC/") else { throw WARCError.malformed(offset: fileOffset, reason: "no WARC version line") }
        lines.removeFirst()
        var fields: [(String, String)] = []
        var length: Int?
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "content-length" { length = Int(value) } else { fields.append((name, value)) }
        }
        guard let n = length, n >= 0, n <= maxBlock else { throw WARCError.malformed(offset: fileOffset, reason: "bad Content-Length") }
        let blockStart = headerEnd + 4
        guard blockStart + n <= b.count else { throw WARCError.incomplete(offset: fileOffset, reason: "block ends early") }
        var next = blockStart + n
        if next + 4 <= b.count, Array(b[next..<(next + 4)]) == [0x0D, 0x0A, 0x0D, 0x0A] { next += 4 } else if next == b.count {
            throw WARCError.incomplete(offset: fileOffset, reason: "record not terminated")
        }
        return (WARCRecord(fields: fields.map { (name: $0.0, value: $0.1) }, block: Array(b[blockStart..<(blockStart + n)])), next)
    }

    static func find(_ b: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard b.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= b.count {
            if b[i] == needle[0], Array(b[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// Appends records to a `.warc.gz` file, one gzip member per record, so any record can be read
/// from its offset alone.
///
/// Opening an existing file first cuts back a partial last record left by a killed writer. A new
/// file starts with a `warcinfo` record. Each write is flushed to disk before the offset is
/// returned, so an offset that was handed out always points at a whole record.
public final class WARCWriter {
    /// The file.
    public let path: String
    private let handle: FileHandle
    /// Size of the file (the offset the next record gets).
    public private(set) var size: Int
    /// Bytes cut from a partial tail when the file was opened.
    public let repairedBytes: Int

    /// Opens (or creates) `path`. `info` are the fields of the `warcinfo` record of a new file.
    public init(path: String, info: [(String, String)], date: String) throws {
        self.path = path
        let fm = FileManager.default
        var cut = 0
        if fm.fileExists(atPath: path) {
            let total = (try? fm.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            var good = 0
            do {
                try WARCReader.forEach(path: path) { _, _ in }
                good = total
            } catch WARCError.malformed(let offset, _) {
                good = offset
            }
            if good < total {
                cut = total - good
                guard truncate(path, off_t(good)) == 0 else { throw WARCError.io("\(path): cannot cut back a partial record") }
            }
        } else {
            guard fm.createFile(atPath: path, contents: nil) else { throw WARCError.io("\(path): cannot create") }
        }
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw WARCError.io("\(path): cannot open") }
        handle = h
        size = Int(try h.seekToEnd())
        repairedBytes = cut
        if size == 0 {
            let body = Array(info.map { "\($0.0): \($0.1)\r\n" }.joined().utf8)
            _ = try write(WARCRecord(fields: [("WARC-Type", "warcinfo"), ("WARC-Date", date),
                                              ("WARC-Filename", (path as NSString).lastPathComponent),
                                              ("WARC-Record-ID", Self.recordID(["warcinfo", path, date])),
                                              ("Content-Type", "application/warc-fields"),
                                              ("WARC-Block-Digest", WARCDigest.sha1(body))].map { (name: $0.0, value: $0.1) },
                                     block: body))
        }
    }

    deinit { try? handle.close() }

    /// Appends one record as its own gzip member; returns its offset.
    @discardableResult
    public func write(_ record: WARCRecord) throws -> Int {
        let member = Gzip.compress(record.serialized())
        let offset = size
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: member)
        try handle.synchronize()
        size += member.count
        return offset
    }

    /// A stable `<urn:uuid:…>` derived from the given parts (same parts, same id).
    public static func recordID(_ parts: [String]) -> String {
        let h = Array(SHA256.hash(data: Array(parts.joined(separator: "\u{1F}").utf8)))
        var hex = h.prefix(16).map { String(format: "%02x", $0) }.joined()
        for i in [8, 13, 18, 23] { hex.insert("-", at: hex.index(hex.startIndex, offsetBy: i)) }
        return "<urn:uuid:\(hex)>"
    }
}

/// An HTTP response as stored in a WARC `response` record.
public struct HTTPResponse: Sendable {
    /// Status code.
    public var status: Int
    /// Header fields in order.
    public var headers: [(name: String, value: String)]
    /// The entity body as transferred (still content-encoded).
    public var body: [UInt8]

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.name.lowercased() == n }?.value
    }

    /// Parses `HTTP/1.1 200 OK\r\nHeaders…\r\n\r\nbody`; de-chunks a chunked body.
    public static func parse(_ block: [UInt8]) -> HTTPResponse? {
        guard let end = WARCReader.find(block, [0x0D, 0x0A, 0x0D, 0x0A], from: 0) else { return nil }
        let head = String(decoding: block[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/") else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]).trimmingCharacters(in: .whitespaces), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(block[(end + 4)...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }), let plain = dechunk(body) {
            body = plain
        }
        return HTTPResponse(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
    }

    /// Removes chunked transfer coding; nil when `b` is not validly chunked.
    public static func dechunk(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            guard let lineEnd = WARCReader.find(b, [0x0D, 0x0A], from: i) else { return nil }
            let sizeText = String(decoding: b[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            if size == 0 { return out }
            let start = lineEnd + 2
            guard start + size <= b.count else { return nil }
            out += b[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }

    /// The body with its `Content-Encoding` (gzip, deflate, br) removed, capped at `limit` bytes.
    public func decodedBody(limit: Int) throws -> [UInt8] {
        try ContentCoding.decode(body, encoding: header("Content-Encoding"), limit: limit)
    }
}

/// HTTP content codings decoded by nianbao itself (libcurl's decoding is off, so that captures
/// keep the bytes the server sent).
public enum ContentCoding {
    /// The `Accept-Encoding` nianbao sends.
    public static let acceptEncoding = "gzip, deflate, br"

    /// Removes `encoding` (a Content-Encoding value, possibly a list) from `body`, capped at `limit`.
    public static func decode(_ body: [UInt8], encoding: String?, limit: Int) throws -> [UInt8] {
        var data = body
        let codings = (encoding ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for coding in codings.reversed() {
            switch coding {
            case "gzip", "x-gzip", "deflate": data = try Gzip.decompressAll(data, limit: limit)
            case "br": data = try Brotli.decompress(data, limit: limit)
            case "", "identity": continue
            default: throw CompressionError.corrupt("unsupported Content-Encoding \(coding)")
            }
        }
        if data.count > limit { throw CompressionError.tooLarge(limit: limit) }
        return data
    }
}
