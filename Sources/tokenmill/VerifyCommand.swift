import ArgumentParser
import Foundation
import Shards

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every checksum of a shard directory (exit 1 naming the shard and block on damage).")

    @Argument(help: "A directory written by `tokenmill shard`.") var directory: String

    func run() throws {
        let manifest = try Manifest.load(directory: directory)
        var failures = 0
        for shard in manifest.shards {
            do {
                let reader = try ShardReader(path: directory + "/" + shard.file)
                guard reader.header.fingerprintHex == manifest.tokenizer.fingerprint else {
                    throw ShardError("\(shard.file): tokenizer fingerprint \(reader.header.fingerprintHex.prefix(16))… differs from the manifest's \(manifest.tokenizer.fingerprint.prefix(16))…: the shard comes from another run", shard: shard.file)
                }
                try reader.verify()
                guard reader.tokenCount == shard.tokens, reader.documentCount == shard.documents else {
                    throw ShardError("\(shard.file): holds \(reader.tokenCount) tokens / \(reader.documentCount) documents, the manifest says \(shard.tokens) / \(shard.documents)", shard: shard.file)
                }
                print("ok \(shard.file): \(reader.blocks.count) blocks, \(reader.documentCount) documents, \(reader.tokenCount) tokens")
            } catch {
                failures += 1
                FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
            }
        }
        if failures > 0 {
            FileHandle.standardError.write("\(failures) of \(manifest.shards.count) shards failed verification\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        print("all \(manifest.shards.count) shards verified")
    }
}
