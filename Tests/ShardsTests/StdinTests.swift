import Foundation
import TestSupport
import Testing

/// Issue #18: `tokenmill shard -` reads standard input as it arrives; the journal records how
/// far it got (bytes and SHA-256 of the prefix read when each shard was finished), and a re-run
/// resumes only when the same bytes come again.
@Suite(.serialized) struct StandardInputShard {
    static let records = CLI.fixtures + "/formats/parquet/records.jsonl"
    static let arguments = ["--input-format", "jsonl", "--shard-tokens", "2000", "--val-fraction", "0.2", "--json"]

    static func ids(_ directory: String) throws -> [String] {
        let r = try CLI.run(["cat", directory, "--ids"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.text.split(separator: "\n").map(String.init)
    }

    @Test func standardInputGivesTheDocumentsOfTheSameFile() throws {
        let dir = try CLI.temporaryDirectory("stdin")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.records))
        #expect(try CLI.run(["shard", Self.records, "-o", dir + "/file"] + Self.arguments).status == 0)
        let r = try CLI.run(["shard", "-", "-o", dir + "/stdin"] + Self.arguments, stdin: data)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.ids(dir + "/stdin") == Self.ids(dir + "/file"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/stdin/manifest.json"))) as! [String: Any]
        let input = (manifest["inputs"] as! [[String: Any]])[0]
        #expect(input["path"] as? String == "-" && input["size"] as? Int == data.count)
        let file = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/file/manifest.json"))) as! [String: Any])["inputs"] as! [[String: Any]]
        #expect(input["sha256"] as? String == file[0]["sha256"] as? String)
        // Without --input-format there is no name to guess from; Parquet cannot stream. (Both
        // are refused before reading, so no data is piped: writing to a closed pipe would
        // kill the test process with SIGPIPE.)
        let unnamed = try CLI.run(["shard", "-", "-o", dir + "/unnamed"])
        #expect(unnamed.status != 0 && unnamed.stderr.contains("reading standard input (-) needs --input-format"), "\(unnamed.stderr)")
        let parquet = try CLI.run(["shard", "-", "-o", dir + "/parquet", "--input-format", "parquet"])
        #expect(parquet.status != 0 && parquet.stderr.contains("Parquet cannot be read from standard input"), "\(parquet.stderr)")
    }

    /// What a kill after the second finished shard leaves: the journal's first lines (start and
    /// two shards), those two shard files, no manifest.
    static func interrupted(_ directory: String, copy: String, standardInput: Bool = true) throws {
        let fm = FileManager.default
        try fm.copyItem(atPath: directory, toPath: copy)
        let lines = try String(contentsOfFile: copy + "/journal.jsonl", encoding: .utf8).split(separator: "\n")
        let kept = lines.prefix { !$0.contains("\"kind\":\"input\"") && !$0.contains("\"kind\":\"complete\"") }.prefix(3)
        #expect(kept.count == 3 && kept.dropFirst().allSatisfy { $0.contains("\"kind\":\"shard\"") }, "\(kept)")
        if standardInput { #expect(kept.dropFirst().allSatisfy { $0.contains("\"stdin_bytes\"") && $0.contains("\"stdin_sha256\"") }, "\(kept)") }
        try (kept.joined(separator: "\n") + "\n").write(toFile: copy + "/journal.jsonl", atomically: true, encoding: .utf8)
        let finished = Set(kept.compactMap { line in line.range(of: "\"file\":\"").map { String(line[$0.upperBound...].prefix { $0 != "\"" }) } })
        #expect(finished.count == 2)
        for name in try fm.contentsOfDirectory(atPath: copy) where name.hasSuffix(".tms") && !finished.contains(name) || name == "manifest.json" {
            try fm.removeItem(atPath: copy + "/" + name)
        }
    }

    @Test func interruptedRunResumesOnTheSameBytesAndRefusesOthers() throws {
        let dir = try CLI.temporaryDirectory("stdin-resume")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.records))
        let whole = try CLI.run(["shard", "-", "-o", dir + "/whole"] + Self.arguments, stdin: data)
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = try Self.ids(dir + "/whole")
        #expect(expected.count > 200)

        try Self.interrupted(dir + "/whole", copy: dir + "/same")
        let resumed = try CLI.run(["shard", "-", "-o", dir + "/same"] + Self.arguments, stdin: data)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.ids(dir + "/same") == expected)

        // One byte changed inside the prefix the finished shards came from: refused.
        try Self.interrupted(dir + "/whole", copy: dir + "/changed")
        var changed = data
        let at = changed.count / 3
        changed[at] = changed[at] == 0x65 ? 0x45 : 0x65
        let refused = try CLI.run(["shard", "-", "-o", dir + "/changed"] + Self.arguments, stdin: changed)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("standard input differs from the interrupted run's") && refused.stderr.contains("pipe in exactly the same data"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/changed/manifest.json"))

        // A shorter stream: refused, saying how much was read before.
        try Self.interrupted(dir + "/whole", copy: dir + "/short")
        let short = try CLI.run(["shard", "-", "-o", dir + "/short"] + Self.arguments, stdin: data.prefix(data.count / 2))
        #expect(short.status != 0)
        #expect(short.stderr.contains("standard input ended after \(data.count / 2) bytes, but the interrupted run had already read"), "\(short.stderr)")
        // The refused runs journalled nothing new: the same bytes still resume.
        let again = try CLI.run(["shard", "-", "-o", dir + "/changed"] + Self.arguments, stdin: data)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.ids(dir + "/changed") == expected)
    }

    @Test func trainTokenizerReadsStandardInputAsTheSameFile() throws {
        // train-tokenizer took `-` before issue #18; checked here beside shard's: the same records
        // through a pipe train the same tokenizer as from the file (the null record left out:
        // train-tokenizer stops at a malformed line).
        let dir = try CLI.temporaryDirectory("stdin-train")
        let lines = try String(contentsOfFile: Self.records, encoding: .utf8).split(separator: "\n").filter { !$0.contains("\"text\": null") }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        try data.write(to: URL(fileURLWithPath: dir + "/records.jsonl"))
        let common = ["--input-format", "jsonl", "--vocab-size", "400", "--quiet"]
        let piped = try CLI.run(["train-tokenizer", "-", "-o", dir + "/stdin.json"] + common, stdin: data)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try CLI.run(["train-tokenizer", dir + "/records.jsonl", "-o", dir + "/file.json"] + common).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/stdin.json")) == Data(contentsOf: URL(fileURLWithPath: dir + "/file.json")))
    }
}
