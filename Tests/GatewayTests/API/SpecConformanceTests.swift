import Foundation
@testable import Gateway
import Testing
import Yams

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// docs/openapi.yaml, read as data, against the server: every operation documents a schema for
/// every response, and every number the spec describes is fed hostile values through the real
/// server — the status must be one the operation documents, and 400 exactly when the spec's own
/// constraints (type, minimum, maximum) refuse the value.
@Suite("OpenAPI conformance", .serialized)
struct SpecConformanceTests {
    /// Read once and never changed (a YAML tree of Foundation values, hence not `Sendable`).
    nonisolated(unsafe) static let spec: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        guard let text = try? String(contentsOf: url, encoding: .utf8),
              let spec = (try? Yams.load(yaml: text)) as? [String: Any] else { fatalError("docs/openapi.yaml is not YAML") }
        return spec
    }()

    static let methods = ["get", "post", "put", "patch", "delete"]

    /// Every (path, method, operation) of the spec.
    static var operations: [(path: String, method: String, operation: [String: Any])] {
        let paths = spec["paths"] as? [String: Any] ?? [:]
        return paths.keys.sorted().flatMap { path in
            let item = paths[path] as? [String: Any] ?? [:]
            return methods.compactMap { method in (item[method] as? [String: Any]).map { (path, method, $0) } }
        }
    }

    /// `$ref` followed, once or more.
    static func resolve(_ node: Any?) -> [String: Any] {
        guard var object = node as? [String: Any] else { return [:] }
        while let ref = object["$ref"] as? String {
            var target: Any? = spec
            for part in ref.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
            object = target as? [String: Any] ?? [:]
        }
        return object
    }

    @Test func everyResponseOfEveryOperationHasASchemaAndAnOperationId() {
        #expect(Self.operations.count >= 45)
        var ids = Set<String>()
        for (path, method, operation) in Self.operations {
            let name = "\(method.uppercased()) \(path)"
            let id = operation["operationId"] as? String
            #expect(id != nil, "\(name) has no operationId")
            if let id { #expect(ids.insert(id).inserted, "operationId \(id) used twice") }
            let responses = operation["responses"] as? [String: Any] ?? [:]
            #expect(!responses.isEmpty, "\(name) documents no response")
            if operation["security"] as? [Any] == nil || !(operation["security"] as! [Any]).isEmpty {
                // Protected operations say what an unauthenticated call gets.
            }
            for (status, value) in responses {
                let response = Self.resolve(value)
                if ["204", "304"].contains(status) { continue }
                let content = response["content"] as? [String: Any] ?? [:]
                #expect(!content.isEmpty, "\(name) \(status) has no content")
                for (type, media) in content {
                    let schema = Self.resolve((media as? [String: Any])?["schema"])
                    #expect(!schema.isEmpty, "\(name) \(status) \(type) has an empty schema")
                }
            }
        }
    }

    // MARK: Hostile numbers

    static let hostile: [String] = [
        "-9223372036854775808", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-1", "0", "1",
        "1e300", "1.5", #""12""#, String(repeating: "9", count: 10_000),
    ]

    /// Whether the spec's schema accepts `literal` (a JSON number literal, or a query value).
    static func accepts(_ literal: String, _ schema: [String: Any]) -> Bool {
        guard let value = Int64(literal) else { return false }
        if let minimum = (schema["minimum"] as? NSNumber)?.int64Value, value < minimum { return false }
        if let maximum = (schema["maximum"] as? NSNumber)?.int64Value, value > maximum { return false }
        if schema["exclusiveMinimum"] != nil || schema["exclusiveMaximum"] != nil { return false }
        return true
    }

    static func isInteger(_ schema: [String: Any]) -> Bool { schema["type"] as? String == "integer" }

    /// A value for a field the test is not probing: enough for the request to reach the field probed.
    static func filler(_ name: String, _ schema: [String: Any], context: Context) -> Any {
        switch schema["type"] as? String {
        case "integer": return (schema["minimum"] as? NSNumber)?.intValue ?? 1
        case "boolean": return false
        case "array": return []
        case "object": return [String: Any]()
        default:
            if let options = schema["enum"] as? [String], let first = options.first { return first }
            switch name {
            case "user": return context.user
            case "room": return "main"
            case "text", "name", "topic", "displayName": return "probe"
            case "password", "new", "newPassword", "current": return "probe-password-1"
            default: return "probe"
            }
        }
    }

    struct Context {
        var token: String
        var user: String
    }

    @Test func everyNumericParameterAndFieldGetsTheSpecsAnswer() async throws {
        let server = try await TestServer.start { $0.limits.loginFailuresPerAccount = 1_000_000 }
        defer { server.remove() }
        let admin = try await server.adminToken()
        let me = try await server.http("GET", "/api/v1/me", token: admin)
        let context = Context(token: admin, user: me.body["user"]?.string ?? "")
        var probes = 0
        for (path, method, operation) in Self.operations where path.hasPrefix("/api/v1/") {
            let documented = Set((operation["responses"] as? [String: Any] ?? [:]).keys)
            let parameters = (operation["parameters"] as? [Any] ?? []).map { Self.resolve($0) }
            let body = Self.resolve(Self.resolve(Self.resolve(operation["requestBody"])["content"] as? [String: Any] ?? [:])
                .values.first.flatMap { ($0 as? [String: Any])?["schema"] })
            let properties = (body["properties"] as? [String: Any] ?? [:]).mapValues { Self.resolve($0) }
            // Targets: numeric path and query parameters, numeric body fields.
            var targets: [(kind: String, name: String, schema: [String: Any])] = []
            for parameter in parameters {
                let schema = Self.resolve(parameter["schema"])
                if Self.isInteger(schema) { targets.append((parameter["in"] as? String ?? "query", parameter["name"] as? String ?? "", schema)) }
            }
            for (name, schema) in properties where Self.isInteger(schema) { targets.append(("body", name, schema)) }
            for target in targets {
                for literal in Self.hostile {
                    probes += 1
                    let name = "\(method.uppercased()) \(path) \(target.kind) \(target.name)=\(literal.prefix(24))"
                    let oversizedURL = target.kind != "body" && literal.utf8.count > 8 * 1024
                    let reply: (status: Int, body: String)
                    do {
                        reply = try await Self.request(path: path, method: method, parameters: parameters, body: body,
                                                       properties: properties, target: target, literal: literal,
                                                       context: context, server: server)
                    } catch let error as URLError where oversizedURL && error.code == .networkConnectionLost {
                        // The 431 is sent and the connection closed while the client still writes
                        // the rest of its 10 KB request: its kernel may then see a reset before the
                        // answer (RFC 9112 §9.6). Refused either way; the server goes on (checked below).
                        continue
                    }
                    #expect(reply.status < 500, "\(name): \(reply.status)")
                    // A URL over the header limits (8 KiB a field) is refused before any route: 431, as the
                    // spec's introduction says for every operation.
                    if oversizedURL {
                        #expect(reply.status == 431, "\(name): \(reply.status)")
                        continue
                    }
                    #expect(documented.contains(String(reply.status)), "\(name): \(reply.status) is not documented (\(documented.sorted()))")
                    // A quoted number in a query string is not a number; in a body it is a wrong type.
                    let refused = literal.hasPrefix("\"") || !Self.accepts(literal, target.schema)
                    if refused { #expect(reply.status == 400, "\(name): \(reply.status), the spec refuses it") }
                }
            }
        }
        #expect(probes >= 100, "numeric inputs found: \(probes / Self.hostile.count)")
        #expect(try await server.http("GET", "/api/v1/server").status == 200)
        await server.stop()
    }

    /// One request with `literal` in the probed place and plausible values elsewhere.
    static func request(path: String, method: String, parameters: [[String: Any]], body: [String: Any],
                        properties: [String: [String: Any]], target: (kind: String, name: String, schema: [String: Any]),
                        literal: String, context: Context, server: TestServer) async throws -> (status: Int, body: String) {
        var resolved = path
        var query: [String] = []
        for parameter in parameters {
            let name = parameter["name"] as? String ?? ""
            let place = parameter["in"] as? String ?? ""
            let value: String
            if target.kind == place && target.name == name {
                value = literal.replacingOccurrences(of: "\"", with: "%22")
            } else if place == "path" {
                value = "\(filler(name, resolve(parameter["schema"]), context: context))"
            } else if parameter["required"] as? Bool == true {
                value = "\(filler(name, resolve(parameter["schema"]), context: context))"
            } else {
                continue
            }
            if place == "path" { resolved = resolved.replacingOccurrences(of: "{\(name)}", with: value) } else if place == "query" {
                query.append("\(name)=\(value)")
            }
        }
        var text: String?
        if !properties.isEmpty {
            let required = Set(body["required"] as? [String] ?? [])
            var fields: [String: Any] = [:]
            for (name, schema) in properties where required.contains(name) || name == target.name {
                fields[name] = name == target.name && target.kind == "body" ? "__HOSTILE__" : filler(name, schema, context: context)
            }
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: #""__HOSTILE__""#, with: literal)
        }
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)\(resolved)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))!)
        request.httpMethod = method.uppercased()
        request.setValue("Bearer \(context.token)", forHTTPHeaderField: "Authorization")
        if let text {
            request.httpBody = Data(text.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data.prefix(300), as: UTF8.self))
    }
}
