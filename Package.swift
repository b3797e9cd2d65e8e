// swift-tools-version:6.1
//
// tmsd: the treatment-course service of a TMS clinic, and tmsctl, its CLI.
// Dependencies point one way (see ../shared/design/ARCHITECTURE.md):
//   executables -> TMSService -> (TMSStore, VarlinkNIO, Systemd, TMSInterface) -> TMSCore
//   VarlinkNIO -> (Varlink, SwiftNIO)
//   tmsctl -> TMSInterface -> (Varlink, TMSCore)   (no NIO, no GRDB, no full Foundation)
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tmsd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tmsd", targets: ["tmsd"]),
        .executable(name: "tmsctl", targets: ["tmsctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The domain: protocols, calendars, prescriptions, rules. Foundation only.
        .target(name: "TMSCore", swiftSettings: strict),

        // Varlink: JSON, framing, envelopes, the org.varlink.service interface
        // and a small blocking client. Knows nothing about TMS, and nothing of
        // SwiftNIO, so tmsctl links neither NIO nor its conformances.
        .target(name: "Varlink", swiftSettings: strict),

        // The Varlink server on SwiftNIO: listening, backpressure, peer credentials.
        .target(
            name: "VarlinkNIO",
            dependencies: [
                "Varlink",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // The one definition of io.tmsd.Clinic: the IDL, and per method its typed
        // input and output, role and whether it writes. tmsd and tmsctl both import it.
        .target(
            name: "TMSInterface",
            dependencies: ["TMSCore", "Varlink"],
            resources: [.embedInCode("io.tmsd.Clinic.varlink")],
            swiftSettings: strict
        ),

        // libsystemd (Debian: libsystemd-dev): sd-daemon and sd-journal.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // systemd integration: notify, watchdog, socket activation, journal.
        .target(
            name: "Systemd",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        // SQLite through GRDB: schema, migrations, one method per transaction.
        .target(
            name: "TMSStore",
            dependencies: [
                "TMSCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The tmsd interfaces: configuration, handlers, authorization, audit.
        .target(
            name: "TMSService",
            dependencies: [
                "TMSCore", "TMSStore", "Varlink", "VarlinkNIO", "Systemd", "TMSInterface", "TMSNetwork",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("clinical.toml")],
            swiftSettings: strict
        ),

        // A site's change log shipped to the network's central PostgreSQL.
        .target(
            name: "TMSNetwork",
            dependencies: [
                "TMSCore", "TMSStore", "Varlink",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "tmsd",
            dependencies: [
                "TMSService", "TMSInterface", "VarlinkNIO", "TMSNetwork",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tmsctl",
            dependencies: [
                "TMSCore", "Varlink", "TMSInterface",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // `make bench`: prints each figure beside its floor.
        .executableTarget(
            name: "tmsbench",
            dependencies: ["Varlink", "TMSInterface", "TMSStore", "TMSCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),

        .testTarget(name: "TMSCoreTests", dependencies: ["TMSCore"]),
        .testTarget(name: "VarlinkTests", dependencies: ["Varlink"]),
        .testTarget(name: "TMSInterfaceTests", dependencies: ["TMSInterface", "TMSCore", "Varlink"]),
        .testTarget(name: "TMSStoreTests", dependencies: ["TMSStore", "TMSCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "TMSServiceTests",
            dependencies: [
                "TMSService", "TMSCore", "Varlink", "VarlinkNIO", "TMSInterface", "TMSStore",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
    ]
)
