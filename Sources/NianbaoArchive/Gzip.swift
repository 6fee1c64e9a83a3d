import CZlib

/// Why compressed data could not be read.
public enum CompressionError: Error, Equatable, CustomStringConvertible {
    /// The data is not valid gzip/zlib/deflate.
    case corrupt(String)
    /// The data ends in the middle of a stream.
    case truncated
    /// Decompressing would exceed the allowed size (a decompression bomb, or just too big).
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .corrupt(let why): return "corrupt compressed data: \(why)"
        case .truncated: return "compressed data ends early"
        case .tooLarge(let limit): return "decompressed size exceeds \(limit) bytes"
        }
    }
}

/// gzip through zlib: one member per call to ``compress(_:)``, capped decompression.
public enum Gzip {
    /// One gzip member holding `data`.
    public static func compress(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard nianbao_deflate_init_gzip(&stream, level) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        var input = data
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = deflate(&stream, Z_FINISH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// Decompresses one gzip (or zlib) member starting at `offset`; returns the data and the offset
    /// just after the member. `limit` caps the decompressed size.
    public static func decompressMember(_ data: [UInt8], at offset: Int = 0, limit: Int) throws -> (data: [UInt8], end: Int) {
        try inflate(data, at: offset, limit: limit, raw: false, stopAtMemberEnd: true)
    }

    /// Decompresses gzip, zlib or raw deflate data (an HTTP `Content-Encoding` body), every member, capped.
    public static func decompressAll(_ data: [UInt8], limit: Int) throws -> [UInt8] {
        guard !data.isEmpty else { return [] }
        let looksWrapped = data.count >= 2 && ((data[0] == 0x1F && data[1] == 0x8B) || (data[0] & 0x0F == 8 && (UInt16(data[0]) << 8 | UInt16(data[1])) % 31 == 0))
        if !looksWrapped { return try inflate(data, at: 0, limit: limit, raw: true, stopAtMemberEnd: false).data }
        var out: [UInt8] = []
        var offset = 0
        while offset < data.count {
            let (chunk, end) = try inflate(data, at: offset, limit: limit - out.count, raw: false, stopAtMemberEnd: true)
            out += chunk
            if end <= offset { break }
            offset = end
            // Trailing zero padding after the last member is tolerated.
            if data[offset...].allSatisfy({ $0 == 0 }) { break }
        }
        return out
    }

    static func inflate(_ data: [UInt8], at offset: Int, limit: Int, raw: Bool, stopAtMemberEnd: Bool) throws -> (data: [UInt8], end: Int) {
        guard offset < data.count else { throw CompressionError.truncated }
        var stream = z_stream()
        guard (raw ? nianbao_inflate_init_raw(&stream) : nianbao_inflate_init_auto(&stream)) == Z_OK else {
            throw CompressionError.corrupt("inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = data
        var status: Int32 = Z_OK
        let consumed: Int = try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress! + offset
            stream.avail_in = uInt(inBuf.count - offset)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return outBuf.count - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    throw CompressionError.corrupt(stream.msg.map { String(cString: $0) } ?? "inflate error \(status)")
                }
                if out.count + produced > limit { throw CompressionError.tooLarge(limit: limit) }
                out.append(contentsOf: chunk[0..<produced])
                if status == Z_BUF_ERROR && stream.avail_in == 0 { throw CompressionError.truncated }
                if status == Z_BUF_ERROR && produced == 0 { throw CompressionError.truncated }
            } while status != Z_STREAM_END
            return inBuf.count - offset - Int(stream.avail_in)
        }
        _ = stopAtMemberEnd
        return (out, offset + consumed)
    }
}
