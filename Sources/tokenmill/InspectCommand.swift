import ArgumentParser
import BPE
import Foundation
import Shards

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarize a shard directory: documents, tokens, bytes, compression, top tokens.")

    @Argument(help: "A directory written by `tokenmill shard`.") var directory: String
    @Option(help: "How many of the most frequent tokens to list (0: skip reading the blocks).") var top = 10
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let manifest = try Manifest.load(directory: directory)
        var counts: [UInt32: Int] = [:]
        if top > 0 {
            for shard in manifest.shards {
                let reader = try ShardReader(path: directory + "/" + shard.file)
                for b in 0..<reader.blocks.count { for t in try reader.block(b) { counts[t, default: 0] += 1 } }
            }
        }
        let tokenizer = try? Tokenizer.load(directory + "/" + manifest.tokenizer.file)
        let topTokens = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map { (id, n) -> [String: Any] in
            let text = tokenizer.flatMap { try? $0.decode([id]) } ?? "?"
            return ["id": Int(id), "count": n, "text": text]
        }
        let rawBytes = manifest.tokens * manifest.tokenizer.tokenBytes
        let summary: [String: Any] = [
            "documents": manifest.documentsKept, "documents_read": manifest.documentsRead, "tokens": manifest.tokens,
            "shards": manifest.shards.count, "bytes_in": manifest.bytesIn, "bytes_out": manifest.bytesOut,
            "compression_ratio_vs_raw_tokens": Double(rawBytes) / Double(max(manifest.bytesOut, 1)),
            "bytes_in_per_token": Double(manifest.bytesIn) / Double(max(manifest.tokens, 1)),
            "tokens_per_document": Double(manifest.tokens) / Double(max(manifest.documentsKept, 1)),
            "tokenizer": manifest.tokenizer.name, "fingerprint": manifest.tokenizer.fingerprint, "token_bytes": manifest.tokenizer.tokenBytes,
            "splits": manifest.splits.mapValues { ["documents": $0.documents, "tokens": $0.tokens, "shards": $0.shards] },
            "dropped": manifest.dropped.mapValues { $0.count }, "top_tokens": topTokens,
        ]
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("directory        \(directory)")
        print("tokenizer        \(manifest.tokenizer.name) (\(manifest.tokenizer.fingerprint.prefix(16))…, \(manifest.tokenizer.tokenBytes * 8)-bit ids)")
        print("documents        \(manifest.documentsKept) kept of \(manifest.documentsRead) read")
        for (split, t) in manifest.splits.sorted(by: { $0.key > $1.key }) where t.shards > 0 {
            print("  \(split.padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.documents) documents, \(t.tokens) tokens, \(t.shards) shards")
        }
        print("tokens           \(manifest.tokens) (\(String(format: "%.1f", summary["tokens_per_document"] as! Double)) per document)")
        print("bytes in         \(manifest.bytesIn) (\(String(format: "%.2f", summary["bytes_in_per_token"] as! Double)) per token)")
        print("bytes out        \(manifest.bytesOut) (\(String(format: "%.2f", Double(manifest.bytesOut) / Double(max(rawBytes, 1))))× raw \(manifest.tokenizer.tokenBytes * 8)-bit tokens)")
        for (reason, drop) in manifest.dropped.sorted(by: { $0.key < $1.key }) { print("dropped          \(reason): \(drop.count)") }
        if !topTokens.isEmpty {
            print("top tokens")
            for t in topTokens { print("  \(String(describing: t["id"]!).padding(toLength: 8, withPad: " ", startingAt: 0)) \(t["count"]!)\t\((t["text"] as! String).debugDescription)") }
        }
    }
}
