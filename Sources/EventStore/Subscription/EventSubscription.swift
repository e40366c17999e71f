/// A source of events for one subscriber, supplied by a backend.
public protocol SubscriptionSource: AnyObject, Sendable {
    /// The next event in log order, nil once the subscription has ended (store closed or task cancelled).
    func next() async throws -> RecordedEvent?
}

/// An ordered, gapless sequence of the log's events from a starting position: first those already
/// on disk, then live ones as they are committed, with none lost or repeated at the switch-over.
///
/// A subscriber that falls behind never slows the writer: once its buffer is full it stops
/// receiving live events and reads them back from disk instead, then rejoins the live feed.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    private let source: any SubscriptionSource

    public init(source: any SubscriptionSource) {
        self.source = source
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: any SubscriptionSource

        public mutating func next() async throws -> RecordedEvent? {
            try await source.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: source)
    }
}
