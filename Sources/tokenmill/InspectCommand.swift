import ArgumentParser
import BPE
import Foundation
import Shards
import TokenmillSupport

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
                let reader = try manifest.openShard(shard, directory: directory)
                for b in 0..<reader.blocks.count { for t in try reader.block(b) { counts[t, default: 0] += 1 } }
            }
        }
        // Token texts come from the tokenizer copy only when it is the one the ids were made with.
        var tokenizer: Tokenizer? = nil
        if top > 0 {
            do {
                _ = try manifest.tokenizerCopy(directory: directory)
                tokenizer = try Tokenizer.load(manifest.tokenizerPath(directory: directory))
            } catch {
                FileHandle.standardError.write(Data("warning: \(error) (token texts shown as ?)\n".utf8))
            }
        }
        let topTokens = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top).map { (id, n) -> [String: Any] in
            let text = tokenizer.flatMap { try? $0.decode([id]) } ?? "?"
            return ["id": Int(id), "count": n, "text": text]
        }
        let rawBytes = manifest.tokens * manifest.tokenizer.tokenBytes
        let summary: [String: Any] = [
            "documents": manifest.documentsKept, "documents_read": manifest.documentsRead, "tokens": manifest.tokens,
            "shards": manifest.shards.count, "bytes_in": manifest.bytesIn, "bytes_out": manifest.bytesOut,
            "compression_ratio_vs_raw_tokens": Double(rawBytes) / Double(max(manifest.bytesOut, 1)),
            "text_bytes": manifest.textBytes.map { $0 as Any } ?? NSNull(),
            "text_bytes_per_token": manifest.textBytes.map { Double($0) / Double(max(manifest.tokens, 1)) as Any } ?? NSNull(),
            "tokens_per_document": Double(manifest.tokens) / Double(max(manifest.documentsKept, 1)),
            "tokenizer": manifest.tokenizer.name, "fingerprint": manifest.tokenizer.fingerprint, "token_bytes": manifest.tokenizer.tokenBytes,
            "splits": Dictionary(uniqueKeysWithValues: manifest.splits.map { ($0.key.rawValue, ["documents": $0.value.documents, "tokens": $0.value.tokens, "shards": $0.value.shards]) }),
            "dropped": manifest.dropped.mapValues { $0.count }, "top_tokens": topTokens,
        ]
        if json {
            print(try JSONOutput.text(summary, .summary))
            return
        }
        print("directory        \(directory)")
        print("tokenizer        \(manifest.tokenizer.name) (\(manifest.tokenizer.fingerprint.prefix(16))…, \(manifest.tokenizer.tokenBytes * 8)-bit ids)")
        print("documents        \(manifest.documentsKept) kept of \(manifest.documentsRead) read")
        for (split, t) in manifest.splits.sorted(by: { $0.key > $1.key }) where t.shards > 0 {
            print("  \(split.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \(t.documents) documents, \(t.tokens) tokens, \(t.shards) shards")
        }
        print("tokens           \(manifest.tokens) (\(String(format: "%.1f", summary["tokens_per_document"] as! Double)) per document)")
        // Bytes per token are counted on the cleaned text that was tokenized: the input files'
        // size is that of their compressed form for .gz/.zst/.bz2 inputs (a gzip WET set showed
        // 1.11 "bytes per token" that way).
        if let textBytes = manifest.textBytes {
            print("text bytes       \(textBytes) (\(String(format: "%.2f", Double(textBytes) / Double(max(manifest.tokens, 1)))) per token, cleaned UTF-8 of the kept documents)")
        } else {
            print("text bytes       not recorded (a manifest written before text_bytes existed)")
        }
        print("bytes in         \(manifest.bytesIn) (input files as stored, compressed ones compressed)")
        print("bytes out        \(manifest.bytesOut) (\(String(format: "%.2f", Double(manifest.bytesOut) / Double(max(rawBytes, 1))))× raw \(manifest.tokenizer.tokenBytes * 8)-bit tokens)")
        for (reason, drop) in manifest.dropped.sorted(by: { $0.key < $1.key }) { print("dropped          \(reason): \(drop.count)") }
        if !topTokens.isEmpty {
            print("top tokens")
            for t in topTokens { print("  \(String(describing: t["id"]!).padding(toLength: 8, withPad: " ", startingAt: 0)) \(t["count"]!)\t\((t["text"] as! String).debugDescription)") }
        }
    }
}
