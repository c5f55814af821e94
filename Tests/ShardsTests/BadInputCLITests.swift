import Corpus
import Foundation
import TestSupport
import Testing

/// Issue #5, "How it is checked": `tokenmill shard` on a folder of good inputs plus one bad one.
/// With the default (keep going) the bad input is reported on stderr — what was expected, what
/// was found, what to do — and every document of the good inputs is in the shards; with
/// `--strict` the run exits non-zero and leaves no manifest (so nothing looks finished).
/// Bad inputs are made here from real fixture text, never written by hand.
@Suite(.serialized) struct BadInputCLI {
    static let goodSources = ["appetite.rst.txt", "interpreter.rst.txt", "whatnow.rst.txt"]
        .map { CLI.fixtures + "/corpus/articles/python-tutorial/" + $0 }

    /// A folder holding copies of the good inputs, and the token-id lines of the documents a run
    /// on them alone yields (`tokenmill cat --ids`, one line per document).
    static func folderWithGoodInputs(_ name: String, extraArguments: [String] = []) throws -> (folder: String, good: Set<String>) {
        let dir = try CLI.temporaryDirectory(name)
        let folder = dir + "/inputs"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for source in goodSources {
            try FileManager.default.copyItem(atPath: source, toPath: folder + "/" + (source as NSString).lastPathComponent)
        }
        let reference = dir + "/reference"
        let r = try CLI.run(["shard", folder, "-o", reference] + extraArguments)
        #expect(r.status == 0, "\(r.stderr)")
        return (folder, try documentIDs(reference))
    }

    static func documentIDs(_ directory: String) throws -> Set<String> {
        let r = try CLI.run(["cat", directory, "--ids"])
        #expect(r.status == 0, "\(r.stderr)")
        return Set(r.text.split(separator: "\n").map(String.init))
    }

    /// Runs keep-going then --strict on `folder`; returns both results and the keep-going output.
    static func runBoth(_ folder: String, _ extraArguments: [String] = []) throws -> (keepGoing: CLI.Result, strict: CLI.Result, out: String, strictOut: String) {
        let base = (folder as NSString).deletingLastPathComponent
        let out = base + "/out", strictOut = base + "/strict"
        let keepGoing = try CLI.run(["shard", folder, "-o", out] + extraArguments)
        let strict = try CLI.run(["shard", folder, "-o", strictOut, "--strict"] + extraArguments)
        return (keepGoing, strict, out, strictOut)
    }

