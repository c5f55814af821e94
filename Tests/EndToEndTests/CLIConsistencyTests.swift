import Corpus
import Foundation
import TestSupport
import Testing

/// One consistent CLI (issue 14, section 5): every `--json` in one key style, `--version`,
/// help texts that wrap cleanly and state one default, progress a log can show, several shard
/// sets mixed by weight from the command line.
@Suite(.serialized) struct CLIConsistencyTests {
    static let subcommands = ["encode", "decode", "normalize", "split", "convert", "train-tokenizer", "shard", "inspect",
                              "verify", "cat", "loader-bench", "pretrain", "generate", "quickstart", "clean"]

    /// A small shard set of the fixture corpus, made once.
    static let shards: String = {
        let out = try! CLI.temporaryDirectory("consistency") + "/shards"
        let r = try! CLI.run(["shard", CLI.fixtures + "/corpus", "-o", out, "--split", "blank-lines", "--val-fraction", "0.1", "--quiet"])
        precondition(r.status == 0, r.stderr)
        return out
    }()

    /// Every key of a JSON value, recursively (object keys only; "dropped" reasons are keys too).
    static func keys(_ value: Any) -> [String] {
        if let o = value as? [String: Any] { return o.keys + o.values.flatMap(keys) }
        if let a = value as? [Any] { return a.flatMap(keys) }
        return []
    }

