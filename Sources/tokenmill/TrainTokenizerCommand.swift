import ArgumentParser
import ClusterModule
import BPE
import Corpus
import Foundation
import Normalizer
import Pipeline
import TokenmillSupport
import Trainer
#if canImport(Glibc)
import Glibc
#endif

struct TrainTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-tokenizer",
        abstract: "Train a byte-level BPE vocabulary and write a Hugging Face tokenizer.json.",
        discussion: """
        Inputs are text files (a file is a document), JSONL files (--input-format jsonl: a record \
        is a document), .zst or .gz files, directories (walked) or - for standard input. Files are \
        processed in sorted path order, and the output is byte-identical for any --threads and any \
        order of the inputs. Ids: 0-255 the bytes (GPT-2 byte-alphabet order), then the merged \
        tokens in merge order, then the --special tokens. Ties between equally frequent pairs go to \
        the pair with the smaller (left id, right id). See docs/trainer.md.
        """
    )

    @Option(help: "Final vocabulary size, special tokens included.")
    var vocabSize: Int

    @Option(help: "Split pattern: gpt2, cl100k, o200k.")
    var pattern: String = "gpt2"

    @Option(help: "Unicode normalization before splitting: none, nfc, nfkc (recorded in the tokenizer).")
    var normalize: String = "none"

    @Option(help: "Stop when the most frequent pair occurs fewer times than this (HF's min_frequency).")
    var minFrequency: Int = 0

    @Option(parsing: .singleValue, help: "A special token (repeatable); they take the ids after the BPE tokens, in order.")
    var special: [String] = []

    @Option(help: "No token longer than this many bytes.")
    var maxTokenLength: Int?

    @Option(help: "text (a file is a document) or jsonl (a line is a document).")
    var inputFormat: String = "text"

    @Option(help: "The JSONL field holding the text.")
    var textField: String = "text"

    @Option(name: .customLong("threads"), help: "Threads for counting (default: all cores).")
    var threadCount: Int?
    var threads: Int { threadCount ?? ThreadCount.default }

    @Option(help: "Memory for the pre-token table and the merge loop, e.g. 512M or 4G (default: a quarter of RAM); the rarest pre-tokens are pruned beyond it.")
    var memoryLimit: String?

    @Option(help: "A pre-token longer than this many bytes is counted in parts cut at this length (reported as pieces_cut), as encoding cuts it, so memory stays bounded on one unbroken run of text.")
    var maxPieceBytes: Int = PreTokenizer.defaultMaxPieceBytes

    @Option(help: "Fraction of the input held back from training to measure bytes per token (0 trains on everything).")
    var holdout: Double = 0.01

    @Option(name: .shortAndLong, help: "Where to write tokenizer.json.")
    var output: String

    @Option(help: "Also write the vocabulary as a .tiktoken file here.")
    var tiktoken: String?

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @Flag(help: "No report on standard error.")
    var quiet = false

    @Argument(help: "Input files or directories, or - for standard input.")
    var files: [String] = ["-"]

    func validate() throws {
        guard !textField.isEmpty else { throw ValidationError("--text-field is empty: name the JSONL field that holds the text (default: text)") }
        guard maxPieceBytes >= PreTokenizer.minimumMaxPieceBytes else {
            throw ValidationError("--max-piece-bytes \(maxPieceBytes): expected at least \(PreTokenizer.minimumMaxPieceBytes) (default \(PreTokenizer.defaultMaxPieceBytes))")
        }
    }

    func run() throws { try Ranks.run(run(on:)) }

    /// Under `mpirun -np N` the ranks count their shares of the files and rank 0 trains and
    /// writes (docs/distributed.md).
    func run(on cluster: Cluster) throws {
        guard let splitPattern = SplitPattern(name: pattern) else {
            throw ValidationError("--pattern: expected gpt2, cl100k or o200k, found \(pattern)")
        }
        guard let form = NormalizationForm(rawValue: normalize) else {
            throw ValidationError("--normalize: expected none, nfc or nfkc, found \(normalize)")
        }
        guard let format = InputFormat(rawValue: inputFormat), TrainerOptions.supportedInputFormats.contains(format) else {
            throw ValidationError("--input-format: expected text or jsonl, found \(inputFormat)")
        }
        var options = TrainerOptions(vocabSize: vocabSize)
        options.pattern = splitPattern
        options.normalization = form
        options.minFrequency = minFrequency
        options.specialTokens = special
        options.maxTokenLength = maxTokenLength
        options.inputFormat = format
        options.textField = textField
        options.maxPieceBytes = maxPieceBytes
        options.threads = max(1, threads)
        options.holdoutFraction = holdout
        if let memoryLimit {
            guard let bytes = TrainerOptions.parseByteSize(memoryLimit), bytes > 0 else {
                throw ValidationError("--memory-limit: expected a size such as 512M or 4G, found \(memoryLimit)")
            }
            options.memoryLimit = bytes
        }
        let status = StatusLine(quiet: quiet || !cluster.isRoot)
        let progress: TrainingProgress? = status.enabled ? { status.update($0) } : nil
        let result: TrainingResult
        do {
            if cluster.isDistributed {
                guard let r = try DistributedTrainer.train(files: files, options: options, progress: progress, cluster: cluster) else { return }
                result = r
            } else {
                result = try BPETrainer.train(files: files, options: options, progress: progress)
            }
        } catch let error as TrainerError where error.isInvalidOption {
            // Only option errors are usage errors (exit 64 with the usage text); anything else,
            // such as a damaged counts message from another rank, is a runtime error (exit 1).
            throw ValidationError(error.description)
        }
        status.clear()
        let clock = Date()
        var writer = try OutputWriter(path: output)
        try writer.write(Array(try result.tokenizer.huggingFaceJSON()))
        try writer.close()
        if let tiktoken {
            var w = try OutputWriter(path: tiktoken)
            try w.write(Array(try result.tokenizer.tiktokenFileContents().utf8))
            try w.close()
        }
        var report = result.report
        report.phases.append(.init(name: "write", seconds: Date().timeIntervalSince(clock)))
        if !quiet { FileHandle.standardError.write(Data((report.summary + "\nwrote \(output)\n").utf8)) }
        if json {
            FileHandle.standardOutput.write(try JSONOutput.encode(report, .summary) + Data("\n".utf8))
        }
    }
}
