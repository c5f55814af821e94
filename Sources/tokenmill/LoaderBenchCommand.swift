import ArgumentParser
import DataLoaderModule
import Dispatch
import Foundation
import Shards

/// `--split train|val`; a bad value is refused by the parser with the list of valid ones.
extension DataSplit: ExpressibleByArgument {}

struct LoaderBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader-bench",
        abstract: "Stream batches from a shard directory; print delivered tokens/s and the consumer's wait time.")

    @Argument(help: "Directories written by `tokenmill shard`, each optionally WEIGHT:DIR (e.g. 0.7:web 0.3:books) to mix them.") var directories: [String]
    @Option(help: "Rows per batch (B).") var batch = 8
    @Option(help: "Tokens per row (T).") var context = 1024
    @Option(help: "Run this long (seconds).") var seconds = 5.0
    @Option(help: "Run exactly this many batches instead of --seconds.") var batches: Int?
    @Option(help: "Shuffle seed.") var seed: UInt64 = 0
    @Option(help: "The split to stream.") var split: DataSplit = .train
    @Option(help: "This process's rank (0..<--world-size): it reads that rank's share of the stream.") var rank = 0
    @Option(help: "Number of ranks sharing the stream.") var worldSize = 1
    @Option(help: "How ranks share the stream: blocks (independent shares) or batch-slices (slices of one process's batches).") var rankLayout: String = "blocks"
    @Option(help: "Batches prepared ahead on the background thread (0: none).") var prefetch = 4
    @Option(help: "Chunks per shuffle window (the shuffle buffer; the block cache holds about one window).") var windowChunks = 16
    @Option(help: "Simulated training step: busy work per batch, in milliseconds.") var stepMs = 0.0
    @Flag(help: "Skip (and count) damaged blocks instead of stopping.") var skipCorrupt = false
    @Option(help: "Resume from a state JSON file written by --save-state.") var resume: String?
    @Option(help: "Write the loader state after the last batch to this JSON file.") var saveState: String?
    @Flag(help: "Print one FNV-1a hash of (inputs, targets, positions) per batch.") var printHashes = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        var options = DataLoaderOptions(batchSize: batch, context: context)
        options.seed = seed
        options.split = split
        options.rank = rank
        options.worldSize = worldSize
        guard let layout = RankLayout(rawValue: rankLayout) else {
            throw ValidationError("--rank-layout \(rankLayout): expected blocks or batch-slices")
        }
        options.rankLayout = layout
        options.prefetch = prefetch
        options.windowChunks = windowChunks
        options.onCorruptBlock = skipCorrupt ? .skip : .stop
        let state = try resume.map { path -> LoaderState in
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            return try LoaderState.from(json: data)
        }
        let loader = try DataLoader(sources: try DataSources.parse(directories), options: options, resumeFrom: state)
        defer { loader.close() }
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var count = 0
        while true {
            if let batches { if count >= batches { break } } else if DispatchTime.now().uptimeNanoseconds >= deadline { break }
            guard let b = try loader.next() else { break }
            count += 1
            if printHashes {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for array in [b.inputs, b.targets, b.positions] {
                    array.withUnsafeBytes { raw in for byte in raw { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 } }
                }
                print(String(format: "%016llx", h))
            }
            if stepMs > 0 {  // stand-in for a training step
                let until = DispatchTime.now().uptimeNanoseconds + UInt64(stepMs * 1e6)
                while DispatchTime.now().uptimeNanoseconds < until {}
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let stats = loader.stats
        if let saveState { try loader.state().json().write(to: URL(fileURLWithPath: saveState)) }
        if printHashes { return }
        let tokensPerSecond = Double(stats.tokens) / wall
        if json {
            let fields: [(String, String)] = [
                ("batches", "\(stats.batches)"), ("tokens", "\(stats.tokens)"), ("wall_s", String(format: "%.3f", wall)),
                ("tokens_per_s", String(format: "%.0f", tokensPerSecond)), ("consumer_wait_s", String(format: "%.4f", stats.consumerWaitSeconds)),
                ("wait_fraction", String(format: "%.5f", stats.consumerWaitSeconds / wall)), ("blocks_decompressed", "\(stats.blocksDecompressed)"),
                ("skipped_sequences", "\(stats.skippedSequences)"), ("batch", "\(batch)"), ("context", "\(context)"), ("prefetch", "\(prefetch)"),
                ("step_ms", "\(stepMs)"),
            ]
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
        } else {
            print("batches \(stats.batches) (B=\(batch), T=\(context)), tokens \(stats.tokens), wall \(String(format: "%.2f", wall)) s")
            print("delivered \(String(format: "%.1f", tokensPerSecond / 1e6)) M tokens/s")
            print("consumer wait \(String(format: "%.4f", stats.consumerWaitSeconds)) s (\(String(format: "%.3f", 100 * stats.consumerWaitSeconds / wall))% of wall)")
            print("blocks decompressed \(stats.blocksDecompressed), skipped sequences \(stats.skippedSequences)")
            for b in stats.skippedBlocks { print("skipped damaged \(b)") }
        }
    }
}
