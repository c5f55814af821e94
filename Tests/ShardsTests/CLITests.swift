import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct ShardCLI {
    @Test func verifyCatAndCorruption() throws {
        let dir = try CLI.temporaryDirectory("cli")
        let out = dir + "/out"
        let r = try CLI.run(["shard", CLI.fixtures + "/corpus", "-o", out, "--shard-tokens", "200000", "--block-tokens", "8192", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text.contains("\"documents_kept\""))
        #expect(try CLI.run(["verify", out]).status == 0)
        let doc0 = try CLI.run(["cat", out, "--doc", "0"])
        #expect(doc0.status == 0 && !doc0.stdout.isEmpty)
        let ids = try CLI.run(["cat", out, "--ids"])
        let idLines = ids.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let rangeIDs = try CLI.run(["cat", out, "--range", "1..11", "--ids"])
        #expect(rangeIDs.text.split(separator: " ").count == 10)
        let inspect = try CLI.run(["inspect", out])
        #expect(inspect.status == 0 && inspect.text.contains("top tokens"))

        #expect(idLines.count > 10)

        // Wrong vocabulary.
        let wrong = try CLI.run(["cat", out, "--tokenizer", "cl100k_base", "--doc", "0"])
        #expect(wrong.status != 0 && wrong.stderr.contains("fingerprint"))

        // A flipped byte inside the first block of the first shard.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as! [String: Any]
        let shards = (manifest["shards"] as! [[String: Any]]).map { $0["file"] as! String }
        let first = out + "/" + shards[0]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: first)))
        bytes[64 + 100] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: first))
        let flipped = try CLI.run(["verify", out])
        #expect(flipped.status == 1)
        #expect(flipped.stderr.contains(shards[0]) && flipped.stderr.contains("block 0"), "\(flipped.stderr)")
        let catFlipped = try CLI.run(["cat", out, "--doc", "0", "--ids"])
        #expect(catFlipped.status != 0 && catFlipped.stderr.contains("checksum"))
        bytes[64 + 100] ^= 0x40

        // A truncated shard.
        try Data(bytes[0..<(bytes.count - 30)]).write(to: URL(fileURLWithPath: first))
        let truncated = try CLI.run(["verify", out])
        #expect(truncated.status == 1 && truncated.stderr.contains(shards[0]) && truncated.stderr.contains("truncated"), "\(truncated.stderr)")
    }

    /// scripts/read_shards.py, the format's reference reader in Python, gives `cat --ids`.
    @Test(.enabled(if: CLI.python != nil, Python.missing("numpy", "zstandard")))
    func pythonReaderGivesTheSameIdsAsCat() throws {
        let python = try #require(CLI.python)
        let out = try CLI.temporaryDirectory("pyreader") + "/out"
        let r = try CLI.run(["shard", CLI.fixtures + "/corpus", "-o", out, "--shard-tokens", "200000", "--block-tokens", "8192"])
        #expect(r.status == 0, "\(r.stderr)")
        let ids = try CLI.run(["cat", out, "--ids"])
        let idLines = ids.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(idLines.count > 10)
        let py = try CLI.run([python, CLI.root + "/scripts/read_shards.py", out], executable: "/usr/bin/env")
        #expect(py.status == 0, "\(py.stderr)")
        #expect(py.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() == idLines)
    }

    /// kill -9 at several moments, re-run the same command each time: the result is the same
    /// shards, byte for byte, as an uninterrupted run (so no document lost or duplicated).
    @Test func killNineAndResumeGivesTheSameShards() throws {
        let dir = try CLI.temporaryDirectory("kill")
        let input = CLI.sharedCorpora.map { $0 + "/articles" } ?? (CLI.fixtures + "/corpus")
        func args(_ out: String) -> [String] { ["shard", input, "-o", out, "--shard-tokens", "60000", "--val-fraction", "0.1", "--threads", "2"] }
        let reference = dir + "/reference"
        let start = Date()
        #expect(try CLI.run(args(reference)).status == 0)
        let duration = Date().timeIntervalSince(start)
        let resumed = dir + "/resumed"
        var kills = 0
        for fraction in [0.15, 0.3, 0.5, 0.7, 0.9] {
            // Each attempt resumes the previous one and is killed part way through what is left.
            if try CLI.runAndKill(args(resumed), after: max(0.05, duration * fraction * 0.5)) { kills += 1 }
        }
        let final = try CLI.run(args(resumed))
        #expect(final.status == 0, "\(final.stderr)")
        #expect(kills >= 2, "the job finished before it could be killed; use a larger input")
        let m1 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reference + "/manifest.json"))) as! [String: Any]
        let m2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: resumed + "/manifest.json"))) as! [String: Any]
        let s1 = (m1["shards"] as! [[String: Any]]).map { "\($0["file"]!) \($0["sha256"]!)" }
        let s2 = (m2["shards"] as! [[String: Any]]).map { "\($0["file"]!) \($0["sha256"]!)" }
        #expect(s1 == s2)
        #expect(s1.count > 3)
        #expect(m1["documents_kept"] as? Int == m2["documents_kept"] as? Int)
        #expect(try CLI.run(["verify", resumed]).status == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: resumed).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
