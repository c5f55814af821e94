import ArgumentParser
import BPE
import Foundation
import Shards

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Decode shards back to text (or ids), whole or by document or token range.",
        discussion: """
        Documents and tokens are numbered across the directory's shards in manifest order \
        (train shards, then val). --doc N prints document N; --range A..B prints global tokens \
        A..<B. With --ids, one line of space-separated ids per document (or for the range).
        """)

    @Argument(help: "A directory written by `tokenmill shard`.") var directory: String
    @Option(help: "Only document N (0-based, across all shards).") var doc: Int?
    @Option(help: "Only tokens A..B (end exclusive, across all shards).") var range: String?
    @Flag(help: "Print token ids instead of text.") var ids = false
    @Option(help: "Check the shards against this tokenizer instead of the directory's copy.") var tokenizer: String?

    func validate() throws {
        if doc != nil && range != nil { throw ValidationError("give --doc or --range, not both (--doc N prints one document; --range A..B a token range)") }
        if let doc, doc < 0 { throw ValidationError("--doc \(doc): document numbers start at 0") }
    }

    func run() throws {
        let manifest = try Manifest.load(directory: directory)
        // Without --tokenizer the directory's copy decodes the ids: its bytes must be the ones
        // the manifest's fingerprint hashes.
        if tokenizer == nil { _ = try manifest.tokenizerCopy(directory: directory) }
        let tokenizerPath = tokenizer ?? manifest.tokenizerPath(directory: directory)
        let tok = try Tokenizer.load(tokenizerPath)
        let fingerprint = try ShardFingerprint.of(tok)
        let readers = try manifest.shards.map { try manifest.openShard($0, directory: directory) }
        for r in readers { try r.requireFingerprint(fingerprint, tokenizerName: tokenizerPath) }
        let out = FileHandle.standardOutput
        func emit(_ tokens: [UInt32]) throws {
            if ids {
                out.write((tokens.map(String.init).joined(separator: " ") + "\n").data(using: .utf8)!)
            } else {
                out.write(Data(try tok.decodeBytes(tokens)))
            }
        }
        if let range {
            let parts = range.components(separatedBy: "..")
            guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b else {
                throw ValidationError("--range expects A..B with A ≤ B (token offsets), found \(range)")
            }
            var offset = 0
            var collected: [UInt32] = []
            for r in readers {
                let lo = max(a, offset), hi = min(b, offset + r.tokenCount)
                if lo < hi { collected += try r.tokens((lo - offset)..<(hi - offset)) }
                offset += r.tokenCount
            }
            guard b <= offset else { throw ValidationError("--range \(range): the directory holds \(offset) tokens") }
            try emit(collected)
            return
        }
        var index = 0
        for r in readers {
            for d in 0..<r.documentCount {
                defer { index += 1 }
                if let doc, doc != index { continue }
                try emit(try r.document(d))
                if doc != nil { return }
            }
        }
        if let doc { throw ValidationError("--doc \(doc): the directory holds \(index) documents (0..<\(index))") }
    }
}
