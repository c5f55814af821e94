import ArgumentParser
import ClusterModule
import BPE
import Corpus
import Foundation
import Normalizer
import Pipeline
import Shards
import TokenmillSupport

extension InputFormat: ExpressibleByArgument {}
extension TextSplit: ExpressibleByArgument {}
extension NormalizationForm: ExpressibleByArgument {}

struct ShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Turn raw text into compressed, checksummed, document-indexed token shards.",
        discussion: """
        Inputs (files or directories, walked in sorted order; - for standard input, with \
        --input-format) are read by format (text, jsonl, html, warc, wet, wikipedia, parquet; \
        .gz/.zst/.bz2 undone), cleaned by the Normalizer, deduplicated by content hash, split \
        into train/val by document hash, tokenized on all cores and written as .tms shards with \
        manifest.json (see docs/shard-format.md). Re-running the same command after a crash or \
        kill -9 finishes the job: no document lost, none duplicated (standard input must then \
        bring the same bytes again: its consumed prefix is checked by SHA-256, and a different \
        stream is refused).
        """
    )

    @Argument(help: "Input files or directories; - reads standard input (needs --input-format).") var inputs: [String]
    @Option(name: [.short, .customLong("output")], help: "Output directory.") var output: String
    @Option(help: "A bundled vocabulary name (gpt2, cl100k_base, o200k_base), a .tiktoken file or a tokenizer.json.") var tokenizer = "gpt2"
    @OptionGroup(title: "Reading and normalization") var reading: ReadingOptions
    @Option(help: "Fraction of documents (by content hash) that go to the validation split.") var valFraction = 0.0
    @Option(help: "Maximum tokens per shard (a larger single document gets a shard of its own).") var shardTokens = 100_000_000
    @Option(help: "Tokens per compressed block.") var blockTokens = 65536
    @Option(help: "zstd level (1-19).") var level: Int32 = 3
    @Option(help: "A pre-token (piece) longer than this many bytes is tokenized in parts cut at this length (counted as pieces_cut), so memory stays bounded on one unbroken run of text.") var maxPieceBytes = PreTokenizer.defaultMaxPieceBytes
    @Option(name: .customLong("threads"), help: "Threads (default: all cores).") var threadCount: Int?
    var threads: Int { threadCount ?? ThreadCount.default }
    @Flag(help: "Print the summary as JSON.") var json = false
    @Flag(help: "No progress on standard error (warnings and errors are still shown).") var quiet = false
    @OptionGroup(title: "Cleaning") var cleaning: CleaningArguments

    func validate() throws {
        guard maxPieceBytes >= PreTokenizer.minimumMaxPieceBytes else {
            throw ValidationError("--max-piece-bytes \(maxPieceBytes): expected at least \(PreTokenizer.minimumMaxPieceBytes) (default \(PreTokenizer.defaultMaxPieceBytes))")
        }
        guard (1...19).contains(level) else { throw ValidationError("--level \(level): zstd levels for shards are 1…19 (default 3)") }
        guard shardTokens > 0, blockTokens > 0, blockTokens <= ShardFormat.maxBlockTokens else {
            throw ValidationError("--shard-tokens must be positive and --block-tokens within 1…\(ShardFormat.maxBlockTokens) (default 65536)")
        }
    }

    func run() throws { try Ranks.run(run(on:)) }

    func run(on cluster: Cluster) throws {
        var options = ShardOptions(inputs: try ShardJob.expandInputs(inputs, excluding: output))
        options.tokenizer = tokenizer
        reading.apply(to: &options)
        options.valFraction = valFraction
        options.shardTokens = shardTokens
        options.blockTokens = blockTokens
        options.compressionLevel = level
        options.maxPieceBytes = maxPieceBytes
        options.cleaning = try cleaning.options()
        let job: ShardJob
        if cluster.isDistributed && inputs.contains("-") {
            throw ValidationError("standard input (-) cannot be split over ranks; run without mpirun, or save the stream to a file")
        }
        if cluster.isDistributed {
            if let done = try Manifest.finished(directory: output, options: options) {
                if cluster.isRoot { try report(done, seconds: 0) }
                return
            }
            job = try DistributedShard.prepare(options: options, directory: output, threads: threads, cluster: cluster,
                                               minhashMemory: try cleaning.minhashMemoryBytes())
        } else {
            job = try ShardJob(options: options, directory: output, threads: threads)
        }
        let status = StatusLine(quiet: quiet || !cluster.isRoot)
        if status.enabled { job.progress = { status.update($0.statusText) } }
        job.warning = { FileHandle.standardError.write("warning: \($0)\n".data(using: .utf8)!) }
        job.droppedOut = cleaning.droppedOut
        job.minhashMemory = try cleaning.minhashMemoryBytes()
        let start = Date()
        var manifest = try job.run()
        status.clear()
        if cluster.isDistributed {
            guard let merged = try DistributedShard.finish(options: options, directory: output, cluster: cluster) else { return }
            manifest = merged
        }
        try report(manifest, seconds: Date().timeIntervalSince(start))
    }

    func report(_ manifest: Manifest, seconds: Double) throws {
        if json {
            let summary: [String: Any] = [
                "directory": output, "documents_read": manifest.documentsRead, "documents_kept": manifest.documentsKept,
                "tokens": manifest.tokens, "bytes_in": manifest.bytesIn, "bytes_out": manifest.bytesOut, "shards": manifest.shards.count,
                "seconds": seconds, "mb_per_s": Double(manifest.bytesIn) / 1e6 / max(seconds, 1e-9),
                "dropped": manifest.dropped.mapValues { $0.count },
                "utf8_replacements": manifest.repairs?.utf8Replacements ?? 0,
                "documents_repaired": manifest.repairs?.documentsRepaired ?? 0,
                "decoded": manifest.repairs?.decoded ?? [:],
                "payload_repairs": manifest.repairs?.payload ?? [:],
                "pieces_cut": manifest.repairs?.piecesCut ?? 0,
                "cleaning": manifest.cleaning ?? [:],
                "languages": (manifest.languages ?? [:]).mapValues { ["documents": $0.documents, "kept": $0.kept] },
            ]
            print(try JSONOutput.text(summary, .summary))
        } else {
            print("\(output): \(manifest.documentsKept) of \(manifest.documentsRead) documents, \(manifest.tokens) tokens in \(manifest.shards.count) shards, \(manifest.bytesIn) bytes in, \(manifest.bytesOut) bytes out (\(String(format: "%.2f", seconds)) s)")
            for (reason, drop) in manifest.dropped.sorted(by: { $0.key < $1.key }) {
                print("  dropped \(reason): \(drop.count) (e.g. \(drop.examples.prefix(3).joined(separator: ", ")))")
            }
            if let repairs = manifest.repairs, repairs.utf8Replacements > 0 {
                print("  repaired: \(repairs.utf8Replacements) invalid UTF-8 sequences replaced by U+FFFD in \(repairs.documentsRepaired) kept documents")
            }
            if let decoded = manifest.repairs?.decoded, !decoded.isEmpty {
                print("  decoded: " + decoded.sorted { $0.key < $1.key }.map { "\($0.value) documents from \($0.key)" }.joined(separator: ", "))
            }
            if let cut = manifest.repairs?.piecesCut, cut > 0 {
                print("  pieces cut: \(cut) pre-tokens longer than --max-piece-bytes tokenized in parts")
            }
            if let payload = manifest.repairs?.payload, !payload.isEmpty {
                print("  payloads repaired: " + payload.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let counters = manifest.cleaning, !counters.isEmpty {
                print("  cleaning: " + counters.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let languages = manifest.languages, !languages.isEmpty { print("  languages (kept of detected): " + LanguageCount.summary(languages)) }
        }
    }
}
