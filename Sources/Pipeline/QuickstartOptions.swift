import Foundation
import GPTModule

/// What `QuickstartPipeline` runs with: the options of `tokenmill quickstart`, and the fixed
/// recipe of the demo (learning rate, prompts, sampling) that docs/quickstart.md measured.
public struct QuickstartOptions: Sendable {
    /// The run folder.
    public var out = "runs/quickstart"
    /// Use this vocabulary instead of training one (a tokenizer.json, a .tiktoken file or a bundled name).
    public var vocab: String? = nil
    /// Size of the vocabulary to train, <|endoftext|> included.
    public var vocabSize = 8192
    /// Optimizer updates of the pretraining.
    public var steps = QuickstartOptions.defaultSteps
    /// Model shape: tiny, A or B (`GPTConfig.preset`).
    public var preset = "tiny"
    /// Threads for every stage.
    public var threads = 2
    /// The stage summaries go to standard error instead of standard output (which then carries
    /// report.json).
    public var summariesOnStandardError = false
    /// The command recorded in the report.
    public var commandLine = (["tokenmill"] + CommandLine.arguments.dropFirst()).joined(separator: " ")

    public init() {}

    /// About 100 s of training on 2 quiet cores (21,390 tokens/s with the tiny shape; docs/quickstart.md).
    public static let defaultSteps = 2000
    /// Peak learning rate (AdamW, warmup then cosine to a tenth); the runs in docs/quickstart.md used it.
    public static let learningRate: Float = 5e-3
    /// Prompts sampled before and after training (each is the start of a kind of text in the corpus).
    public static let prompts = ["In Python, a class", "And God said", "The Debian package"]
    public static let sampling = SamplingOptions(temperature: 0.8, topK: 40, topP: 1, seed: 7)
    public static let sampleTokens = 48
    /// What `--overwrite` may delete: only names the quickstart itself writes.
    public static let outputs = ["normalized.jsonl", "tokenizer.json", "shards", "run", "report.md", "report.json"]
}
