public import Projections

/// The one error shape clients see, over HTTP and WebSocket alike: a stable code, a finer reason,
/// a human message, an HTTP status, and a delay when retrying later can help.
/// `Rejection`s from the domain and operational failures both map here, in one place.
public struct APIError: Error, Sendable, Hashable {
    public var code: String
    public var reason: String
    public var httpStatus: Int
    public var retryAfter: Int?
    /// For 405: the methods the path serves (the `Allow` header).
    public var allow: [String]?

    public init(code: String, reason: String, status: Int, retryAfter: Int? = nil) {
        self.code = code
        self.reason = reason
        self.httpStatus = status
        self.retryAfter = retryAfter
    }

    public init(_ rejection: Rejection) {
        let status = switch rejection.code {
        case .invalid: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .tooLarge: 413
        case .rateLimited: 429
        }
        self.init(code: rejection.code.rawValue, reason: rejection.reason, status: status, retryAfter: rejection.retryAfter)
    }

    static func invalid(_ reason: String) -> APIError { APIError(code: "invalid", reason: reason, status: 400) }
    static let unauthorized = APIError(code: "unauthorized", reason: "token", status: 401)
    static let sessionExpired = APIError(code: "unauthorized", reason: "session_expired", status: 401)
    static func notFound(_ reason: String) -> APIError { APIError(code: "notFound", reason: reason, status: 404) }
    static func tooLarge(_ reason: String) -> APIError { APIError(code: "tooLarge", reason: reason, status: 413) }
    static func rateLimited(_ reason: String, after seconds: Int) -> APIError {
        APIError(code: "rateLimited", reason: reason, status: 429, retryAfter: max(1, seconds))
    }
    static func methodNotAllowed(_ allowed: [String]) -> APIError {
        var error = APIError(code: "methodNotAllowed", reason: "method", status: 405)
        error.allow = allowed
        return error
    }

    /// The log could not take the change (disk full, store closing): nothing was recorded.
    static let unavailable = APIError(code: "unavailable", reason: "storage", status: 503, retryAfter: 5)

    /// Words for people; clients may show their own translation of `code`/`reason` instead.
    public var message: String {
        if let text = Self.messages[reason] { return text }
        if reason.hasPrefix("missing_permission:") {
            return "You do not have the right to do this (\(reason.dropFirst("missing_permission:".count)))."
        }
        return Self.messages[code] ?? "The request was refused."
    }

    private static let messages: [String: String] = [
        "https_required": "This server speaks HTTPS: use https:// and the same address.",
        "invalid": "The request is not valid.",
        "methodNotAllowed": "This method is not served here; the Allow header lists those that are.",
        "unauthorized": "Please log in.",
        "forbidden": "You are not allowed to do this.",
        "notFound": "Not found.",
        "conflict": "This conflicts with the current state.",
        "tooLarge": "Too large.",
        "rateLimited": "Too many requests; try again shortly.",
        "unavailable": "The server cannot record changes right now; nothing was lost. Try again shortly.",
        "credentials": "Wrong user name or password.",
        "token": "Your session has ended; please log in again.",
        "username_taken": "This user name is taken (or looks too much like one that is).",
        "username": "User names have 2 to 32 letters, digits, '.', '_' or '-'.",
        "password_too_short": "Passwords have at least 8 characters.",
        "current_password": "The current password is not right.",
        "password_change_required": "Please change your one-time password first.",
        "registration_closed": "Registration is closed on this server; ask an administrator.",
        "account_disabled": "This account is disabled.",
        "room_name_taken": "A room with this name already exists.",
        "room_password": "This room needs its password.",
        "banned": "You are banned from this room.",
        "muted": "You are muted in this room for now.",
        "non_leavable": "This room cannot be left.",
        "message_too_long": "This message is too long.",
        "empty_message": "The message is empty.",
        "filtered_word": "This message contains a word not allowed here.",
        "flood": "You are sending messages too fast; wait a moment.",
        "login_attempts": "Too many failed logins; wait before trying again.",
        "server_password": "This server needs its connection password.",
        "address_denied": "Connections from your address are not allowed.",
        "malformed_json": "This is not valid JSON (or not a JSON object).",
        "invalid_utf8": "This is not valid UTF-8 text.",
        "unknown_type": "Unknown frame type.",
        "frame_too_large": "The frame is too large.",
        "not_authenticated": "Say hello with a valid token first.",
        "protocol_version": "This server speaks protocol version 1.",
        "would_lock_out": "This would leave nobody able to administer the server.",
        "storage": "The server cannot record changes right now; nothing was lost. Try again shortly.",
    ]
}
