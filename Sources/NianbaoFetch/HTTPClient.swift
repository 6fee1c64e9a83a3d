import CCurl
import Foundation

/// Settings of the HTTP client. Every default is documented in the README's harvest section.
public struct HTTPClientConfig: Sendable {
    /// The User-Agent: tool, version and a contact URL.
    public var userAgent = "nianbao/0.1.0 (+https://github.com/nianbao/nianbao; government report harvester)"
    /// Seconds to establish a connection.
    public var connectTimeout = 10
    /// Seconds for a whole request.
    public var totalTimeout = 60
    /// A transfer slower than `lowSpeedBytes` per second for `lowSpeedSeconds` is aborted (slow drip).
    public var lowSpeedBytes = 100
    /// See ``lowSpeedBytes``.
    public var lowSpeedSeconds = 20
    /// Largest response body accepted, as sent (before content decoding).
    public var maxBodyBytes = 20 << 20
    /// Proxy URL (`http://host:port`); nil uses the usual environment variables (`http_proxy`, `https_proxy`, `no_proxy`).
    public var proxy: String?
    /// Connect to private, loopback and link-local addresses (tests use the loopback fixture site).
    public var allowPrivate = false
    /// Fixed name resolutions `host:port:address` (like curl's `--resolve`); also used to pin the
    /// address that was checked against the private ranges.
    public var resolve: [String] = []

    /// The defaults.
    public init() {}
}

/// Why a request gave no HTTP response.
public enum FetchFailure: String, Error, Sendable, Equatable {
    case timeout, resolve, connect, reset, tls, tooLarge = "too_large", refusedAddress = "refused_address"
    case badURL = "bad_url", protocolNotAllowed = "protocol_not_allowed", other
    /// The server's reply is not HTTP (a status line that cannot be read, HTTP/0.9 garbage).
    case badResponse = "bad_response"
    /// The response headers are larger than libcurl accepts.
    case headersTooLarge = "headers_too_large"

    /// True for failures worth retrying with backoff (the network, not the page or a rule).
    public var isTransient: Bool {
        switch self {
        case .timeout, .reset, .connect, .resolve, .other: return true
        default: return false
        }
    }
}

/// One HTTP exchange as it happened on the wire (no redirect followed, nothing decoded).
public struct HTTPExchange: Sendable {
    /// The URL requested.
    public var url: String
    /// The request header bytes exactly as sent.
    public var requestHead: [UInt8]
    /// The response status line and headers exactly as received (CRLF line ends, blank line included).
    public var responseHead: [UInt8]
    /// The response body as received (transfer and content codings still applied).
    public var body: [UInt8]
    /// Status code.
    public var status: Int
    /// The IP address connected to.
    public var remoteIP: String?
    /// Milliseconds: connect, first byte, total.
    public var timings: (connect: Int, firstByte: Int, total: Int)

    /// The entity body: ``body`` with chunked transfer coding removed (what WARC-Payload-Digest covers).
    public var payload: [UInt8] {
        guard header("Transfer-Encoding")?.lowercased().contains("chunked") ?? false else { return body }
        return HTTPResponse.dechunk(body) ?? body
    }

    /// The first value of a response header (case-insensitive).
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        for line in String(decoding: responseHead, as: UTF8.self).components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == n { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}

import NianbaoArchive

/// A blocking HTTP/1.1 and HTTP/2 client on libcurl. One client per thread.
///
/// libcurl's content decoding is off (nianbao sends `Accept-Encoding` itself and keeps the bytes as
/// sent), redirects are not followed (the caller follows them, checking each hop), only http and
/// https are allowed, TLS peers are verified, and the address connected to is checked against the
/// private ranges before the request is made.
public final class HTTPClient {
    /// The configuration.
    public let config: HTTPClientConfig
    private let handle: UnsafeMutableRawPointer

