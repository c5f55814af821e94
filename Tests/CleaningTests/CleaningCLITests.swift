import Cleaning
import Foundation
import Shards
import TestSupport
import Testing

/// `tokenmill shard --filters` and `tokenmill clean` end to end on the WARC, WET and text
/// fixtures: drops counted per filter rule in the summary and the manifest, the dropped
/// documents written with their reason, the same output with any thread count and after a kill.
@Suite(.serialized) struct CleaningCLI {
    static let inputs = ["Fixtures/formats/warc", "Fixtures/formats/wet", "Fixtures/corpus/web", "Fixtures/corpus/books"].map { Repository.path($0) }

    static func scratch(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tm-cleaning-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func files(_ directory: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            out[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return out
    }

    @Test func shardWithTheFinewebChainCountsEveryDropByRuleInSummaryAndManifest() throws {
        let base = try Self.scratch("summary")
        let r = try CLI.run(["shard"] + Self.inputs + ["-o", base + "/set", "--filters", "fineweb", "--json", "--quiet", "--dropped-out", base + "/dropped"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        let dropped = summary["dropped"] as! [String: Int]
        let cleaning = summary["cleaning"] as! [String: Int]
        let manifest = try Manifest.load(directory: base + "/set")
        #expect(manifest.dropped.mapValues(\.count) == dropped)
        #expect(manifest.cleaning == cleaning)
        #expect(manifest.options.cleaning?.c4?.filterNoTerminalPunctuation == false)
        // Every document is kept or dropped for one named reason.
        #expect(manifest.documentsKept + dropped.values.reduce(0, +) == manifest.documentsRead)
        #expect(dropped.keys.contains { $0.hasPrefix("gopher_quality.") } && dropped.keys.contains { $0.hasPrefix("fineweb_quality.") }, "\(dropped)")
        #expect(cleaning["gopher_repetition.documents"]! >= cleaning["gopher_quality.documents"]!)
        #expect(cleaning["gopher_repetition.dropped"]! == dropped.filter { $0.key.hasPrefix("gopher_repetition.") }.values.reduce(0, +))
        #expect(cleaning["minhash.signatures"] != nil && cleaning["c4_quality.line_total"]! > cleaning["c4_quality.line_kept"]!)
        // The dropped documents, each with its reason, as many as the counts say.
        var records = 0
        for (name, data) in Self.files(base + "/dropped") {
            #expect(name.hasPrefix("dropped-") && name.hasSuffix(".jsonl.zst"))
            let text = try Self.zstdcat(data)
            for line in text.split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
                #expect(dropped[o["reason"]!] != nil && o["source"] != nil && o["text"] != nil)
                records += 1
            }
        }
        // Records the readers drop hold no text to write (WARC payloads that are not text, records
        // that do not parse, …), nor do inputs that fail.
        let withoutText: Set<String> = ["malformed_record", "invalid_utf8", "unsupported_encoding", "unreadable_input", "input_error",
                                        "too_many_replacements", "null_text", "non_http_payload", "non_text_content",
                                        "unsupported_content_encoding", "corrupt_content_encoding", "malformed_chunked_encoding"]
        #expect(records == dropped.filter { !withoutText.contains($0.key) && !$0.key.hasPrefix("wet_") && !$0.key.hasPrefix("warc_") }.values.reduce(0, +), "\(dropped)")
    }

    static func zstdcat(_ data: Data) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zstd", "-dc"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: out, as: UTF8.self)
    }

    @Test func shardsAndDroppedFilesAreTheSameWithOneOrTwoThreadsAndAfterAKill() throws {
        let base = try Self.scratch("determinism")
        func run(_ name: String, threads: Int) throws -> CLI.Result {
            try CLI.run(["shard"] + Self.inputs + ["-o", base + "/" + name, "--filters", "fineweb", "--threads", String(threads), "--quiet",
                                                  "--shard-tokens", "20000", "--dropped-out", base + "/" + name + "-dropped"])
        }
        #expect(try run("one", threads: 1).status == 0)
        #expect(try run("two", threads: 2).status == 0)
        let one = Self.files(base + "/one"), two = Self.files(base + "/two")
        #expect(one.keys.filter { $0.hasSuffix(".tms") }.count >= 2)
        for (name, data) in one where name.hasSuffix(".tms") { #expect(two[name] == data, "\(name)") }
        #expect(Self.files(base + "/one-dropped") == Self.files(base + "/two-dropped"))
        #expect(!Self.files(base + "/one-dropped").isEmpty)
        // A kill -9 after the first shard: the journal cut there, no manifest, no dropped files.
        let lines = try String(contentsOfFile: base + "/two/journal.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        let keep = lines.firstIndex { $0.contains("\"kind\":\"shard\"") }! + 1
        try (lines.prefix(keep).joined(separator: "\n") + "\n").write(toFile: base + "/two/journal.jsonl", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: base + "/two/manifest.json")
        try FileManager.default.removeItem(atPath: base + "/two-dropped")
        for (name, _) in two where name.hasSuffix(".tms") && !lines.prefix(keep).contains(where: { $0.contains(name) }) {
            try FileManager.default.removeItem(atPath: base + "/two/" + name)
        }
        let resumed = try run("two", threads: 2)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for (name, data) in one where name.hasSuffix(".tms") { #expect(Self.files(base + "/two")[name] == data, "\(name) after resume") }
        #expect(Self.files(base + "/one-dropped") == Self.files(base + "/two-dropped"))
        let a = try Manifest.load(directory: base + "/one"), b = try Manifest.load(directory: base + "/two")
        #expect(a.dropped == b.dropped && a.cleaning == b.cleaning && a.documentsKept == b.documentsKept)
    }

    @Test func cleanWritesTheKeptTextAsJSONLinesTheSameWithAnyThreadCount() throws {
        let base = try Self.scratch("clean")
        let a = try CLI.run(["clean"] + Self.inputs + ["-o", base + "/a.jsonl.zst", "--filters", "fineweb", "--threads", "1", "--json"])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["clean"] + Self.inputs + ["-o", base + "/b.jsonl.zst", "--filters", "fineweb", "--threads", "2"])
        #expect(b.status == 0, "\(b.stderr)")
        let first = FileManager.default.contents(atPath: base + "/a.jsonl.zst")!
        #expect(first == FileManager.default.contents(atPath: base + "/b.jsonl.zst"))
        let summary = try JSONSerialization.jsonObject(with: a.stdout) as! [String: Any]
        let kept = summary["documents_kept"] as! Int
        let lines = try Self.zstdcat(first).split(separator: "\n")
        #expect(lines.count == kept && kept > 0)
        for line in lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: String]
            #expect(Set(o.keys) == ["text", "source"])
        }
        // Without --filters, clean keeps what shard keeps: every document but empty ones and exact duplicates.
        let plain = try CLI.run(["clean"] + Self.inputs + ["-o", base + "/plain.jsonl", "--json"])
        let all = try JSONSerialization.jsonObject(with: plain.stdout) as! [String: Any]
        #expect((all["documents_kept"] as! Int) > kept)
    }

