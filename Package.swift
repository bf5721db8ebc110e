// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Escort",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "escort", targets: ["escort"]),
        .executable(name: "escort-bench", targets: ["escort-bench"]),
        .executable(name: "escort-agent", targets: ["escort-agent"]),
        .library(name: "ShellAnalysis", targets: ["ShellAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh", from: "0.15.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Shared vocabulary: identifiers, impact levels, errors. No third-party imports.
        .target(name: "EscortCore", swiftSettings: strict),
        // The shell parser and analyser. Standard library and Foundation only.
        .target(
            name: "ShellAnalysis",
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        // The kernel structures escort-agent needs (seccomp user notification, a BPF filter, a
        // fork + exec whose child is async-signal-safe). Linux only.
        .target(name: "CEscortAgent"),
        // The agent protocol shared by the gateway and escort-agent, and the agent's Linux exec
        // mediation. No NIO.
        .target(
            name: "Agent",
            dependencies: ["EscortCore", "CEscortAgent", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .executableTarget(name: "escort-agent", dependencies: ["Agent"], swiftSettings: strict),
        // Storage protocols, implemented by StoreSQLite and StorePostgres.
        .target(name: "Store", dependencies: ["EscortCore"], swiftSettings: strict),
        .target(
            name: "StoreSQLite",
            dependencies: ["Store", "EscortCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The store on PostgreSQL, for several gateways sharing one database. The only module importing postgres-nio.
        .target(
            name: "StorePostgres",
            dependencies: [
                "Store", "EscortCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The hash-chained, Merkle-tree, signed audit log.
        .target(
            name: "AuditLog",
            dependencies: [
                "EscortCore", "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // asciicast v2 session recordings.
        .target(
            name: "Recording",
            dependencies: ["EscortCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Access and command policy: a TOML policy file, an IP-to-country table and a pure
        // evaluator (no I/O; files are read by the small loaders beside it).
        .target(
            name: "Policy",
            dependencies: [
                "EscortCore", "ShellAnalysis",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        // The SSH gateway: sessions, line editor, targets, moderation. The only module importing NIOSSH.
        .target(
            name: "Gateway",
            dependencies: [
                "EscortCore", "ShellAnalysis", "Store", "AuditLog", "Recording", "Policy", "Agent", "CEscortAgent",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // What operators configure and read: the `escort serve` TOML configuration (parsed and
        // validated once, every error naming the file and field) and the JSON / logfmt log handler.
        .target(
            name: "Operations",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The escorts' web console: Hummingbird (the only module importing it), sign-in, the queue,
        // live sessions over WebSocket, held-command cards, replay, admin and evidence pages, training.
        .target(
            name: "Console",
            dependencies: [
                "EscortCore", "ShellAnalysis", "Store", "AuditLog", "Recording", "Policy", "Gateway", "Training",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Assets")],
            swiftSettings: strict
        ),
        // Reports from the audit log and the registries: contractor exposure, the two-week review,
        // NIST SP 800-53 control evidence (OSCAL and HTML).
        .target(name: "Reports", dependencies: ["EscortCore", "Store", "AuditLog"], swiftSettings: strict),
        // Escort training: scenarios, the two-round run and its scoring, and the credit a pass
        // earns towards the policy's escort-training requirement.
        .target(
            name: "Training",
            dependencies: ["EscortCore", "ShellAnalysis", "Store", "AuditLog"],
            resources: [.copy("Scenarios")],
            swiftSettings: strict
        ),
        // Fixtures and shared helpers for tests and benchmarks.
        .target(
            name: "EscortTesting",
            dependencies: ["EscortCore", "ShellAnalysis", "Store", "StoreSQLite", "AuditLog", "Recording"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "escort",
            dependencies: [
                "EscortCore", "ShellAnalysis", "Store", "StoreSQLite", "StorePostgres", "AuditLog", "Recording", "Policy", "Gateway",
                "Console", "Reports", "Training", "Operations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "escort-bench",
            dependencies: [
                "EscortCore", "ShellAnalysis", "Store", "StoreSQLite", "StorePostgres", "AuditLog", "EscortTesting", "Gateway", "Policy", "Agent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ShellAnalysisTests", dependencies: ["ShellAnalysis", "EscortTesting"], swiftSettings: strict),
        .testTarget(
            name: "AuditLogTests",
            dependencies: ["AuditLog", "Store", "StoreSQLite", "EscortTesting"],
            swiftSettings: strict
        ),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "EscortCore", "ShellAnalysis"], swiftSettings: strict),
        .testTarget(
            name: "StorePostgresTests",
            dependencies: ["StorePostgres", "Store", "EscortTesting", "AuditLog", "EscortCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: ["EscortCore", "Store", "StoreSQLite", "EscortTesting"],
            swiftSettings: strict
        ),
        .testTarget(name: "RecordingTests", dependencies: ["Recording", "EscortTesting"], swiftSettings: strict),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "Agent", "EscortTesting", "AuditLog", "Store", "StoreSQLite", "ShellAnalysis", "EscortCore", "Policy"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: [
                "Console", "Gateway", "EscortTesting", "AuditLog", "Store", "StoreSQLite", "Policy", "EscortCore", "ShellAnalysis",
                "Training",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EscortCLITests",
            dependencies: ["EscortTesting", "AuditLog", "Store", "StoreSQLite", "Recording", "EscortCore", "Console"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: ["Operations", "EscortTesting", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "EscortTesting", "AuditLog", "Store", "StoreSQLite", "EscortCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "EscortTesting", "AuditLog", "Store", "StoreSQLite", "EscortCore", "ShellAnalysis", "Policy"],
            swiftSettings: strict
        ),
    ]
)
