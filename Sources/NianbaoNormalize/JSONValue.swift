/// A JSON value: the document model of a canonical record (`spec/report-json.md`).
///
/// Objects keep no order: the encoder writes keys sorted, so equal values always give equal bytes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// An exact decimal (money), written as given.
    case decimal(DecimalNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `nil` → `.null`, else a string.
    public static func str(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
    /// `nil` → `.null`, else an integer.
    public static func num(_ i: Int?) -> JSONValue { i.map { .int($0) } ?? .null }

    /// Looks up a dotted path (`report.period.start`); array elements by index.
    public subscript(path path: String) -> JSONValue? {
        var v: JSONValue? = self
        for part in path.split(separator: ".") {
            switch v {
            case .object(let o)?: v = o[String(part)]
            case .array(let a)?:
                guard let i = Int(part), i >= 0, i < a.count else { return nil }
                v = a[i]
            default: return nil
            }
        }
        return v
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The integer, if this is one.
    public var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }
    /// The array, if this is one.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The object, if this is one.
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }
}
