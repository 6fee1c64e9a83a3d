/// Lower-case hexadecimal of bytes (a digest), without `String(format:)` per byte, which costs more
/// than the hashing.
public enum Hex {
    /// `[0x0f, 0xa0]` → `"0fa0"`.
    public static func lowercase<S: Sequence<UInt8>>(_ bytes: S) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
