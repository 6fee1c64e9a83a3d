import CStringSearch

/// A JSON value: the document model of a canonical record (`spec/report-json.md`).
///
/// Objects keep their members in the canonical order (keys by UTF-8 bytes), so equal values always
/// give equal bytes and the encoder writes members as they are.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    /// An exact decimal (money), written as given.
    case decimal(DecimalNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

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
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
}

/// A JSON object whose members are kept sorted by their keys' UTF-8 bytes (the canonical order of
/// report-json.md), each key once. Small objects, which records are made of, are cheaper to build
/// and to look up this way than hashed dictionaries, and need no sorting to be written.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    /// A member: key and value.
    public typealias Element = (key: String, value: JSONValue)

    /// The members in canonical order.
    public private(set) var members: [Element] = []

    /// An empty object.
    public init() {}

    /// An object of the given members (a later duplicate key replaces an earlier one).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members.reserveCapacity(elements.count)
        for (k, v) in elements { self[k] = v }
    }

    /// An object of members already in canonical order, each key once (checked in debug builds).
    init(orderedMembers: [Element]) {
        assert(zip(orderedMembers, orderedMembers.dropFirst()).allSatisfy { JSONObject.compare($0.key, $1.key) < 0 })
        members = orderedMembers
    }

    /// Number of members.
    public var count: Int { members.count }
    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys in canonical order.
    public var keys: [String] { members.map(\.key) }
    /// The values in key order.
    public var values: [JSONValue] { members.map(\.value) }

    /// Iterates the members in canonical order.
    public func makeIterator() -> IndexingIterator<[Element]> { members.makeIterator() }

    /// Reserves room for `n` members.
    public mutating func reserveCapacity(_ n: Int) { members.reserveCapacity(n) }

    /// The value of `key`; setting nil removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            let (i, found) = position(of: key)
            return found ? members[i].value : nil
        }
        set {
            let (i, found) = position(of: key)
            switch (found, newValue) {
            case (true, let v?): members[i].value = v
            case (true, nil): members.remove(at: i)
            case (false, let v?): members.insert((key, v), at: i)
            case (false, nil): break
            }
        }
    }

    /// Adds the members of `other`; `combine` decides for keys both have.
    public mutating func merge(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) -> JSONValue) {
        for (k, v) in other { self[k] = self[k].map { combine($0, v) } ?? v }
    }

    /// Equal when both hold the same keys with equal values (member order is canonical in both).
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Where `key` is or would go (binary search by UTF-8 bytes; appending in order costs one compare).
    private func position(of key: String) -> (index: Int, found: Bool) {
        if let last = members.last {
            let c = JSONObject.compare(last.key, key)
            if c < 0 { return (members.count, false) }
            if c == 0 { return (members.count - 1, true) }
        } else {
            return (0, false)
        }
        var lo = 0, hi = members.count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            let c = JSONObject.compare(members[mid].key, key)
            if c == 0 { return (mid, true) }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return (lo, false)
    }

    /// Orders two strings by their UTF-8 bytes: negative, zero or positive.
    public static func compare(_ a: String, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Int in
                let n = Swift.min(x.count, y.count)
                if n > 0 {
                    let c = memcmp(x.baseAddress!, y.baseAddress!, n)
                    if c != 0 { return Int(c) }
                }
                return x.count - y.count
            }
        }
        if let f = fast, let c = f { return c }
        // Non-contiguous (bridged) strings: the same order, element by element.
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}
