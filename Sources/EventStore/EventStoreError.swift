/// An operational failure of the log, with a stable code and, where it applies, the position.
///
/// These are for operators and tools, not end users: the gateway maps them to a generic
/// "storage unavailable" answer and logs the detail.
public struct EventStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// An expected stream version did not hold; nothing was appended.
        case wrongExpectedVersion
        /// The store reached its configured maximum size; nothing was appended.
        case storageFull
        /// The disk is full (or the write failed with an I/O error); nothing was appended.
        case diskFull
        /// Another process holds the store for writing.
        case locked
        /// A record does not decode or does not match its hash.
        case corrupt
        /// A record or store was written by a newer format version than this build reads.
        case unsupportedFormat
        /// An event was refused before writing (bad stream id, too large…).
        case invalidEvent
        /// The store is closed or opened read-only.
        case closed
        /// A file operation failed.
        case io
        /// LMDB returned an unexpected error.
        case lmdb
    }

    public var code: Code
    /// The log position concerned, when there is one.
    public var position: UInt64?
    /// Details for the operator's log.
    public var detail: String

    public init(_ code: Code, position: UInt64? = nil, _ detail: String) {
        self.code = code
        self.position = position
        self.detail = detail
    }

    public var description: String {
        if let position { return "\(code.rawValue) at position \(position): \(detail)" }
        return "\(code.rawValue): \(detail)"
    }
}
