import Crypto
import Foundation
import NianbaoDecode
import NianbaoEncode
import NianbaoExtract
import NianbaoNormalize
import NianbaoArchive

/// Which reader an input goes through.
public enum FormatChoice: String, Sendable, CaseIterable {
    /// Decide from the file name and the first bytes.
    case auto
    /// An HTML page.
    case html
    /// A flattened text copy.
    case text
}

/// What a sidecar `<file>.meta.json` says about an input.
public struct Sidecar: Sendable, Equatable {
    /// Source URL.
    public var url: String?
    /// Retrieval time (ISO 8601 UTC).
    public var retrievedAt: String?
    /// HTTP Content-Type header value.
    public var contentType: String?

    /// Creates a sidecar.
    public init(url: String? = nil, retrievedAt: String? = nil, contentType: String? = nil) {
        self.url = url
        self.retrievedAt = retrievedAt
        self.contentType = contentType
    }

    /// Reads `<path>.meta.json` if it exists. A malformed sidecar is an error naming it.
    public static func load(for path: String) throws -> Sidecar? {
        let sidecarPath = path + ".meta.json"
        guard FileManager.default.fileExists(atPath: sidecarPath) else { return nil }
        guard let data = FileManager.default.contents(atPath: sidecarPath),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PipelineError.badSidecar(sidecarPath)
        }
        return Sidecar(url: obj["url"] as? String, retrievedAt: obj["retrieved_at"] as? String,
                       contentType: obj["content_type"] as? String)
    }
}

/// Why an input gave no record.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case tooLarge(Int)
    case badSidecar(String)
    case decode(String)
    case notAReport(String)

    public var description: String {
        switch self {
        case .unreadable(let why): return "cannot read: \(why)"
        case .tooLarge(let n): return "too large (\(n) bytes; the limit is 64 MiB)"
        case .badSidecar(let p): return "sidecar \(p) is not a JSON object"
        case .decode(let why): return why
        case .notAReport(let why): return why
        }
    }
}

/// The result of normalizing one input.
public struct NormalizedRecord: Sendable {
    /// The record id (also the output file name without `.json`).
    public var id: String
    /// The record.
    public var record: JSONValue
    /// Its canonical bytes (with the trailing newline).
    public var bytes: [UInt8]
}

/// Wires decode → extract → normalize → encode for one input. Stateless and thread-safe.
public enum Pipeline {
    /// The tool's name and version, written into every record's `extractor`.
    public static let toolName = "nianbao"
    /// See ``toolName``.
    public static let toolVersion = "0.1.0"
    /// Inputs larger than this are refused.
    public static let maxInputBytes = 64 << 20

    /// The HTML reader's settings for normalizing: links are not collected (records do not hold them).
    public static let readerLimits: HTMLReaderLimits = {
        var limits = HTMLReaderLimits()
        limits.collectLinks = false
        return limits
    }()

    /// Call once before normalizing on several threads.
    public static func initialize() { HTMLPageReader.initialize() }

    /// Normalizes raw bytes. `name` is used to guess the format (file extension) when `format` is auto.
    public static func normalize(bytes: [UInt8], name: String, format: FormatChoice = .auto, sidecar: Sidecar? = nil,
                                 url: String? = nil, capture: (warc: String, offset: Int)? = nil, path: String? = nil) throws -> NormalizedRecord {
        if bytes.count > maxInputBytes { throw PipelineError.tooLarge(bytes.count) }
        let resolved = resolveFormat(format, name: name, bytes: bytes)
        let decoded: DecodedText
        do {
            decoded = try CharsetDecoder.decode(bytes, contentType: sidecar?.contentType, sniffMeta: resolved == .html)
        } catch let e as DecodeError {
            throw PipelineError.decode(e.description)
        }
        let page: PageModel = resolved == .html ? HTMLPageReader.read(utf8: decoded.utf8, limits: readerLimits) : TextPageReader.read(decoded.text)
        let digest = Hex.lowercase(SHA256.hash(data: bytes))
        let sourceURL = url ?? sidecar?.url ?? CrawlHeader.sourceURL(page.headerFields)
        let id: String
        if let u = sourceURL {
            id = String(Hex.lowercase(SHA256.hash(data: Array(u.utf8))).prefix(20))
        } else {
            id = String(digest.prefix(20))
        }
        let source = SourceInfo(url: sourceURL, retrievedAt: sidecar?.retrievedAt, contentSHA256: digest,
                                charset: decoded.charset, charsetSource: decoded.source.rawValue, capture: capture, path: path,
                                warnings: decoded.warnings.map { ($0.code, $0.message) })
        let extractor = ExtractorInfo(name: toolName, version: toolVersion, libxml2: HTMLPageReader.libxml2Version)
        do {
            let record = try Normalizer.normalize(page, source: source, id: id, extractor: extractor)
            return NormalizedRecord(id: id, record: record, bytes: CanonicalJSON.encode(record))
        } catch let e as NormalizeError {
            throw PipelineError.notAReport(e.description)
        }
    }

