/// What `verify` found.
public struct VerificationReport: Sendable, Hashable {
    /// A defect, located at the first position where the log stops being what it should be.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            /// The record's bytes do not hash to its stored hash given its predecessor.
            case hashMismatch
            /// The record does not decode (damaged or cut short).
            case undecodable
            /// The record was written by a newer format.
            case unsupportedFormat
            /// A position is missing: records jump over it.
            case missingRecord
            /// The log ends before the head the store recorded.
            case truncated
            /// A timestamp is earlier than its predecessor's.
            case timestampRegression
            /// The last record does not match the recorded head (or records lie beyond it).
            case headMismatch
            /// The stream index does not point at this record.
            case indexMismatch
        }

        public var position: UInt64
        public var kind: Kind
        public var detail: String

        public init(position: UInt64, kind: Kind, detail: String) {
            self.position = position
            self.kind = kind
            self.detail = detail
        }

        public var description: String { "position \(position): \(kind.rawValue) — \(detail)" }
    }

    /// First position checked.
    public var from: UInt64
    /// Records checked.
    public var checked: UInt64
    /// The last record that verified, and its hash (the chain up to it is intact).
    public var verifiedHead: Head
    /// The head the store recorded (position and hash of its last commit).
    public var recordedHead: Head
    /// The first defect, nil when everything checked is intact.
    public var problem: Problem?

    public var isIntact: Bool { problem == nil }

    public init(from: UInt64, checked: UInt64, verifiedHead: Head, recordedHead: Head, problem: Problem?) {
        self.from = from
        self.checked = checked
        self.verifiedHead = verifiedHead
        self.recordedHead = recordedHead
        self.problem = problem
    }
}
