import ArgumentParser
import Dispatch
import Foundation
import Shards
import TokenmillSupport

extension TokenFileFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a shard directory as the token files of another trainer (Megatron-LM, llm.c, nanoGPT).",
        discussion: """
        Per split (train, val): megatron writes SPLIT.bin and SPLIT.idx (Megatron's indexed dataset,
        one sequence per document, end-of-text after it); llmc writes SPLIT_000000.bin, … (llm.c's
        header, then the shard stream with end-of-text before each document); nanogpt writes
        SPLIT.bin (raw uint16, end-of-text after each document). Streams block by block; every
        block's checksum is checked. Layouts: docs/shard-format.md.
        """)

    @Argument(help: "A directory written by `tokenmill shard` (or `tokenmill import`).") var directory: String
    @Option(help: "megatron, llmc or nanogpt.") var format: TokenFileFormat
    @Option(name: [.short, .customLong("output")], help: "Output directory (created if missing).") var output: String
    @Option(help: "llmc: start a new file at the first document boundary after this many tokens.") var fileTokens = 100_000_000
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() throws {
        let exporter = ShardExporter(directory: directory, output: output, format: format)
        exporter.llmcFileTokens = fileTokens
        let start = DispatchTime.now().uptimeNanoseconds
        let files = try exporter.run()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let bytes = files.reduce(0) { $0 + $1.bytes }
        if json {
            let list = files.map { ["path": $0.path, "split": $0.split.rawValue, "tokens": $0.tokens, "documents": $0.documents, "bytes": $0.bytes] as [String: Any] }
            let summary: [String: Any] = ["format": format.rawValue, "files": list, "bytes_out": bytes, "wall_s": wall, "mb_per_s": Double(bytes) / 1e6 / wall]
            print(try JSONOutput.text(summary, .summary))
        } else {
            for f in files { print("wrote \(f.path): \(f.split), \(f.documents) documents, \(f.tokens) tokens, \(f.bytes) bytes") }
            print(String(format: "%d bytes in %.2f s (%.0f MB/s)", bytes, wall, Double(bytes) / 1e6 / wall))
        }
    }
}
