import EventStore
import Foundation
import Prometheus
import Synchronization

/// What existing monitoring reads (`GET /metrics`, Prometheus text format): connections,
/// deliveries, the time an append waits for its durable commit, the log's commits and size, the
/// certificate's end. Counted where it happens (deliveries, appends), or read from the server's
/// state when scraped (the rest): no second store of figures.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Events delivered to connections (one per event per connection).
    private let deliveries: Counter
    /// From the append's call to its durable acknowledgement (group commit and fsync included).
    private let appendDuration: DurationHistogram
    private let connections: Gauge
    private let usersOnline: Gauge
    private let head: Gauge
    private let logBytes: Gauge
    private let mapBytes: Gauge
    private let commits: Counter
    private let appends: Counter
    private let events: Counter
    private let uptime: Gauge
    private let started: Gauge
    private let certificateEnd: Gauge
    private let voiceSeats: Gauge
    private let voiceTickLateP99: Gauge
    private let callsActive: Gauge
    /// The store's totals at the last scrape: counters only grow, by the difference.
    private let last = Mutex(WriterStatistics())
    let startedAt = Date()

    init() {
        func name(_ metric: String, _ unit: String, _ help: String, namespace: String? = "causerie") -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: namespace, metricName: metric, unitName: unit, helpText: help)
        }
        let registry = self.registry
        deliveries = registry.makeCounter(descriptor: name("deliveries", "total", "Events delivered to WebSocket connections."))
        appendDuration = registry.makeDurationHistogram(
            descriptor: name("append_duration", "seconds", "Time from an append to its durable acknowledgement (group commit and fsync)."),
            buckets: [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
            ])
        connections = registry.makeGauge(descriptor: name("connections", "", "WebSocket connections open."))
        usersOnline = registry.makeGauge(descriptor: name("users_online", "", "People with at least one connection open."))
        head = registry.makeGauge(descriptor: name("log_head_position", "", "Position of the last event in the log."))
        logBytes = registry.makeGauge(descriptor: name("log_size", "bytes", "Bytes the log's file takes on disk."))
        mapBytes = registry.makeGauge(descriptor: name("log_map_size", "bytes", "The log's current LMDB map size."))
        commits = registry.makeCounter(descriptor: name("log_commits", "total", "Durable commits of the log (one fsync each)."))
        appends = registry.makeCounter(descriptor: name("log_appends", "total", "Appends acknowledged (several may share a commit)."))
        events = registry.makeCounter(descriptor: name("log_events", "total", "Events written to the log by this process."))
        uptime = registry.makeGauge(descriptor: name("uptime", "seconds", "Seconds since the server started."))
        voiceSeats = registry.makeGauge(descriptor: name("voice_participants", "", "Connections in a room's group voice."))
        voiceTickLateP99 = registry.makeGauge(descriptor: name(
            "voice_tick_late_p99", "seconds", "How late the voice mixer's 20 ms ticks started, 99th percentile of the last minute."))
        callsActive = registry.makeGauge(descriptor: name("calls", "", "One-to-one calls ringing or going on."))
        started = registry.makeGauge(descriptor: name("process_start_time", "seconds", "Start time of the process since the Unix epoch.",
                                                      namespace: nil))
        certificateEnd = registry.makeGauge(descriptor: name(
            "tls_certificate_expiry", "seconds", "End of the TLS certificate in force, since the Unix epoch (0: TLS off)."))
        started.set(startedAt.timeIntervalSince1970)
    }

    func appended(in duration: Duration) { appendDuration.record(duration) }

    func delivered(_ connections: Int) { if connections > 0 { deliveries.increment(by: Int64(connections)) } }

    /// The text a scrape gets, with the figures read now.
    func render(core: ChatCore, store: LMDBEventStore, tls: ServerTLS?) -> [UInt8] {
        connections.set(Int64(core.registry.connectionCount))
        usersOnline.set(Int64(core.registry.connectedUsers().count))
        head.set(Int64(clamping: core.position))
        logBytes.set(Int64(store.storedBytes()))
        mapBytes.set(Int64(store.mapSize))
        uptime.set(Date().timeIntervalSince(startedAt))
        certificateEnd.set(tls?.current.serverValidUntil.timeIntervalSince1970 ?? 0)
        voiceSeats.set(Int64(core.voice.seatCount))
        voiceTickLateP99.set(Double(core.voice.lateness.percentile(0.99)) / 1e6)
        callsActive.set(Int64(core.calls.all.count))
        let now = store.statistics
        let before = last.withLock { last in
            defer { last = now }
            return last
        }
        commits.increment(by: Int64(clamping: now.commits &- before.commits))
        appends.increment(by: Int64(clamping: now.appends &- before.appends))
        events.increment(by: Int64(clamping: now.events &- before.events))
        return registry.emitToBuffer()
    }
}
