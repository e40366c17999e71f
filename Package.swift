// swift-tools-version:6.2
import PackageDescription

/// Same upcoming features as Hummingbird: explicit `any`, imports that must be visible where used,
/// and imports internal unless declared `public import`.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "causerie",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "causerie", targets: ["Tools"]),
        .executable(name: "causerie-bench", targets: ["CauserieBench"]),
        .executable(name: "causerie-fuzz", targets: ["CauserieFuzz"]),
        .library(name: "EventStore", targets: ["EventStore"]),
        .library(name: "Projections", targets: ["Projections"]),
        .library(name: "Gateway", targets: ["Gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // HTTPS with the office's own certificate authority (ADR 010).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // GET /metrics in Prometheus's text format.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tests only: a client generated from docs/openapi.yaml, and the spec read as data.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.4.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Benchmarks: PostgreSQL as a peer (search); the log's PostgreSQL backend later (issue 17).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // System libraries from Debian packages (see docs/architecture.md).
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        // The search index: SQLite's FTS5 (ADR 016).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // The log: domain-agnostic envelopes, LMDB, group commit, hash chain, subscriptions.
        .target(
            name: "EventStore",
            dependencies: [
                "CLMDB", "CZstd", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The domain: events, commands, decisions and views. No IO.
        .target(name: "Projections", swiftSettings: swiftSettings),
        // What clients send, decoded and checked in one place: frames, numbers, query strings.
        // No network code, so that the fuzz target builds it alone.
        .target(name: "Wire", dependencies: ["Projections"], swiftSettings: swiftSettings),
        // The network: HTTP API, WebSocket protocol, static web client.
        .target(
            name: "Gateway",
            dependencies: [
                "EventStore", "Projections", "Wire", "Operations", "COpus", "COpenSSL", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/web")],
            swiftSettings: swiftSettings
        ),
        // A small WebSocket client: tests, load generators, terminal clients.
        .target(
            name: "CauserieClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Operations on the log: backup, restore, export, audit, replay (used by Tools and Gateway).
        .target(
            name: "Operations",
            dependencies: [
                "EventStore", "Projections", "CZstd", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Tools/Operations",
            swiftSettings: swiftSettings
        ),
        // The `causerie` command.
        .executableTarget(
            name: "Tools",
            dependencies: [
                "Operations",
                "EventStore", "Projections", "Wire", "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Tools/Command",
            swiftSettings: swiftSettings
        ),
        // `causerie-bench`: one subcommand per benchmark, figures as JSON on the last line.
        .executableTarget(
            name: "CauserieBench",
            dependencies: [
                "EventStore", "Projections", "Gateway", "CauserieClient", "Fixtures", "Operations", "CLMDB", "COpus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/CauserieBench",
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets for what faces the network (make fuzz); built normally, it replays a corpus.
        .executableTarget(
            name: "CauserieFuzz",
            dependencies: ["Wire", "Projections"],
            path: "Tests/Fuzz",
            exclude: ["corpus"],
            swiftSettings: swiftSettings
        ),
        // A child process for the crash tests: appends as fast as it can and prints each ack.
        .executableTarget(
            name: "EventStoreStress",
            dependencies: ["EventStore", "CLMDB"],
            path: "Tests/EventStoreStress",
            swiftSettings: swiftSettings
        ),
        // Histories written straight into a store, for the tests of the operations and the benchmarks.
        .target(
            name: "Fixtures",
            dependencies: [
                "EventStore", "Projections", "Gateway",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Fixtures",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Operations", "EventStore", "Projections", "Fixtures", "Tools", "CLMDB", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProjectionsTests",
            dependencies: ["Projections"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "Wire", "EventStore", "Projections", "CauserieClient", "Tools", "Operations", "Fixtures",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings,
            // The client the API tests drive is generated from docs/openapi.yaml (Tests/GatewayTests/API).
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "EventStore", "EventStoreStress", "CLMDB",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
