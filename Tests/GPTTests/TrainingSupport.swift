import Foundation
import TestSupport
import Shards

/// A shard set made once per test process from Fixtures/corpus with the built CLI, and helpers
/// to run `tokenmill` and read a run folder.
enum GPTRunFixture {
    static var root: String { CLI.root }

    static func temporaryDirectory(_ name: String) throws -> String { try CLI.temporaryDirectory("gpt-" + name) }

    /// Runs scripts/check_hf_checkpoint.py with `python` (stdout and stderr together).
    static func runHFCheck(_ python: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [root + "/scripts/check_hf_checkpoint.py"] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    @discardableResult
    static func cli(_ arguments: [String]) throws -> Output {
        let r = try CLI.run(arguments)
        return Output(status: r.status, stdout: r.text, stderr: r.stderr)
    }

    /// `tokenmill shard --tokenizer gpt2 --val-fraction 0.1 --split blank-lines -o DIR Fixtures/corpus`
    /// (blank-line documents so that the 10 % validation split is a sample of every kind of text,
    /// not 4 whole files).
    static let shards: Result<String, Error> = Result {
        let dir = try temporaryDirectory("shards") + "/set"
        let r = try cli(["shard", "--tokenizer", "gpt2", "--val-fraction", "0.1", "--split", "blank-lines", "-o", dir, root + "/Fixtures/corpus"])
        guard r.status == 0 else { throw CLIFailure(message: "tokenmill shard failed: \(r.stderr)") }
        return dir
    }

    struct CLIFailure: Error, CustomStringConvertible { var message: String; var description: String { message } }

    /// Unigram entropy (nats/token) of a split's tokens, read with ShardReader.
    static func unigramEntropy(_ dir: String, split: DataSplit = .train) throws -> Double {
        let manifest = try Manifest.load(directory: dir)
        var counts: [Int: Int] = [:], total = 0
        for s in manifest.shards where s.split == split {
            let r = try ShardReader(path: dir + "/" + s.file)
            for t in try r.tokens(0..<r.tokenCount) { counts[Int(t), default: 0] += 1; total += 1 }
        }
        var h = 0.0
        for c in counts.values { let p = Double(c) / Double(total); h -= p * log(p) }
        return h
    }

    /// The `metrics.jsonl` records of a type, as raw JSON objects (loss kept as its exact text).
    static func records(_ run: String, type: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["type"] as? String == type else { return nil }
            return o
        }
    }

    /// (step, loss text) of each record of a type, the loss as written (Float's shortest
    /// round-trip text, so equal text ⇔ equal bits).
    static func losses(_ run: String, type: String) throws -> [String] {
        let text = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        return text.split(separator: "\n").filter { $0.contains("\"type\":\"\(type)\"") }.map { line in
            let step = line.split(separator: "\"step\":")[1].prefix { $0 != "," }
            let loss = line.split(separator: "\"loss\":")[1].prefix { $0 != "," && $0 != "}" }
            return "\(step):\(loss)"
        }
    }
}