    /// `tokenmill clean` killed with SIGKILL while it writes, then run again, leaves the same kept
    /// file and the same dropped files as an uninterrupted run, and no temporary file. Before the
    /// rerun removed them, the killed run's `dropped-NNNNNN.jsonl.zst.tmp-PID` and
    /// `again.jsonl.zst.tmp-PID` stayed beside the finished files.
    @Test func cleanKilledAndRunAgainGivesTheSameKeptAndDroppedFiles() throws {
        let base = try Self.scratch("clean-kill")
        try FileManager.default.createDirectory(atPath: base + "/whole", withIntermediateDirectories: true)
        let arguments = ["clean"] + Self.inputs + ["--filters", "fineweb", "--languages", "en", "--threads", "1"]
        let whole = try CLI.run(arguments + ["-o", base + "/whole/out.jsonl.zst", "--dropped-out", base + "/whole/dropped"])
        #expect(whole.status == 0, "\(whole.stderr)")
        try FileManager.default.createDirectory(atPath: base + "/again", withIntermediateDirectories: true)
        // Killed in the main pass, once the first input's dropped file is written (later inputs remain).
        let killed = try CLI.run(arguments + ["-o", base + "/again/out.jsonl.zst", "--dropped-out", base + "/again/dropped"]) { process in
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && process.isRunning {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: base + "/again/dropped")) ?? []
                if names.contains(where: { $0.hasSuffix(".jsonl.zst") }) { break }
                usleep(2_000)
            }
            kill(process.processIdentifier, SIGKILL)
        }
        #expect(killed.status != 0, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: base + "/again/out.jsonl.zst"))
        let again = try CLI.run(arguments + ["-o", base + "/again/out.jsonl.zst", "--dropped-out", base + "/again/dropped"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(Self.files(base + "/again").keys.sorted() == ["out.jsonl.zst"])   // (directories are not listed)
        #expect(Self.files(base + "/again/dropped").keys.allSatisfy { $0.hasSuffix(".jsonl.zst") }, "\(Self.files(base + "/again/dropped").keys.sorted())")
        #expect(Self.files(base + "/again")["out.jsonl.zst"] == Self.files(base + "/whole")["out.jsonl.zst"])
        #expect(!Self.files(base + "/whole/dropped").isEmpty)
        #expect(Self.files(base + "/again/dropped") == Self.files(base + "/whole/dropped"))
    }

    /// Before, `clean -o missing/out.jsonl` said only "cannot create …: No such file or directory".
    @Test func anOutputInAMissingFolderIsRefusedNamingTheFolderAndTheFix() throws {
        let base = try Self.scratch("missing-folder")
        let r = try CLI.run(["clean", Repository.path("Fixtures/corpus/web"), "-o", base + "/no/such/out.jsonl"])
        #expect(r.status != 0 && r.stderr.contains("the folder \(base)/no/such does not exist") && r.stderr.contains("mkdir -p"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/no"))
    }

    @Test func unknownFiltersAndMinhashOnStandardInputAreRefusedWithTheFix() throws {
        let r = try CLI.run(["clean", Repository.path("Fixtures/corpus/web"), "-o", "-", "--filters", "gopher,c4"])
        #expect(r.status != 0 && r.stderr.contains("unknown filter \"gopher\"") && r.stderr.contains("gopher-rep"), "\(r.stderr)")
        let s = try CLI.run(["clean", "-", "--input-format", "text", "-o", "-", "--filters", "minhash"], stdin: Data("some text".utf8))
        #expect(s.status != 0 && s.stderr.contains("standard input") && s.stderr.contains("save"), "\(s.stderr)")
    }
}
