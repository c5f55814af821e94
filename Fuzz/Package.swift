// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "TokenmillFuzz",
    dependencies: [
        .package(name: "Tokenmill", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "tokenmill-fuzz",
            dependencies: [
                .product(name: "Corpus", package: "Tokenmill"),
                .product(name: "BPE", package: "Tokenmill"),
                .product(name: "Shards", package: "Tokenmill"),
                .product(name: "DataLoader", package: "Tokenmill"),
                .product(name: "GPT", package: "Tokenmill"),
            ],
            // Global mutable state (the selected target, lazily made material) by design: one
            // target per process, libFuzzer calling in from one thread.
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
