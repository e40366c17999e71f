/// Everything `causerie serve` can be told; every field has a default. Files and arguments are
/// read by Tools (docs/configuration.md), not here.
public struct ServerConfiguration: Sendable {
    /// Where the event log lives.
    public var dataDirectory: String
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// Used at first start only; afterwards the name is a setting in the log.
    public var serverName: String
    public var limits: Limits
    public var passwords: PasswordHasher.Parameters
    /// Where the web client's files are (nil: the built-in location, see WebFiles).
    public var webRoot: String?
    /// Smaller LMDB maps for tests.
    public var initialMapSize: Int
    /// HTTPS (docs/tls.md). Off unless asked for: `causerie serve` asks for the office authority.
    public var tls: TLSSettings = .off
    /// The UDP port answering "where is the Causerie server?" (docs/discovery.md); nil: off
    /// (tests, embedders). `causerie serve` answers on 8089 unless told otherwise.
    public var discoveryPort: Int?
    /// Announce the server over multicast DNS (ADR 011); off unless asked (`serve` asks).
    public var multicastDNS = false
    /// The file server's doors (WebDAV, FTP) take passwords over plain, unencrypted connections:
    /// off unless the administrator allows it for a trusted LAN (`--allow-plain-passwords`).
    public var allowPlainPasswords = false
    /// The FTP door's control port; nil: no FTP (`--ftp-port`).
    public var ftpPort: Int?
    /// Passive data ports (`--ftp-passive-ports 50000-50100`); nil: any free port.
    public var ftpPassivePorts: ClosedRange<Int>?
    /// STUN/TURN servers the browsers use for calls (`calls.iceServers`); none on a plain LAN,
    /// where host candidates connect. Sent to logged-in clients in the welcome (docs/calls.md).
    public var iceServers: [IceServer] = []

    /// One entry of RTCPeerConnection's `iceServers`.
    public struct IceServer: Codable, Sendable, Hashable {
        public var urls: [String]
        public var username: String?
        public var credential: String?

        public init(urls: [String], username: String? = nil, credential: String? = nil) {
            self.urls = urls
            self.username = username
            self.credential = credential
        }

        /// Why it cannot be used, or nil: `stun:`, `turn:` or `turns:` addresses, of sane lengths.
        public var problem: String? {
            guard !urls.isEmpty, urls.count <= 8 else { return "urls must hold 1 to 8 addresses" }
            for url in urls where !(["stun:", "turn:", "turns:"].contains { url.hasPrefix($0) }) || url.utf8.count > 512 {
                return "\(url) is not a stun:, turn: or turns: address"
            }
            if (username?.utf8.count ?? 0) > 512 || (credential?.utf8.count ?? 0) > 512 { return "username and credential are at most 512 bytes" }
            return nil
        }
    }

    public struct Limits: Sendable {
        /// Largest WebSocket message (all frames of it) a client may send.
        public var maxFrameBytes = 64 * 1024
        /// Largest HTTP request body.
        public var maxBodyBytes = 1 << 20
        /// Header limits (bytes of one field, of all, and how many).
        public var maxHeaderFieldBytes = 8 * 1024
        public var maxHeaderBytes = 32 * 1024
        public var maxHeaderCount = 100
        /// WebSocket connections one address may hold.
        public var connectionsPerAddress = 256
        /// TCP connections the server accepts at once.
        public var maxConnections = 60_000
        /// Frames queued for one client before it counts as too slow and is disconnected.
        public var outboxFrames = 4096
        /// Seconds a new WebSocket has to say hello.
        public var helloTimeoutSeconds = 10
        /// Seconds a call rings before it counts as missed.
        public var callRingSeconds = 45
        /// Seconds a client has to send a request's whole header once it has begun it (slow
        /// clients that trickle a header byte by byte hold a socket each: "slowloris").
        public var headerTimeoutSeconds = 20
        /// A request body must arrive at least this fast (bytes per second, averaged over 10 s
        /// windows after a 10 s grace); 0: no minimum.
        public var bodyMinimumBytesPerSecond = 500
        /// The averaging window of that minimum, in seconds (tests shorten it).
        public var bodyRateWindowSeconds = 10
        /// Seconds a kept-alive HTTP connection may wait, idle, for its next request.
        public var idleTimeoutSeconds = 300
        /// Failed logins per account before a lock-out, and per address.
        public var loginFailuresPerAccount = 5
        public var loginFailuresPerAddress = 30
        /// History page size at most.
        public var historyPage = 200
        /// Searches one user may run at once, then per minute (SearchService).
        public var searchBurst = 30
        public var searchesPerMinute = 600
        /// A card's assignees are reminded this long before its deadline (docs/boards.md).
        public var deadlineReminderMinutes = 24 * 60
        /// How often deadlines are looked at.
        public var deadlineCheckSeconds = 60
        /// A login session unused for this long ends; 0: never (docs/adr/008-idle-sessions-expire.md).
        public var sessionIdleSeconds = 30 * 86_400

        public init() {}
    }

    public init(
        dataDirectory: String = "./data", host: String = "0.0.0.0", port: Int = 8080, serverName: String = "Causerie",
        limits: Limits = Limits(), passwords: PasswordHasher.Parameters = .init(), webRoot: String? = nil,
        initialMapSize: Int = 1 << 30
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.serverName = serverName
        self.limits = limits
        self.passwords = passwords
        self.webRoot = webRoot
        self.initialMapSize = initialMapSize
    }

    /// A copy with some fields changed.
    public func with(_ change: (inout ServerConfiguration) -> Void) -> ServerConfiguration {
        var copy = self
        change(&copy)
        return copy
    }
}
