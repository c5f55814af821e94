import ArgumentParser
import Foundation
import GPTModule
import Pipeline

/// `tokenmill quickstart`: the whole pipeline on the bundled real text in one command —
/// normalize, train a BPE vocabulary, shard and compress with a validation split, pretrain the
/// bundled GPT on the shards, sample from it before and after training — leaving a run folder
/// with every artifact and `report.md` / `report.json`. It calls the library modules directly
/// (no subprocesses); the stages live in the Pipeline module (`QuickstartPipeline+Stages.swift`).
struct QuickstartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Run the whole pipeline on the bundled corpus: normalize, train a vocabulary, shard, pretrain, sample.",
        discussion: """
        Reads the real text in the checkout's Fixtures/corpus (found from the current directory or \
        the executable; --corpus for any other folder of text, HTML or JSONL files), and writes into \
        --out: normalized.jsonl, tokenizer.json, shards/ (manifest.json, .tms shards), run/ \
        (metrics.jsonl, loss.svg, checkpoints), report.md and report.json. Each stage prints a \
        one-line summary; progress lines appear only on a terminal. The defaults take about two \
        minutes on 2 quiet cores. See docs/quickstart.md.
        """)

    @Option(help: "The run folder.") var out = "runs/quickstart"
    @Option(help: "A folder (or file) of real text to use instead of the checkout's Fixtures/corpus.") var corpus: String?
    @Option(help: "Use this vocabulary instead of training one: a tokenizer.json, a .tiktoken file or a bundled name (e.g. Vocab/tokenmill-demo-8k.json).") var vocab: String?
    @Option(help: "Size of the vocabulary to train, <|endoftext|> included.") var vocabSize = 8192
    @Option(help: "Optimizer updates of the pretraining.") var steps = QuickstartOptions.defaultSteps
    @Option(help: "Model shape: tiny (2 layers, width 64, context 64: the best loss for a few minutes on 2 cores), A or B.") var preset = "tiny"
    @Option(help: "Threads for every stage.") var threads = 2
    @Flag(help: "Replace a previous quickstart's outputs in --out.") var overwrite = false
    @Flag(help: "Print report.json on standard output (the stage summaries go to standard error).") var json = false

    func validate() throws {
        guard vocabSize >= 257 else { throw ValidationError("--vocab-size must be ≥ 257 (256 bytes and <|endoftext|>), found \(vocabSize)") }
        guard steps >= 1 else { throw ValidationError("--steps must be ≥ 1, found \(steps)") }
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1, found \(threads)") }
        guard GPTConfig.preset(preset) != nil else {
            throw ValidationError("--preset: expected tiny, A or B, found \(preset)")
        }
    }

    func run() throws {
        let corpusPath = try corpus ?? Self.locateCorpus()
        var options = QuickstartOptions()
        options.out = out
        options.vocab = vocab
        options.vocabSize = vocabSize
        options.steps = steps
        options.preset = preset
        options.threads = threads
        options.summariesOnStandardError = json
        // Earlier outputs in --out are a `PipelineError` (exit 1, without the usage text).
        try QuickstartPipeline.prepareOutput(out, overwrite: overwrite)
        var pipeline = try QuickstartPipeline(options: options, corpus: corpusPath)
        let report = try pipeline.run()
        if json { FileHandle.standardOutput.write(try report.json() + Data("\n".utf8)) }
    }

    /// The checkout's `Fixtures/corpus`: under the current directory, or above the executable
    /// (`.build/release/tokenmill` sits three levels below the root).
    static func locateCorpus() throws -> String {
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/Fixtures/corpus"]
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(url.appendingPathComponent("Fixtures/corpus").path); url.deleteLastPathComponent() }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0) }) { return found }
        throw ValidationError("""
            quickstart reads the real text in a Tokenmill checkout's Fixtures/corpus, and found none \
            (looked in \(candidates.prefix(3).joined(separator: ", ")), …). Run it from the repository root, \
            or pass --corpus DIR with your own text, HTML or JSONL files.
            """)
    }
}
