// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "nianbao",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nianbao", targets: ["nianbao"]),
        .library(name: "NianbaoPipeline", targets: ["NianbaoPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C shim: libxml2 (HTML SAX parser). Nothing else imports libxml2.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // C shims: libcurl (fetching; opened with dlopen on first use, so it is not linked) and brotli
        // (Content-Encoding: br).
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        // C shim: zlib (gzip members of WARC files, Content-Encoding).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // C shims: SQLite (embedded default store) and libpq (PostgreSQL; opened with dlopen on first
        // use, so it is not linked).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", providers: [.apt(["libpq-dev"])]),
        // Stage: bytes -> Unicode text (BOM, HTTP header, <meta>, detection; lossy GB18030 via iconv).
        .target(name: "NianbaoDecode"),
        // C shim: glibc's memmem (byte search in the reader's attribute filter and the normalizer).
        .systemLibrary(name: "CStringSearch"),
        // Stage: text -> page model (lines and table grids), from HTML (libxml2 SAX) or flattened text.
        .target(name: "NianbaoExtract", dependencies: ["CLibXML2", "CStringSearch"]),
        // Stage: page model -> Report (templates as data, labels, cells, dates, solver, checks). Pure.
        .target(name: "NianbaoNormalize", dependencies: ["NianbaoExtract", "CStringSearch"]),
        // Stage: Report -> canonical JSON bytes.
        .target(name: "NianbaoEncode", dependencies: ["NianbaoNormalize"]),
        // Stage: archive. WARC 1.1 records in per-record gzip members: writer, reader, digests, HTTP payloads.
        .target(
            name: "NianbaoArchive",
            dependencies: ["CZlib", "CBrotli", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Stage: fetch. libcurl client, robots.txt, politeness, discovery, harvest state and runs.
        .target(
            name: "NianbaoFetch",
            dependencies: ["CCurl", "NianbaoSQL", "NianbaoArchive", "NianbaoExtract", "NianbaoDecode",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The SQL connection protocol, SQLite and PostgreSQL (libpq), shared by the harvest state and the sinks.
        .target(name: "NianbaoSQL", dependencies: ["CSQLite", "CLibPQ"]),
        // Sinks: records -> SQLite, PostgreSQL, NDJSON, CSV (relational schema, migrations, bulk loads).
        .target(
            name: "NianbaoStore",
            dependencies: [
                "NianbaoSQL", "NianbaoNormalize", "NianbaoEncode",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Wiring of the stages for one input, sidecars, ids.
        .target(
            name: "NianbaoPipeline",
            dependencies: [
                "NianbaoDecode", "NianbaoExtract", "NianbaoNormalize", "NianbaoEncode", "NianbaoArchive",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Review pages: records -> a static site (index, one page per report), no server, no framework.
        .target(name: "NianbaoReview", dependencies: ["NianbaoNormalize"]),
        .executableTarget(
            name: "nianbao",
            dependencies: [
                "NianbaoPipeline", "NianbaoStore", "NianbaoFetch", "NianbaoEncode", "NianbaoReview", "NianbaoSQL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Reference timings for scripts/bench.sh (libxml2 SAX/DOM baselines, in-process normalize).
        .executableTarget(name: "nianbao-bench", dependencies: ["NianbaoPipeline", "NianbaoExtract", "NianbaoDecode", "NianbaoNormalize", "NianbaoEncode", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "NianbaoTestSupport", path: "Tests/NianbaoTestSupport"),
        .testTarget(name: "NianbaoDecodeTests", dependencies: ["NianbaoDecode"]),
        .testTarget(name: "NianbaoEncodeTests", dependencies: ["NianbaoEncode", "NianbaoNormalize"]),
        .testTarget(name: "NianbaoExtractTests", dependencies: ["NianbaoExtract", "NianbaoDecode", "NianbaoFetch", "NianbaoTestSupport"]),
        .testTarget(name: "NianbaoNormalizeTests", dependencies: ["NianbaoNormalize", "NianbaoExtract"]),
        .testTarget(name: "NianbaoSnapshotTests", dependencies: ["NianbaoPipeline", "NianbaoNormalize", "NianbaoFetch", "NianbaoTestSupport"]),
        .testTarget(name: "NianbaoStoreTests", dependencies: ["NianbaoStore", "NianbaoSQL", "NianbaoPipeline", "NianbaoTestSupport"]),
        .testTarget(name: "NianbaoArchiveTests", dependencies: ["NianbaoArchive", "NianbaoFetch", "NianbaoTestSupport"]),
        .testTarget(name: "NianbaoFetchTests", dependencies: ["NianbaoFetch", "NianbaoArchive", "NianbaoTestSupport"]),
        .testTarget(name: "NianbaoCLITests", dependencies: ["NianbaoPipeline", "NianbaoArchive", "nianbao", "NianbaoTestSupport", .product(name: "Crypto", package: "swift-crypto")]),
    ],
    swiftLanguageModes: [.v6]
)