    static func isSnakeCase(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    @Test func jsonOutputUsesSnakeCaseKeysInEveryCommand() throws {
        let dir = try CLI.temporaryDirectory("json-keys")
        let text = CLI.fixtures + "/corpus/books/jargon-file.excerpt.txt"
        var outputs: [(String, Data)] = []
        let normalize = try CLI.run(["normalize", "--json", "-o", dir + "/n.txt", text])
        #expect(normalize.status == 0, "\(normalize.stderr)")
        outputs.append(("normalize", Data(normalize.stderr.utf8)))   // normalize's summary goes to stderr
        let train = try CLI.run(["train-tokenizer", "--vocab-size", "400", "--quiet", "--json", "-o", dir + "/t.json", text])
        #expect(train.status == 0, "\(train.stderr)")
        outputs.append(("train-tokenizer", train.stdout))
        let shard = try CLI.run(["shard", text, "-o", dir + "/s", "--json", "--quiet"])
        outputs.append(("shard", shard.stdout))
        outputs.append(("inspect", try CLI.run(["inspect", Self.shards, "--json"]).stdout))
        outputs.append(("loader-bench", try CLI.run(["loader-bench", Self.shards, "--batch", "2", "--context", "32", "--batches", "3", "--json"]).stdout))
        for (command, data) in outputs {
            let value = try JSONSerialization.jsonObject(with: data)
            let keys = Self.keys(value)
            let bad = keys.filter { !Self.isSnakeCase($0) }
            #expect(keys.count > 3, "\(command): \(String(decoding: data, as: UTF8.self))")
            #expect(bad.isEmpty, "\(command) --json has keys that are not snake_case: \(bad)")
        }
    }

    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        let version = r.text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.split(separator: ".").allSatisfy { Int($0) != nil }, "\(version)")
    }

    /// ArgumentParser rewraps discussion text to the terminal: a hand-wrapped source line comes
    /// out as a ragged short line ("… (text, jsonl,\nhtml, …"). And an option whose help states its
    /// own default must not also get ArgumentParser's "(default: N)".
    @Test func helpTextsWrapCleanlyAndStateOneDefault() throws {
        for command in Self.subcommands {
            let r = try CLI.run([command, "--help"])
            #expect(r.status == 0, "\(command)")
            let lines = r.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // OVERVIEW paragraphs: every line but a paragraph's last fills most of the width.
            if let start = lines.firstIndex(where: { $0.hasPrefix("OVERVIEW:") }),
               let end = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) {
                let body = Array(lines[start..<end])
                // Ragged: the next line's first word would have fitted on this one (ArgumentParser
                // fills lines to 79 columns).
                for i in 0..<body.count - 1 where !body[i].isEmpty && !body[i + 1].isEmpty {
                    let next = body[i + 1].split(separator: " ").first.map(String.init) ?? ""
                    #expect(body[i].count + 1 + next.count >= 80, "\(command) --help: ragged line \"\(body[i])\"")
                }
            }
            // Options: join each entry's continuation lines, then count the defaults.
            var entries: [String] = []
            for line in lines {
                if line.hasPrefix("  -") || line.hasPrefix("  <") { entries.append(line) }
                else if line.hasPrefix("        "), !entries.isEmpty { entries[entries.count - 1] += " " + line.trimmingCharacters(in: .whitespaces) }
            }
            for entry in entries {
                let defaults = entry.components(separatedBy: "(default").count - 1
                #expect(defaults <= 1, "\(command) --help states two defaults: \(entry)")
            }
        }
    }

    /// `shard` and `clean` read and normalize with one option group (`ReadingOptions`): their
    /// help prints the same READING AND NORMALIZATION section, word for word. Before the group,
    /// `clean` lacked --reject-invalid-utf8, --keep-controls and --trim-whitespace and worded
    /// four of the shared options differently.
    @Test func shardAndCleanShareOneReadingAndNormalizationGroup() throws {
        func section(_ command: String) throws -> [String] {
            let lines = try CLI.run([command, "--help"]).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.firstIndex(of: "READING AND NORMALIZATION:") else { return [] }
            return Array(lines[start...].prefix { !$0.isEmpty })
        }
        let shard = try section("shard"), clean = try section("clean")
        #expect(shard.count > 10 && shard == clean, "shard:\n\(shard.joined(separator: "\n"))\nclean:\n\(clean.joined(separator: "\n"))")
        for flag in ["--input-format", "--form", "--reject-invalid-utf8", "--max-replacement-ratio", "--fallback-encoding", "--keep-controls",
                     "--trim-whitespace", "--min-chars", "--no-dedup", "--strict"] {
            #expect(clean.contains { $0.hasPrefix("  " + flag) }, "\(flag)")
        }
    }

    /// When stderr is a log (not a terminal), `shard` prints a plain progress line every
    /// $TOKENMILL_PROGRESS_SECONDS (30 by default) with the share of the inputs done and an ETA,
    /// never a carriage return; `--quiet` prints none.
    @Test func progressInALogIsPlainPeriodicLinesWithPercentAndETA() throws {
        let dir = try CLI.temporaryDirectory("progress")
        let env = "TOKENMILL_PROGRESS_SECONDS=0"
        let r = try CLI.run([env, CLI.executable, "shard", CLI.fixtures + "/corpus", "-o", dir + "/a"], executable: "/usr/bin/env")
        #expect(r.status == 0, "\(r.stderr)")
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: ") }
        #expect(progress.count >= 2, "\(r.stderr)")
        #expect(progress.contains { $0.contains("%") && $0.contains("ETA") }, "\(progress)")
        #expect(!r.stderr.contains("\r"))
        let quiet = try CLI.run([env, CLI.executable, "shard", CLI.fixtures + "/corpus", "-o", dir + "/b", "--quiet"], executable: "/usr/bin/env")
        #expect(quiet.status == 0 && !quiet.stderr.contains("progress:"), "\(quiet.stderr)")
    }

    /// `normalize` undoes .gz, .zst and .bz2 like the other commands (it read them as raw bytes).
    @Test func normalizeReadsCompressedFiles() throws {
        let dir = try CLI.temporaryDirectory("normalize-compressed")
        let plain = dir + "/kjv.txt"
        try FileManager.default.copyItem(atPath: CLI.fixtures + "/corpus/books/kjv-bible.excerpt.txt", toPath: plain)
        let reference = try CLI.run(["normalize", "--quiet", plain])
        #expect(reference.status == 0 && reference.stdout.count > 1000)
        for (tool, suffix) in [("/bin/gzip", ".gz"), ("/usr/bin/zstd", ".zst"), ("/bin/bzip2", ".bz2")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["-k", "-q", plain]
            try p.run(); p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(tool)")
            let r = try CLI.run(["normalize", "--quiet", plain + suffix])
            #expect(r.status == 0, "\(suffix): \(r.stderr)")
            #expect(r.stdout == reference.stdout, "\(suffix)")
        }
    }

    /// `loader-bench` and `pretrain` take several shard sets with weights; the mixture is
    /// deterministic, differs from either set alone, resumes from its saved state, and a
    /// bad weight is refused with a reason.
    @Test func severalShardSetsMixByWeight() throws {
        let dir = try CLI.temporaryDirectory("mixture")
        let other = dir + "/other"
        let made = try CLI.run(["shard", CLI.fixtures + "/corpus/multilingual", "-o", other, "--split", "blank-lines", "--val-fraction", "0.1", "--quiet"])
        #expect(made.status == 0, "\(made.stderr)")
        func hashes(_ args: [String]) throws -> [String] {
            let r = try CLI.run(["loader-bench"] + args + ["--batch", "4", "--context", "64", "--batches", "12", "--print-hashes"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.text.split(separator: "\n").map(String.init)
        }
        let mixed = try hashes(["0.7:" + Self.shards, "0.3:" + other])
        #expect(mixed.count == 12)
        #expect(try hashes(["0.7:" + Self.shards, "0.3:" + other]) == mixed)
        #expect(try hashes([Self.shards]) != mixed)
        #expect(try hashes([other]) != mixed)
        // Resume mid-way: the rest of the batches are the same.
        let state = dir + "/state.json"
        let head = try CLI.run(["loader-bench", "0.7:" + Self.shards, "0.3:" + other, "--batch", "4", "--context", "64", "--batches", "5", "--print-hashes", "--save-state", state])
        #expect(head.status == 0 && head.text.split(separator: "\n").map(String.init) == Array(mixed.prefix(5)))
        let tail = try CLI.run(["loader-bench", "0.7:" + Self.shards, "0.3:" + other, "--batch", "4", "--context", "64", "--batches", "7", "--print-hashes", "--resume", state])
        #expect(tail.status == 0, "\(tail.stderr)")
        #expect(tail.text.split(separator: "\n").map(String.init) == Array(mixed.suffix(7)))
        let bad = try CLI.run(["loader-bench", "0:" + Self.shards, "--batches", "1"])
        #expect(bad.status != 0 && bad.stderr.contains("positive"), "\(bad.stderr)")
        // pretrain on the mixture: it runs, and the run record names both sets.
        let run = dir + "/run"
        let p = try CLI.run(["pretrain", "--data", "0.7:" + Self.shards, "--data", "0.3:" + other, "--preset", "tiny", "--steps", "3",
                             "--batch", "2", "--context", "32", "--eval-every", "3", "--eval-batches", "2", "--sgemm-gflops", "10", "--quiet", "--out", run])
        #expect(p.status == 0, "\(p.stderr)")
        let metrics = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        let record = metrics.replacingOccurrences(of: "\\/", with: "/")
        #expect(record.contains("0.7:" + Self.shards) && record.contains("0.3:" + other), "\(metrics.prefix(400))")
        #expect(metrics.contains("\"type\":\"val\""))
    }
}