    /// Loads libcurl (it is opened on first use, not at process start) and initialises it. Call once
    /// before clients are made on several threads; throws when libcurl cannot be loaded.
    public static func globalInit() throws {
        if let reason = nianbao_curl_load_error() {
            throw HarvestError.unavailable("cannot load libcurl (\(NIANBAO_LIBCURL_SONAME)) for fetching: \(String(cString: reason))")
        }
        let rc = nianbao_curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard rc == CURLE_OK else { throw HarvestError.unavailable("libcurl could not initialise (code \(rc.rawValue))") }
    }

    /// libcurl's version.
    public static var curlVersion: String { String(cString: nianbao_curl_version()) }

    /// Creates a client (after ``globalInit()`` succeeded).
    public init(config: HTTPClientConfig = HTTPClientConfig()) {
        self.config = config
        handle = nianbao_curl_easy_init()!
    }

    deinit { nianbao_curl_easy_cleanup(handle) }

    /// Performs one GET. `headers` are extra request headers (`If-None-Match: …`).
    public func get(_ url: String, headers: [String] = []) -> Result<HTTPExchange, FetchFailure> {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else { return .failure(.badURL) }
        guard scheme == "http" || scheme == "https" else { return .failure(.protocolNotAllowed) }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        // Resolve and check the address, then pin it so libcurl connects to exactly that one.
        var pins = config.resolve
        let fixed = config.resolve.first { $0.lowercased().hasPrefix("\(host.lowercased()):\(port):") }.map { String($0.split(separator: ":", maxSplits: 2)[2]) }
        let address: String
        if let f = fixed {
            address = f
        } else if AddressCheck.isLiteral(host) {
            // An IP literal (`http://[2001:db8::1]/`, `http://[::ffff:7f00:1]/`): checked as it is, nothing to resolve.
            address = host
        } else {
            guard let a = AddressCheck.resolve(host: host, port: port) else { return .failure(.resolve) }
            address = a
            pins.append("\(host):\(port):\(a)")
        }
        if !config.allowPrivate && AddressCheck.isPrivate(address) { return .failure(.refusedAddress) }

        nianbao_curl_easy_reset(handle)
        let box = TransferBox(limit: config.maxBodyBytes)
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        var lists: [UnsafeMutablePointer<curl_slist>?] = []
        defer { lists.forEach { nianbao_curl_slist_free_all($0) } }
        func slist(_ items: [String]) -> UnsafeMutablePointer<curl_slist>? {
            var l: UnsafeMutablePointer<curl_slist>?
            for i in items { l = nianbao_curl_slist_append(l, i) }
            lists.append(l)
            return l
        }
        _ = nianbao_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = nianbao_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = nianbao_curl_setopt_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = nianbao_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 0)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = nianbao_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, config.connectTimeout)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_TIMEOUT, config.totalTimeout)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, config.lowSpeedBytes)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, config.lowSpeedSeconds)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        _ = nianbao_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Keep chunked framing as received (the WARC response record stores the bytes as sent);
        // ``HTTPExchange/payload`` removes it.
        _ = nianbao_curl_setopt_long(handle, CURLOPT_HTTP_TRANSFER_DECODING, 0)
        _ = nianbao_curl_setopt_string(handle, CURLOPT_USERAGENT, config.userAgent)
        if let proxy = config.proxy { _ = nianbao_curl_setopt_string(handle, CURLOPT_PROXY, proxy) }
        _ = nianbao_curl_setopt_slist(handle, CURLOPT_RESOLVE, slist(pins))
        _ = nianbao_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, slist(["Accept-Encoding: \(ContentCoding.acceptEncoding)",
                                                                          "Accept: text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"] + headers))
        _ = nianbao_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(box.errorBuffer))
        _ = nianbao_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        _ = nianbao_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
        _ = nianbao_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, unmanaged.toOpaque())
        _ = nianbao_curl_setopt_long(handle, CURLOPT_VERBOSE, 1)  // needed for the debug callback (request bytes)
        _ = nianbao_curl_setopt_data_cb(handle, CURLOPT_WRITEFUNCTION) { ptr, size, n, ctx in
            let box = Unmanaged<TransferBox>.fromOpaque(ctx!).takeUnretainedValue()
            let count = size * n
            if box.body.count + count > box.limit { box.overLimit = true; return 0 }
            ptr.map { box.body.append(contentsOf: UnsafeRawBufferPointer(start: $0, count: count)) }
            return count
        }
        _ = nianbao_curl_setopt_data_cb(handle, CURLOPT_HEADERFUNCTION) { ptr, size, n, ctx in
            let box = Unmanaged<TransferBox>.fromOpaque(ctx!).takeUnretainedValue()
            let count = size * n
            guard let ptr else { return count }
            let line = UnsafeRawBufferPointer(start: ptr, count: count)
            if line.starts(with: Array("HTTP/".utf8)) { box.head.removeAll() }  // a new response (after 100 Continue)
            box.head.append(contentsOf: line)
            return count
        }
        _ = nianbao_curl_setopt_debug_cb(handle) { _, type, data, size, ctx in
            guard type == CURLINFO_HEADER_OUT, let data, let ctx else { return 0 }
            let box = Unmanaged<TransferBox>.fromOpaque(ctx).takeUnretainedValue()
            box.request.append(contentsOf: UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        let rc = nianbao_curl_easy_perform(handle)
        if box.overLimit { return .failure(.tooLarge) }
        guard rc == CURLE_OK else { return .failure(Self.failure(rc, message: box.errorText)) }
        var status = 0
        _ = nianbao_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var ip: UnsafeMutablePointer<CChar>?
        _ = nianbao_curl_getinfo_string(handle, CURLINFO_PRIMARY_IP, &ip)
        var connect: curl_off_t = 0, first: curl_off_t = 0, total: curl_off_t = 0
        _ = nianbao_curl_getinfo_off(handle, CURLINFO_CONNECT_TIME_T, &connect)
        _ = nianbao_curl_getinfo_off(handle, CURLINFO_STARTTRANSFER_TIME_T, &first)
        _ = nianbao_curl_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &total)
        return .success(HTTPExchange(url: url, requestHead: box.request, responseHead: box.head, body: box.body, status: status,
                                     remoteIP: ip.map { String(cString: $0) },
                                     timings: (Int(connect / 1000), Int(first / 1000), Int(total / 1000))))
    }

    /// The failure a libcurl result stands for, told apart by libcurl's message where one code covers
    /// several things (a reply that is not HTTP is not a forbidden protocol; huge headers are not a reset).
    static func failure(_ rc: CURLcode, message: String) -> FetchFailure {
        let m = message.lowercased()
        // libcurl 7.88 answers a response header over its 100 KB limit with CURLE_OUT_OF_MEMORY.
        if rc == CURLE_OUT_OF_MEMORY || (m.contains("header") && (m.contains("too large") || m.contains("too long") || m.contains("maximum") || m.contains("too big"))) {
            return .headersTooLarge
        }
        if rc == CURLE_WEIRD_SERVER_REPLY || m.contains("http/0.9") || m.contains("http version") || m.contains("status line")
            || m.contains("weird server reply") || m.contains("unsupported http") {
            return .badResponse
        }
        return failure(rc)
    }

    static func failure(_ rc: CURLcode) -> FetchFailure {
        switch rc {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .resolve
        case CURLE_COULDNT_CONNECT: return .connect
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM: return .reset
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE: return .tls
        case CURLE_UNSUPPORTED_PROTOCOL: return .protocolNotAllowed
        case CURLE_URL_MALFORMAT: return .badURL
        default: return .other
        }
    }
}

