import Foundation
import Testing

/// docs/protocol.schema.json, and a validator of the part of JSON Schema (2020-12) it uses:
/// `$ref` into `$defs`, `type`, `const`, `enum`, `oneOf`, `allOf`, `properties`, `required`,
/// `additionalProperties`, `items`, `minItems`/`maxItems`, `minimum`/`maximum`,
/// `minLength`/`maxLength`. Every frame a `TestClient` receives is checked against `serverFrame`,
/// so the document cannot drift from what the server sends.
struct ProtocolSchema: Sendable {
    let root: JSONValue

    static let shared: ProtocolSchema = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/protocol.schema.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONValue(parsing: data) else {
            fatalError("docs/protocol.schema.json is missing or not JSON")
        }
        return ProtocolSchema(root: root)
    }()

    /// The schema at `#/$defs/<path>`.
    func definition(_ path: String) -> JSONValue? {
        var node = root["$defs"]
        for part in path.split(separator: "/") { node = node?[String(part)] }
        return node
    }

    /// What is wrong with `value` against the definition at `path` (empty: valid).
    func errors(_ value: JSONValue, against path: String) -> [String] {
        guard let schema = definition(path) else { return ["no definition \(path)"] }
        return errors(value, schema, at: "$")
    }

    /// Records a test issue if a frame the server sent is not a valid server frame.
    func checkServerFrame(_ frame: JSONValue) {
        let problems = errors(frame, against: "serverFrame")
        if !problems.isEmpty {
            Issue.record("frame not in docs/protocol.schema.json: \(frame)\n  \(problems.prefix(6).joined(separator: "\n  "))")
        }
    }

    func errors(_ value: JSONValue, _ schema: JSONValue, path: String) -> [String] { errors(value, schema, at: path) }

    private func errors(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        guard case .object(let rules) = schema else { return [] }
        var found: [String] = []
        if let ref = rules["$ref"]?.string {
            let name = ref.replacingOccurrences(of: "#/$defs/", with: "")
            guard let target = definition(name) else { return ["\(path): unresolved \(ref)"] }
            found += errors(value, target, at: path)
        }
        if let constant = rules["const"], constant != value { found.append("\(path): \(value) is not \(constant)") }
        if let options = rules["enum"]?.array, !options.contains(value) { found.append("\(path): \(value) not in \(options)") }
        if let type = rules["type"] {
            let types = type.string.map { [$0] } ?? type.array.compactMap(\.string)
            if !types.contains(where: { Self.matches(value, type: $0) }) { found.append("\(path): \(value) is not \(types)") }
        }
        if let all = rules["allOf"]?.array { for part in all { found += errors(value, part, at: path) } }
        if let one = rules["oneOf"]?.array {
            let results = one.map { errors(value, $0, at: path) }
            let passing = results.filter(\.isEmpty).count
            if passing != 1 {
                // The closest alternative's problems say the most.
                let best = results.min { $0.count < $1.count } ?? []
                found.append("\(path): matches \(passing) of oneOf; closest: \(best.prefix(3).joined(separator: "; "))")
            }
        }
        if case .object(let object) = value {
            let properties: [String: JSONValue]
            if case .object(let declared)? = rules["properties"] { properties = declared } else { properties = [:] }
            for name in rules["required"]?.array.compactMap(\.string) ?? [] where object[name] == nil {
                found.append("\(path): missing \(name)")
            }
            for (name, member) in object {
                if let rule = properties[name] {
                    found += errors(member, rule, at: "\(path).\(name)")
                } else if rules["additionalProperties"] == .bool(false) {
                    found.append("\(path): unexpected \(name)")
                }
            }
        }
        if case .array(let items) = value {
            if let rule = rules["items"] { for (index, item) in items.enumerated() { found += errors(item, rule, at: "\(path)[\(index)]") } }
            if let least = rules["minItems"]?.int, items.count < least { found.append("\(path): fewer than \(least) items") }
            if let most = rules["maxItems"]?.int, items.count > most { found.append("\(path): more than \(most) items") }
        }
        if case .number(let number) = value {
            if case .number(let least)? = rules["minimum"], number < least { found.append("\(path): \(number) < \(least)") }
            if case .number(let most)? = rules["maximum"], number > most { found.append("\(path): \(number) > \(most)") }
        }
        if case .string(let text) = value {
            if let least = rules["minLength"]?.int, text.count < least { found.append("\(path): shorter than \(least)") }
            if let most = rules["maxLength"]?.int, text.count > most { found.append("\(path): longer than \(most)") }
        }
        return found
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("number", .number): true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }
}