    /// Normalizes a file (and its sidecar, if any). `source.path` is `recordedPath`, by default `path`
    /// as given, and `source.file_name` its last component.
    public static func normalize(path: String, format: FormatChoice = .auto, url: String? = nil, recordedPath: String? = nil) throws -> NormalizedRecord {
        let bytes = try readFile(path)
        let sidecar = try Sidecar.load(for: path)
        return try normalize(bytes: bytes, name: path, format: format, sidecar: sidecar, url: url, path: recordedPath ?? path)
    }

    /// Reads a whole file, refusing anything over the size limit before reading it.
    public static func readFile(_ path: String) throws -> [UInt8] {
        // POSIX calls: FileManager's attribute dictionaries cost more than reading a page.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw PipelineError.unreadable(errno == ENOENT || errno == ENOTDIR ? "no such file" : "permission denied or not a regular file")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw PipelineError.unreadable("permission denied or not a regular file")
        }
        let size = Int(st.st_size)
        if size > maxInputBytes { throw PipelineError.tooLarge(size) }
        var failure: Int32 = 0
        // Read straight into the array's storage (no zero fill first).
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            initialized = 0
            while initialized < size {
                let n = read(fd, buffer.baseAddress! + initialized, size - initialized)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = errno; break }
                if n == 0 { break }
                initialized += n
            }
        }
        if failure != 0 { throw PipelineError.unreadable(String(cString: strerror(failure))) }
        return bytes
    }

    static func resolveFormat(_ f: FormatChoice, name: String, bytes: [UInt8]) -> InputFormat {
        switch f {
        case .html: return .html
        case .text: return .text
        case .auto:
            let lower = name.lowercased()
            if lower.hasSuffix(".txt") || lower.hasSuffix(".text") { return .text }
            if [".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"].contains(where: { lower.hasSuffix($0) }) { return .html }
            let head = String(decoding: bytes.prefix(2048).map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self).lowercased()
            for marker in ["<!doctype html", "<html", "<head", "<body", "<table", "<div", "<p>", "<p ", "<meta"] where head.contains(marker) {
                return .html
            }
            return .text
        }
    }
}

