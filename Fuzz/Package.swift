// swift-tools-version: 6.0
import Foundation
import PackageDescription

// libFuzzer targets for Tokenmill's parsers of untrusted bytes (docs/fuzzing.md). A package of
// its own, depending on the main one by path, so that the sanitizer flags never touch the
// `make build`/`make test` products. Build with `make fuzz-build` (or `make fuzz`).
//
// TOKENMILL_FUZZ_SUBSET=readers builds only the targets that need BPE and Corpus (tokenizer
// files and corpus readers): without Shards there is no swift-crypto, whose BoringSSL is most
// of a sanitized build from scratch. CI's smoke uses it (.ci/run); use a scratch path of its
// own for it (`make fuzz-smoke` does), since the two builds differ in their modules.
let readersOnly = ProcessInfo.processInfo.environment["TOKENMILL_FUZZ_SUBSET"] == "readers"
let libraries = readersOnly ? ["Corpus", "BPE"] : ["Corpus", "BPE", "Shards", "DataLoaderModule", "GPTModule", "Pipeline"]

let package = Package(
    name: "TokenmillFuzz",
    dependencies: [
        .package(name: "Tokenmill", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "tokenmill-fuzz",
            dependencies: libraries.map { .product(name: $0, package: "Tokenmill") },
            // Global mutable state (the selected target, lazily made material) by design: one
            // target per process, libFuzzer calling in from one thread.
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
