import ArgumentParser
import Foundation
import Shards
import TokenmillSupport

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn token files of another trainer (Megatron-LM, llm.c, nanoGPT) into checksummed .tms shards.",
        discussion: """
        Inputs go to the train split, --val inputs to the val split. megatron: PREFIX (or
        PREFIX.idx / PREFIX.bin), one document per document-index entry, a trailing end-of-text
        removed; llmc: .bin files with llm.c's header, end-of-text before each document (the files of a
        split are one stream); nanogpt: raw uint16 .bin, end-of-text after each document. Every id is
        checked against --tokenizer's vocabulary. Writes shards, tokenizer.json and manifest.json
        (docs/shard-format.md), readable by cat, verify, the loader and export.
        """)

    @Argument(help: "Input files (Megatron: prefixes) for the train split.") var inputs: [String] = []
    @Option(help: "megatron, llmc or nanogpt.") var format: TokenFileFormat
    @Option(name: .customLong("val"), help: "An input for the val split (repeatable).") var valInputs: [String] = []
    @Option(name: [.short, .customLong("output")], help: "Output directory (must not hold a shard set yet).") var output: String
    @Option(help: "The tokenizer the files were made with: a bundled name (gpt2, cl100k_base, o200k_base), a .tiktoken file or a tokenizer.json.") var tokenizer = "gpt2"
    @Option(help: "Close a shard at the first document start after this many tokens.") var shardTokens = 100_000_000
    @Option(help: "Tokens per compressed block.") var blockTokens = 65536
    @Option(help: "zstd level (1-19).") var level: Int32 = 3
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard (1...19).contains(level) else { throw ValidationError("--level \(level): zstd levels for shards are 1…19 (default 3)") }
    }

    func run() throws {
        let all = inputs.map { ImportInput(path: $0, split: .train) } + valInputs.map { ImportInput(path: $0, split: .val) }
        let importer = try ShardImporter(format: format, inputs: all, directory: output, tokenizer: tokenizer)
        importer.shardTokens = shardTokens
        importer.blockTokens = blockTokens
        importer.level = level
        let manifest = try importer.run()
        let splits = Dictionary(uniqueKeysWithValues: manifest.splits.map { ($0.key.rawValue, ["documents": $0.value.documents, "tokens": $0.value.tokens, "shards": $0.value.shards]) })
        if json {
            let summary: [String: Any] = ["format": format.rawValue, "output": output, "documents": manifest.documentsKept, "tokens": manifest.tokens,
                                          "bytes_in": manifest.bytesIn, "bytes_out": manifest.bytesOut, "splits": splits, "repairs": importer.repairs]
            print(try JSONOutput.text(summary, .summary))
        } else {
            for (split, t) in manifest.splits.sorted(by: { $0.key < $1.key }) where t.shards > 0 {
                print("\(split): \(t.documents) documents, \(t.tokens) tokens, \(t.shards) shards")
            }
            for (repair, count) in importer.repairs.sorted(by: { $0.key < $1.key }) { print("repaired \(repair): \(count)") }
            print("wrote \(output) (\(manifest.bytesOut) bytes from \(manifest.bytesIn))")
        }
    }
}
