import CBrotli

/// Brotli decoding (`Content-Encoding: br`) with a cap on the decompressed size.
public enum Brotli {
    /// Decompresses `data`; throws ``CompressionError/tooLarge(limit:)`` past `limit` bytes.
    public static func decompress(_ data: [UInt8], limit: Int) throws -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw CompressionError.corrupt("brotli: out of memory") }
        defer { BrotliDecoderDestroyInstance(state) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var result = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT
        try data.withUnsafeBufferPointer { inBuf in
            var availIn = inBuf.count
            var nextIn: UnsafePointer<UInt8>? = inBuf.baseAddress
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { outBuf in
                    var availOut = outBuf.count
                    var nextOut: UnsafeMutablePointer<UInt8>? = outBuf.baseAddress
                    result = BrotliDecoderDecompressStream(state, &availIn, &nextIn, &availOut, &nextOut, nil)
                    return outBuf.count - availOut
                }
                if out.count + produced > limit { throw CompressionError.tooLarge(limit: limit) }
                out.append(contentsOf: chunk[0..<produced])
                if result == BROTLI_DECODER_RESULT_ERROR { throw CompressionError.corrupt("brotli: invalid data") }
                if result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT { throw CompressionError.truncated }
            } while result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT
        }
        return out
    }
}