/// Buffers of one transfer, filled by libcurl's callbacks.
final class TransferBox {
    let limit: Int
    var body: [UInt8] = []
    var head: [UInt8] = []
    var request: [UInt8] = []
    var overLimit = false
    /// libcurl's CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE bytes): what exactly went wrong.
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    init(limit: Int) {
        self.limit = limit
        errorBuffer.initialize(repeating: 0, count: 256)
    }
    deinit { errorBuffer.deallocate() }
    var errorText: String { String(cString: errorBuffer) }
}

/// Name resolution and the address ranges nianbao refuses by default.
public enum AddressCheck {
    /// The first address of `host` (IPv4 preferred), or nil.
    public static func resolve(host: String, port: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else { return nil }
        defer { freeaddrinfo(res) }
        var candidates: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let a = p {
            var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(a.pointee.ai_addr, a.pointee.ai_addrlen, &buf, socklen_t(buf.count), nil, 0, NI_NUMERICHOST) == 0 {
                let end = buf.firstIndex(of: 0) ?? buf.count
                candidates.append(String(decoding: buf[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            p = a.pointee.ai_next
        }
        return candidates.first { !$0.contains(":") } ?? candidates.first.map { "[\($0)]" }
    }

    /// True for every address a harvest must not reach unless `--allow-private`: loopback, private
    /// (RFC 1918, unique local), link-local, unspecified, CGNAT (100.64/10), benchmarking (198.18/15),
    /// multicast, reserved and broadcast. Decided on the parsed address, not its text: IPv4-mapped
    /// (`::ffff:7f00:1`), IPv4-compatible and NAT64 (`64:ff9b::/96`) IPv6 forms are unwrapped and
    /// their IPv4 address checked. Text that is not an address is refused.
    public static func isPrivate(_ address: String) -> Bool {
        var a = address.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if let zone = a.firstIndex(of: "%") { a = String(a[..<zone]) }  // fe80::1%eth0
        var v4 = in_addr()
        if inet_pton(AF_INET, a, &v4) == 1 {
            return isPrivateIPv4(withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, a, &v6) == 1 else { return true }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        let zeros10 = b[0..<10].allSatisfy { $0 == 0 }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64).
        if zeros10 && b[10] == 0xFF && b[11] == 0xFF { return isPrivateIPv4(Array(b[12..<16])) }
        if zeros10 && b[10] == 0 && b[11] == 0 {
            // :: and ::1 are unspecified and loopback; ::a.b.c.d carries an IPv4 address.
            if b[12..<15].allSatisfy({ $0 == 0 }) && b[15] <= 1 { return true }
            return isPrivateIPv4(Array(b[12..<16]))
        }
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4..<12].allSatisfy({ $0 == 0 }) {
            return isPrivateIPv4(Array(b[12..<16]))
        }
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return true }  // fe80::/10 link-local
        if (b[0] & 0xFE) == 0xFC { return true }  // fc00::/7 unique local
        if b[0] == 0xFF { return true }  // ff00::/8 multicast
        if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return true }  // fec0::/10 site-local (deprecated)
        return false
    }

    /// True when `host` is an IPv4 or IPv6 address rather than a name.
    public static func isLiteral(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, h, &v4) == 1 || inet_pton(AF_INET6, h, &v6) == 1
    }

    /// The IPv4 ranges refused by default (four bytes, network order).
    static func isPrivateIPv4(_ o: [UInt8]) -> Bool {
        switch (o[0], o[1]) {
        case (0, _), (10, _), (127, _): return true  // this network, RFC 1918, loopback
        case (100, 64...127): return true  // CGNAT 100.64/10
        case (169, 254): return true  // link-local (and cloud metadata 169.254.169.254)
        case (172, 16...31), (192, 168): return true  // RFC 1918
        case (198, 18...19): return true  // benchmarking 198.18/15
        case (192, 0) where o[2] == 0: return true  // IETF protocol assignments 192.0.0/24
        case (224...255, _): return true  // multicast 224/4, reserved 240/4, broadcast
        default: return false
        }
    }
}