    static func expectStrictStoppedCleanly(_ result: CLI.Result, _ directory: String, mentioning fragments: [String]) {
        #expect(result.status != 0)
        for fragment in fragments { #expect(result.stderr.contains(fragment), "strict stderr lacks \(fragment): \(result.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: directory + "/manifest.json"))
    }

    /// Compresses `path` with `tool` ("gzip" or "zstd") as people make such files.
    static func compress(_ path: String, tool: String = "gzip") throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool, "-q", "-f", path]
        try p.run(); p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    @Test func truncatedGzipAndZstd() throws {
        for (tool, ext, word) in [("gzip", "gz", "gzip"), ("zstd", "zst", "zstd")] {
            let (folder, good) = try Self.folderWithGoodInputs("bad-\(ext)", extraArguments: ["--split", "lines"])
            // Real text, compressed, then cut at two thirds. Large enough (620 KB) for several
            // zstd blocks of 128 KiB: the blocks before the cut can be read, the cut one cannot.
            let path = folder + "/kjv.txt"
            var text = Data()
            for book in ["kjv-bible.excerpt.txt", "devils-dictionary.dict.txt", "jargon-file.excerpt.txt"] {
                text += try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/books/" + book))
            }
            try text.write(to: URL(fileURLWithPath: path))
            try Self.compress(path, tool: tool)
            if tool == "zstd" { try FileManager.default.removeItem(atPath: path) }
            let compressed = try Data(contentsOf: URL(fileURLWithPath: "\(path).\(ext)"))
            try compressed.prefix(compressed.count * 2 / 3).write(to: URL(fileURLWithPath: "\(path).\(ext)"))
            let (keepGoing, strict, out, strictOut) = try Self.runBoth(folder, ["--split", "lines"])
            #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
            #expect(keepGoing.stderr.contains("kjv.txt.\(ext)") && keepGoing.stderr.contains("\(word) data ends in the middle")
                    && keepGoing.stderr.contains("truncated file?") && keepGoing.stderr.contains("re-download it"), "\(keepGoing.stderr)")
            let ids = try Self.documentIDs(out)
            #expect(good.isSubset(of: ids))
            #expect(ids.count > good.count + 100)  // the lines before the cut are kept too
            Self.expectStrictStoppedCleanly(strict, strictOut, mentioning: ["kjv.txt.\(ext)", "truncated"])
        }
    }

    @Test func malformedJSONLine() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-jsonl")
        // Records made of real paragraphs; line 3 is cut short.
        let source = String(decoding: try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/articles/python-tutorial/classes.rst.txt")), as: UTF8.self)
        var lines = try source.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map {
            String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self)
        }
        // The same records without line 3, alone: what the other records must give.
        var valid = lines
        valid.remove(at: 2)
        let base = (folder as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: base + "/valid", withIntermediateDirectories: true)
        try (valid.joined(separator: "\n") + "\n").write(toFile: base + "/valid/records.jsonl", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["shard", base + "/valid", "-o", base + "/valid-out"]).status == 0)
        let validIDs = try Self.documentIDs(base + "/valid-out")
        lines[2] = String(lines[2].prefix(lines[2].count / 2))
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/records.jsonl", atomically: true, encoding: .utf8)
        let (keepGoing, strict, out, strictOut) = try Self.runBoth(folder)
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(keepGoing.stderr.contains("records.jsonl:3: expected a JSON object, found malformed JSON (expected "), "\(keepGoing.stderr)")
        #expect(keepGoing.stderr.contains("of the line) (record skipped)"), "\(keepGoing.stderr)")
        let ids = try Self.documentIDs(out)
        #expect(good.isSubset(of: ids))
        #expect(validIDs.isSubset(of: ids) && validIDs.count > 20)
        Self.expectStrictStoppedCleanly(strict, strictOut, mentioning: ["records.jsonl:3", "expected a JSON object"])
    }

    @Test func warcRecordWithWrongLength() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-warc")
        // The real example-wget-1-14.warc.gz, decompressed, with the first Content-Length edited.
        var plain = try InputFile.read(CLI.fixtures + "/formats/warc/example-wget-1-14.warc.gz")
        let text = String(decoding: plain, as: UTF8.self)
        let at = text.utf8.distance(from: text.utf8.startIndex, to: text.range(of: "Content-Length: ")!.upperBound)
        plain[at] = plain[at] == 0x39 ? 0x31 : plain[at] + 1
        try Data(plain).write(to: URL(fileURLWithPath: folder + "/capture.warc"))
        let (keepGoing, strict, out, strictOut) = try Self.runBoth(folder)
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(keepGoing.stderr.contains("capture.warc") && keepGoing.stderr.contains("Content-Length"), "\(keepGoing.stderr)")
        #expect(good.isSubset(of: try Self.documentIDs(out)))
        Self.expectStrictStoppedCleanly(strict, strictOut, mentioning: ["capture.warc", "Content-Length"])
    }

    @Test func warcWithConvertedLineEndings() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-warc-lf")
        // The real example.warc.gz, decompressed, every CRLF turned into LF (as a careless
        // conversion does): the headers no longer end with CRLF CRLF.
        let plain = try InputFile.read(CLI.fixtures + "/formats/warc/example.warc.gz")
        var converted: [UInt8] = []
        for (k, b) in plain.enumerated() where !(b == 0x0D && k + 1 < plain.count && plain[k + 1] == 0x0A) { converted.append(b) }
        try Data(converted).write(to: URL(fileURLWithPath: folder + "/converted.warc"))
        let (keepGoing, strict, out, strictOut) = try Self.runBoth(folder)
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(keepGoing.stderr.contains("converted.warc") && keepGoing.stderr.contains("headers end with LF LF, expected CRLF CRLF"), "\(keepGoing.stderr)")
        #expect(try Self.documentIDs(out) == good)
        Self.expectStrictStoppedCleanly(strict, strictOut, mentioning: ["converted.warc", "LF LF"])
    }

    @Test func invalidUTF8IsRepairedOrRejected() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-utf8")
        // A real document with two bytes that are not UTF-8 in the middle.
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/articles/python-tutorial/modules.rst.txt")))
        bytes.insert(contentsOf: [0xFF, 0xC0], at: bytes.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/modules.txt"))
        // Default: repaired with U+FFFD, kept.
        let (keepGoing, _, out, _) = try Self.runBoth(folder)
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(good.isSubset(of: try Self.documentIDs(out)))
        let all = try CLI.run(["cat", out])
        #expect(all.text.contains("\u{FFFD}"))
        // --reject-invalid-utf8: dropped with a message naming the file and the byte offset.
        let base = (folder as NSString).deletingLastPathComponent
        let rejected = try CLI.run(["shard", folder, "-o", base + "/rejected", "--reject-invalid-utf8"])
        #expect(rejected.status == 0, "\(rejected.stderr)")
        #expect(rejected.stderr.contains("modules.txt: invalid UTF-8 at byte offset") && rejected.stderr.contains("document dropped"), "\(rejected.stderr)")
        #expect(rejected.text.contains("dropped invalid_utf8: 1"))
        #expect(try Self.documentIDs(base + "/rejected") == good)
        let strict = try CLI.run(["shard", folder, "-o", base + "/strict-rejected", "--reject-invalid-utf8", "--strict"])
        Self.expectStrictStoppedCleanly(strict, base + "/strict-rejected", mentioning: ["modules.txt", "invalid UTF-8"])
    }

    @Test func emptyFileIsReportedNotFatal() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-empty")
        #expect(FileManager.default.createFile(atPath: folder + "/empty.txt", contents: Data()))
        let (keepGoing, strict, out, strictOut) = try Self.runBoth(folder)
        // An empty file is not damaged: it is counted as an empty document in the summary, and
        // --strict (which stops on damaged input) goes on too.
        #expect(keepGoing.status == 0, "\(keepGoing.stderr)")
        #expect(keepGoing.text.contains("dropped empty: 1") && keepGoing.text.contains("empty.txt"), "\(keepGoing.text)")
        #expect(try Self.documentIDs(out) == good)
        #expect(strict.status == 0, "\(strict.stderr)")
        #expect(try Self.documentIDs(strictOut) == good)
    }

    @Test func hundredMegabyteSingleLine() throws {
        let (folder, good) = try Self.folderWithGoodInputs("bad-long-line", extraArguments: ["--split", "lines"])
        // Real text with its line feeds turned into spaces, repeated to 100 MB: one line.
        var line = Array(try Data(contentsOf: URL(fileURLWithPath: CLI.fixtures + "/corpus/books/devils-dictionary.dict.txt")))
        for k in line.indices where line[k] == 0x0A || line[k] == 0x0D { line[k] = 0x20 }
        let size = 100 << 20
        var big = [UInt8]()
        big.reserveCapacity(size + line.count)
        while big.count < size { big += line }
        big.removeSubrange(size...)
        try Data(big).write(to: URL(fileURLWithPath: folder + "/one-line.txt"))
        big = []
        let start = Date()
        let r = try CLI.run(["shard", folder, "-o", (folder as NSString).deletingLastPathComponent + "/out", "--split", "lines", "--json"])
        let seconds = Date().timeIntervalSince(start)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        #expect(summary["documents_kept"] as? Int == good.count + 1)
        #expect((summary["tokens"] as? Int ?? 0) > 20_000_000)
        print("100 MB single line: \(String(format: "%.1f", seconds)) s")
    }

    /// Runs the CLI under GNU time; returns the result and its peak resident set size in bytes.
    static func measured(_ arguments: [String]) throws -> (CLI.Result, Int) {
        let r = try CLI.run(["-v", CLI.executable] + arguments, executable: "/usr/bin/time")
        let line = r.stderr.split(separator: "\n").first { $0.contains("Maximum resident set size") }
        let kilobytes = line.flatMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) } ?? Int.max
        return (r, kilobytes * 1024)
    }

    /// Issue 16 item 4: one unbroken run of text (32 MiB of one letter, zstd-compressed to a few
    /// KB) made BPE hold tens of bytes per byte of the run (encode peaked at 1 GB, shard and
    /// train-tokenizer likewise; 100 MB took 3 GB). Now a pre-token longer than
    /// --max-piece-bytes (256 KiB) is tokenized in parts, counted, and each command's peak stays
    /// within a small multiple of the document (the document and its ids are held whole) plus a
    /// fixed part; train-tokenizer stays near its --memory-limit. The ids still decode to the
    /// input.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "needs GNU time for the peak RSS"))
    func anUnbrokenRunOfOneLetterIsTokenizedInPartsWithBoundedMemory() throws {
        let dir = try CLI.temporaryDirectory("bad-one-run")
        let size = 32 << 20
        let path = dir + "/run.txt"
        try Data(repeating: 0x61, count: size).write(to: URL(fileURLWithPath: path))
        try Self.compress(path, tool: "zstd")
        let input = path + ".zst"
        let bound = 6 * size + (160 << 20)

        let (encoded, encodeRSS) = try Self.measured(["encode", input, "-o", dir + "/ids.txt"])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        #expect(encoded.stderr.contains("1 pieces longer than --max-piece-bytes 262144 were encoded in parts"), "\(encoded.stderr)")
        #expect(encodeRSS < bound, "encode peak RSS \(encodeRSS >> 20) MiB")
        let decoded = try CLI.run(["decode", dir + "/ids.txt", "-o", dir + "/back.txt"])
        #expect(decoded.status == 0, "\(decoded.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/back.txt")) == Data(repeating: 0x61, count: size))

        let (sharded, shardRSS) = try Self.measured(["shard", input, "-o", dir + "/shards", "--json", "--quiet"])
        #expect(sharded.status == 0, "\(sharded.stderr)")
        let summary = try JSONSerialization.jsonObject(with: sharded.stdout) as! [String: Any]
        #expect(summary["pieces_cut"] as? Int == 1 && summary["documents_kept"] as? Int == 1, "\(summary)")
        #expect(shardRSS < bound, "shard peak RSS \(shardRSS >> 20) MiB")

        let (trained, trainRSS) = try Self.measured(["train-tokenizer", input, "--vocab-size", "300", "--memory-limit", "64M", "--threads", "2",
                                                     "-o", dir + "/tok.json", "--json", "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let report = try JSONSerialization.jsonObject(with: trained.stdout) as! [String: Any]
        #expect(report["forced_cuts"] as? Int == 1 && report["pieces_cut"] as? Int == 2, "\(report)")
        #expect(trainRSS < (64 << 20) + (200 << 20), "train-tokenizer peak RSS \(trainRSS >> 20) MiB")
        print("one 32 MiB run: peak RSS encode \(encodeRSS >> 20) MiB, shard \(shardRSS >> 20) MiB, train-tokenizer --memory-limit 64M \(trainRSS >> 20) MiB")
    }
}

