// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The fault hooks of the harness and of the reference client (docs/mutation.md): compiled into
/// debug builds, where the tests prove each check can fail, and absent from release builds.
let faultSettings: [SwiftSetting] = strictSettings + [.define("REGSPEC_FAULTS", .when(configuration: .debug))]

let package = Package(
    name: "RegSpec",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TinkerWire", targets: ["TinkerWire"]),
        .library(name: "Autodiff", targets: ["Autodiff"]),
        .library(name: "TrainingClient", targets: ["TrainingClient"]),
        .library(name: "SpecHarness", targets: ["SpecHarness"]),
        .library(name: "ReferenceEngine", targets: ["ReferenceEngine"]),
        .library(name: "RegSpecSuite", targets: ["RegSpecSuite"]),
        .executable(name: "regspec", targets: ["regspec"]),
        .executable(name: "regspec-bench", targets: ["regspec-bench"]),
    ],
    // libyaml comes from the system, not from a package: the CLibYAML target below.
    dependencies: [
        // The CLI's command line parsing (regspec, regspec-bench).
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // OrderedDictionary: metrics, JSON objects and expected-failure files keep their keys' order.
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // `swift package generate-documentation` for the DocC catalogs; builds nothing into the products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // Counts the benchmark's allocations; only regspec-bench depends on it.
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
    ],
    targets: [
        // The layers (docs/architecture.md): the harness judges implementations and links none;
        // ReferenceEngine binds the reference client to it. tools/check_layering.py (run by .ci/run) checks this.
        .target(
            name: "TinkerWire",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strictSettings
        ),
        .target(name: "Autodiff", swiftSettings: strictSettings),
        // libyaml's C API, the parser the spec loader streams events from: the system library
        // (Debian libyaml-dev, Homebrew libyaml; .ci/run installs it where it is missing), linked
        // statically into the release binary by tools/build-release.sh.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(
            name: "TrainingClient",
            dependencies: [
                "TinkerWire", "Autodiff",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: faultSettings
        ),
        .target(
            name: "SpecHarness",
            dependencies: [
                "TinkerWire", "CLibYAML",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: faultSettings
        ),
        .target(
            name: "ReferenceEngine",
            dependencies: ["SpecHarness", "TrainingClient", "TinkerWire", "Autodiff"],
            swiftSettings: strictSettings
        ),
        // The shipped specs/ and fixtures/, compiled in (tools/embed_suite.py), so `regspec run`
        // without a path works from any directory and a copied binary needs nothing beside it.
        .target(name: "RegSpecSuite", swiftSettings: strictSettings),
        .executableTarget(
            name: "regspec",
            dependencies: [
                "SpecHarness", "ReferenceEngine", "RegSpecSuite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "regspec-bench",
            dependencies: [
                "SpecHarness", "ReferenceEngine", "TrainingClient", "TinkerWire",
                // libyaml alone, the floor the YAML loading figures are compared with.
                "CLibYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            swiftSettings: faultSettings
        ),
        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"], swiftSettings: strictSettings),
        .testTarget(name: "TrainingClientTests", dependencies: ["TrainingClient", "TinkerWire"], swiftSettings: strictSettings),
        // Spec workspaces and spec-file builders shared by the test targets that load specs.
        .target(name: "SpecTestSupport", dependencies: ["SpecHarness"], path: "Tests/SpecTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "SpecHarnessTests", dependencies: ["SpecHarness", "TinkerWire", "SpecTestSupport"], swiftSettings: faultSettings),
        .testTarget(
            name: "ReferenceEngineTests", dependencies: ["ReferenceEngine", "SpecHarness", "TrainingClient", "TinkerWire", "SpecTestSupport"],
            swiftSettings: strictSettings),
        // docs/embedding.md's example, verbatim: the public API only, as another implementation sees it.
        .testTarget(name: "EmbeddingExampleTests", dependencies: ["SpecHarness", "ReferenceEngine", "RegSpecSuite"], swiftSettings: strictSettings),
        // The fixtures are scripts the tests run by path, not resources.
        .testTarget(name: "RegspecCLITests", dependencies: ["regspec"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(name: "MutationTests", dependencies: ["SpecHarness", "ReferenceEngine", "TrainingClient", "TinkerWire", "Autodiff"],
            swiftSettings: faultSettings),
    ]
)