/// Atomic file writes: a temporary file in the target directory, written and fsynced, then renamed.
public enum AtomicFile {
    /// Writes `bytes` to `path` so that readers see either the old file or the whole new one, and a
    /// crash after the rename cannot leave an empty file in its place (the data is fsynced first;
    /// ``syncDirectory(_:)`` makes the renames of a batch durable).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent)\(tempMarker)\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.unreadable("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { buf in
            while written < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + written, buf.count - written)
                if n < 0 { if errno == EINTR { continue }; failure = String(cString: strerror(errno)); return }
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(tmp)
            throw PipelineError.unreadable("cannot write \(tmp): \(failure)")
        }
        if rename(tmp, path) != 0 {
            let err = String(cString: strerror(errno))
            unlink(tmp)
            throw PipelineError.unreadable("cannot rename into \(path): \(err)")
        }
    }

    /// What temporary files are called between the target's name and the writer's process id.
    static let tempMarker = ".tmp-"

    /// Fsyncs a directory, so that the renames into it survive a crash.
    public static func syncDirectory(_ dir: String) {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// Removes the temporary files that writers killed before their rename left in `dir`
    /// (`.<name>.tmp-<pid>-<n>` whose process is gone; a live writer's are left alone). Returns how many.
    @discardableResult
    public static func removeStaleTemporaries(in dir: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(".") {
            guard let marker = name.range(of: tempMarker, options: .backwards) else { continue }
            let rest = name[marker.upperBound...].split(separator: "-")
            guard rest.count == 2, let pid = Int32(rest[0]), UInt64(rest[1]) != nil else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            if unlink(dir + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }
}

/// One page to normalize: a file, or the payload of a WARC record.
public enum PageSource: Sendable {
    /// A file (with its sidecar, if any).
    case file(String)
    /// A response or resource record of a WARC file.
    case warcRecord(label: String, payload: [UInt8], sidecar: Sidecar, capture: WARCCapture)
    /// A page read from a stream (`normalize -` reads one from stdin): no sidecar, no path.
    case bytes(label: String, payload: [UInt8])

    /// How errors name this source.
    public var label: String {
        switch self {
        case .file(let p): return p
        case .warcRecord(let l, _, _, _): return l
        case .bytes(let l, _): return l
        }
    }
}

/// Where a record came from in a WARC file (`source.capture`).
public struct WARCCapture: Sendable, Equatable {
    /// File name of the WARC (no directory: records never carry machine paths).
    public var warc: String
    /// Byte offset of the record's gzip member.
    public var offset: Int
}

extension Pipeline {
    /// Largest decoded payload accepted from a WARC record.
    public static let maxPayloadBytes = 64 << 20

    /// Normalizes one page source.
    public static func normalize(_ source: PageSource, format: FormatChoice = .auto, url: String? = nil) throws -> NormalizedRecord {
        switch source {
        case .file(let path):
            return try normalize(path: path, format: format, url: url)
        case .warcRecord(let label, let payload, let sidecar, let capture):
            return try normalize(bytes: payload, name: label, format: format, sidecar: sidecar, url: nil,
                                 capture: (warc: capture.warc, offset: capture.offset))
        case .bytes(let label, let payload):
            return try normalize(bytes: payload, name: label, format: format, url: url)
        }
    }

    /// True for a file name nianbao reads as a WARC file.
    public static func isWARC(_ path: String) -> Bool {
        let l = path.lowercased()
        return l.hasSuffix(".warc") || l.hasSuffix(".warc.gz")
    }

    /// Calls `body` for every page of a WARC file: 2xx `response` records (payload decoded from its
    /// Content-Encoding) and `resource` records. Records that are not pages are skipped; a record
    /// whose payload cannot be decoded, and a corrupt gzip member (the reading goes on at the next
    /// member), are reported through `problem`.
    public static func forEachPage(inWARC path: String, problem: (String, String) -> Void, _ body: (PageSource) throws -> Void) throws {
        let name = (path as NSString).lastPathComponent
        // nianbao's own captures say in their metadata record what kind of page each was: listing
        // pages and robots.txt are not report candidates.
        let kinds = try WARCReader.captureKinds(path: path)
        try withoutActuallyEscaping(problem) { problem in try WARCReader.forEach(path: path, problem: { offset, why in problem("\(path)@\(offset)", why) }) { offset, record in
            if let id = record["WARC-Record-ID"], let kind = kinds[id], kind == "listing" || kind == "robots" { return }
            let label = "\(path)@\(offset)"
            let uri = record["WARC-Target-URI"]
            let date = record["WARC-Date"]
            switch record.type {
            case "response"?:
                guard record["Content-Type"]?.lowercased().hasPrefix("application/http") ?? false,
                      let http = HTTPResponse.parse(record.block), (200..<300).contains(http.status) else { return }
                // robots.txt and other non-page responses are not report candidates.
                if uri?.lowercased().hasSuffix("/robots.txt") ?? false { return }
                if let ct = http.header("Content-Type")?.lowercased(), !(ct.contains("html") || ct.contains("text/plain")) { return }
                let payload: [UInt8]
                do { payload = try http.decodedBody(limit: maxPayloadBytes) } catch {
                    problem(label, "\(error)")
                    return
                }
                try body(.warcRecord(label: label, payload: payload,
                                     sidecar: Sidecar(url: uri, retrievedAt: date, contentType: http.header("Content-Type")),
                                     capture: WARCCapture(warc: name, offset: offset)))
            case "resource"?:
                try body(.warcRecord(label: label, payload: record.block,
                                     sidecar: Sidecar(url: uri, retrievedAt: date, contentType: record["Content-Type"]),
                                     capture: WARCCapture(warc: name, offset: offset)))
            default:
                return
            }
        } }
    }
}
