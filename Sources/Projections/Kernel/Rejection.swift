/// Why a command was refused: a stable code and, where useful, a detail code and a delay.
///
/// No English here: the gateway turns codes into HTTP statuses and error frames, clients into words.
public struct Rejection: Error, Hashable, Sendable {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// Malformed or out-of-range input.
        case invalid
        /// Not authenticated, or credentials wrong.
        case unauthorized
        /// Authenticated but not allowed.
        case forbidden
        /// Unknown, or not visible to this user (the two are indistinguishable on purpose).
        case notFound
        /// Conflicts with the current state (a taken name, a stale version).
        case conflict
        /// Over a size limit.
        case tooLarge
        /// Too many attempts or messages; retry after `retryAfter` seconds.
        case rateLimited
    }

    public var code: Code
    /// A finer reason, stable and machine-readable (e.g. "username_taken", "password_change_required").
    public var reason: String
    /// Seconds after which a retry may succeed (rate limits, lockouts, mutes).
    public var retryAfter: Int?

    public init(_ code: Code, _ reason: String, retryAfter: Int? = nil) {
        self.code = code
        self.reason = reason
        self.retryAfter = retryAfter
    }

    public static func invalid(_ reason: String) -> Rejection { Rejection(.invalid, reason) }
    public static func forbidden(_ reason: String) -> Rejection { Rejection(.forbidden, reason) }
    public static func notFound(_ reason: String) -> Rejection { Rejection(.notFound, reason) }
    public static func conflict(_ reason: String) -> Rejection { Rejection(.conflict, reason) }
    public static func tooLarge(_ reason: String) -> Rejection { Rejection(.tooLarge, reason) }
    public static func unauthorized(_ reason: String) -> Rejection { Rejection(.unauthorized, reason) }
    public static func rateLimited(_ reason: String, retryAfter: Int) -> Rejection {
        Rejection(.rateLimited, reason, retryAfter: retryAfter)
    }
}
