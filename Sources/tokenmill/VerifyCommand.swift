import ArgumentParser
import Foundation
import Shards

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a shard directory against its manifest: every shard's SHA-256, size, header and counts, every block checksum, the tokenizer copy, the totals and the shard list (exit 1 naming what is wrong).")

    @Argument(help: "A directory written by `tokenmill shard`.") var directory: String

    func run() throws {
        let manifest = try Manifest.load(directory: directory)
        var failures = 0
        func report(_ message: String) {
            failures += 1
            FileHandle.standardError.write("error: \(message)\n".data(using: .utf8)!)
        }
        do { _ = try manifest.tokenizerCopy(directory: directory) } catch { report("\(error)") }
        for problem in manifest.listProblems(directory: directory) { report("\(directory)/\(problem)") }
        for shard in manifest.shards {
            // Both checks, each reported: the structural one says where a shard is damaged
            // (block, field), the SHA-256 whether it is the file this run wrote at all.
            var good = true
            do { try manifest.checkDigest(shard, directory: directory) } catch { good = false; report("\(error)") }
            do {
                let reader = try manifest.openShard(shard, directory: directory)
                try reader.verify()
                if good { print("ok \(shard.file): \(reader.blocks.count) blocks, \(reader.documentCount) documents, \(reader.tokenCount) tokens") }
            } catch {
                report("\(error)")
            }
        }
        if failures > 0 {
            FileHandle.standardError.write("\(failures) problem\(failures == 1 ? "" : "s") found in \(directory) (\(manifest.shards.count) shards listed)\n".data(using: .utf8)!)
            throw ExitCode(1)
        }
        print("all \(manifest.shards.count) shards verified")
    }
}
