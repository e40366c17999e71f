import Foundation

/// A parsed JSON value that can cross task boundaries (tests read frames and bodies with it).
enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    init(parsing text: String) throws {
        self.init(try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
    }

    init(parsing data: Data) throws {
        self.init(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    init(_ any: Any) {
        if let flag = any as? Bool, type(of: any) == Bool.self {
            self = .bool(flag)
            return
        }
        switch any {
        case let value as [String: Any]: self = .object(value.mapValues(JSONValue.init))
        case let value as [Any]: self = .array(value.map(JSONValue.init))
        case let value as String: self = .string(value)
        case let value as NSNumber:
            // Foundation on Linux gives booleans as NSNumber too; tell them by their Objective-C type.
            self = String(cString: value.objCType) == "c" ? .bool(value.boolValue) : .number(value.doubleValue)
        default: self = .null
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var int: Int? { if case .number(let value) = self { Int(exactly: value) } else { nil } }
    var uint64: UInt64? { if case .number(let value) = self { UInt64(exactly: value) } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var array: [JSONValue] { if case .array(let value) = self { value } else { [] } }
    var isNull: Bool { self == .null }

    var description: String {
        switch self {
        case .object(let object): "{" + object.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        case .array(let array): "[" + array.map(\.description).joined(separator: ", ") + "]"
        case .string(let value): "\"\(value)\""
        case .number(let value): Int64(exactly: value).map(String.init) ?? String(value)
        case .bool(let value): String(value)
        case .null: "null"
        }
    }
}

/// Builds a JSON text from a dictionary literal (values: strings, numbers, booleans, arrays, nested).
func jsonText(_ object: [String: any Sendable]) -> String {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
