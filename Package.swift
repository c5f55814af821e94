// swift-tools-version: 6.0
import PackageDescription

// Module graph (one-way; every edge below is an import, and every import is an edge):
//
//   TokenmillSupport                      SplitMix64 (+ normal draws), the default thread count,
//                                         file I/O (one EINTR loop, atomic replace), hex, little-endian
//                                         integers, the JSON writer (JSONOutput), UTF-8 validation and
//                                         the one decoder/encoder of valid UTF-8 (ValidUTF8)
//   Normalizer  → ICUShim, TokenmillSupport (the UTF-8 validator)
//   Cleaning    → TokenmillSupport, CLD2Shim (datatrove's filters, CLD2 language identification, PII redaction,
//                 MinHash on text)
//   Corpus      → Normalizer (HTML entities, declared charsets), Cleaning (its rules are drop reasons), TokenmillSupport,
//                 zstd, zlib, bzip2, Snappy
//   BPE         → Normalizer, TokenmillSupport, Collections
//   Trainer     → BPE, Normalizer, Corpus, TokenmillSupport, Collections
//   Shards      → BPE, Normalizer, Corpus, Cleaning, TokenmillSupport, Crypto
//   DataLoaderModule → Shards, TokenmillSupport
//   GPTModule   → OpenBLAS, TokenmillSupport (a leaf: model, kernels, AdamW, safetensors)
//   ClusterModule → MPIShim (Open MPI; beside the chain, not in it)
//   Pipeline    → Normalizer, BPE, Corpus, Trainer, Cleaning, Shards, DataLoaderModule, GPTModule, ClusterModule, TokenmillSupport: the jobs
//                 that compose them (quickstart, distributed shard and train-tokenizer, the
//                 pretraining run, text generation)
//   tokenmill   → Pipeline and the modules whose types its commands use; argument parsing and output
//
// Three modules are named `…Module` because each holds a type of its own short name (`DataLoader`,
// `GPT`, `Cluster`): a module named like one of its types cannot qualify its other names
// (`GPT.GPTConfig` would look inside the class), as swift-collections names `HeapModule`.
//
// The C libraries come in through system-library targets; CLD2, whose API is C++, through the
// `CLD2Shim` C++ target (an extern "C" header of <stdint.h> types); ICU is reached only through the
// `ICUShim` C target, whose public header uses <stdint.h> types alone, because Foundation on
// Linux carries its own ICU headers and any Swift module that sees both fails to compile.
let package = Package(
    name: "Tokenmill",
    products: [
        .library(name: "Normalizer", targets: ["Normalizer"]),
        .library(name: "BPE", targets: ["BPE"]),
        .library(name: "Corpus", targets: ["Corpus"]),
        .library(name: "Trainer", targets: ["Trainer"]),
        .library(name: "Cleaning", targets: ["Cleaning"]),
        .library(name: "Shards", targets: ["Shards"]),
        .library(name: "DataLoaderModule", targets: ["DataLoaderModule"]),
        .library(name: "GPTModule", targets: ["GPTModule"]),
        .library(name: "ClusterModule", targets: ["ClusterModule"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .executable(name: "tokenmill", targets: ["tokenmill"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System libraries (Debian packages named in `providers`; scripts/setup.sh installs them).
        .systemLibrary(name: "CICU", pkgConfig: "icu-i18n", providers: [.apt(["libicu-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Snappy, the codec of most Parquet files (pyarrow's default).
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        // Debian's libbz2-dev ships no pkg-config file: headers and library are on the default paths.
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // Open MPI's header is found only through its pkg-config entry.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // CLD2 language identification, model compiled in (libcld2_full's tables over libcld2's code).
        .systemLibrary(name: "CCLD2", providers: [.apt(["libcld2-dev"])]),
        .target(
            name: "CLD2Shim",
            dependencies: ["CCLD2"],
            // A module map's `link` lines reach the linker only through a Swift import of the module,
            // and only the C++ shim includes CLD2. libcld2_full first: its tables replace libcld2's.
            linkerSettings: [.linkedLibrary("cld2_full"), .linkedLibrary("cld2")]
        ),
        // MPI behind a <stdint.h>-only header: its handles are macros Swift cannot import.
        .target(name: "MPIShim", dependencies: ["CMPI"]),
        .target(
            name: "ICUShim",
            dependencies: ["CICU"],
            linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]
        ),

        // Small pieces several modules share; internal (no product), imported by them.
        .target(name: "TokenmillSupport"),
        .target(name: "Normalizer", dependencies: ["ICUShim", "TokenmillSupport"]),
        .target(
            name: "BPE",
            dependencies: ["Normalizer", "ICUShim", "TokenmillSupport", .product(name: "Collections", package: "swift-collections")]
        ),
        .target(name: "Corpus", dependencies: ["CZstd", "CZlib", "CBzip2", "CSnappy", "Normalizer", "Cleaning", "TokenmillSupport"]),
        .target(
            name: "Trainer",
            dependencies: ["BPE", "Normalizer", "Corpus", "TokenmillSupport", .product(name: "Collections", package: "swift-collections")]
        ),
        // datatrove's filters, language identification, PII redaction and MinHash, on text (no
        // reader, no tokenizer).
        .target(name: "Cleaning", dependencies: ["TokenmillSupport", "CLD2Shim"]),
        .target(
            name: "Shards",
            dependencies: ["BPE", "Normalizer", "Corpus", "Cleaning", "TokenmillSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "DataLoaderModule", dependencies: ["Shards", "TokenmillSupport"]),
        .target(name: "GPTModule", dependencies: ["COpenBLAS", "TokenmillSupport"]),
        .target(name: "ClusterModule", dependencies: ["MPIShim"]),
        .target(
            name: "Pipeline",
            dependencies: ["Normalizer", "BPE", "Corpus", "Trainer", "Cleaning", "Shards", "DataLoaderModule", "GPTModule", "ClusterModule", "TokenmillSupport"]
        ),
        .executableTarget(
            name: "tokenmill",
            dependencies: [
                "Normalizer", "BPE", "Corpus", "Trainer", "Cleaning", "Shards", "DataLoaderModule", "GPTModule", "ClusterModule", "Pipeline", "TokenmillSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "TokenmillBench",
            dependencies: ["BPE", "Corpus", "Shards", "TokenmillSupport"],
            path: "Benchmarks/TokenmillBench"
        ),

        .executableTarget(
            name: "NormalizeBench",
            dependencies: ["Normalizer", "Corpus"],
            path: "Benchmarks/NormalizeBench"
        ),
        .executableTarget(name: "GPTBench", dependencies: ["GPTModule", "TokenmillSupport"], path: "Benchmarks/GPTBench"),

        // Shared by the test targets: runs the built CLI, finds the repository's files.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "NormalizerTests", dependencies: ["Normalizer", "Corpus", "TestSupport"]),
        .testTarget(
            name: "BPETests",
            dependencies: ["BPE", "Normalizer", "Corpus", "TokenmillSupport", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "BPE", "Normalizer", "Corpus", "TestSupport"]),
        .testTarget(
            name: "CleaningTests",
            dependencies: ["Cleaning", "Corpus", "Shards", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "ShardsTests", dependencies: ["Shards", "BPE", "Normalizer", "Corpus", "TestSupport"]),
        .testTarget(name: "DataLoaderTests", dependencies: ["DataLoaderModule", "Shards", "TestSupport"]),
        .testTarget(name: "GPTTests", dependencies: ["GPTModule", "Pipeline", "TokenmillSupport", "Shards", "BPE", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["BPE", "Corpus", "Pipeline", "TokenmillSupport", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["ClusterModule", "Shards", "TestSupport"]),
    ]
)
