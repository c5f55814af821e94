import BPE
import Corpus
import Foundation
import TestSupport
import TokenmillSupport
import Testing

/// `tokenmill encode` / `decode` as a user runs them, checked against tiktoken's reference ids.
@Suite struct EncodeDecodeCLITests {
    func reference(_ vocab: String, _ path: String) throws -> [Int] {
        let bytes = try InputFile.read(CLI.root + "/Fixtures/reference/tiktoken-\(vocab).jsonl.zst")
        for line in bytes.split(separator: 0x0A) {
            let record = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            if record["path"] as? String == path { return record["ids"] as! [Int] }
        }
        Issue.record("no reference for \(path)")
        return []
    }

    @Test(arguments: [("gpt2", "gpt2"), ("cl100k_base", "cl100k"), ("o200k_base", "o200k")])
    func encodeMatchesTiktokenAndDecodeRestores(tokenizer: String, vocab: String) throws {
        let path = "multilingual/ja-debian-reference.excerpt.txt"
        let file = CLI.root + "/Fixtures/corpus/" + path
        let encoded = try CLI.run(["encode", "--tokenizer", tokenizer, file])
        #expect(encoded.status == 0, "\(encoded.stderr)")
        let ids = encoded.text.split(separator: "\n").first!.split(separator: " ").map { Int($0)! }
        #expect(ids == (try reference(vocab, path)))
        let dir = try CLI.temporaryDirectory("decode-\(vocab)")
        try encoded.stdout.write(to: URL(fileURLWithPath: dir + "/ids.txt"))
        let decoded = try CLI.run(["decode", "--tokenizer", tokenizer, dir + "/ids.txt"])
        #expect(decoded.status == 0)
        #expect(decoded.stdout == (try Data(contentsOf: URL(fileURLWithPath: file))))
    }

    /// `encode` reads .gz, .zst and .bz2 files as the text they hold (as `shard` and
    /// `train-tokenizer` do), and a truncated one is an error that names it.
    @Test func compressedFilesEncodeAsTheirText() throws {
        let dir = try CLI.temporaryDirectory("compressed")
        let path = "books/kjv-bible.excerpt.txt"
        let plain = dir + "/kjv.txt"
        try FileManager.default.copyItem(atPath: CLI.root + "/Fixtures/corpus/" + path, toPath: plain)
        for (tool, suffix) in [("/bin/gzip", ".gz"), ("/usr/bin/zstd", ".zst")] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["-k", "-q", plain]
            try p.run(); p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let result = try CLI.run(["encode", "--tokenizer", "gpt2", plain + suffix])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.text.split(separator: "\n").first!.split(separator: " ").map { Int($0)! } == (try reference("gpt2", path)))
            let cut = dir + "/cut" + suffix
            let bytes = try Data(contentsOf: URL(fileURLWithPath: plain + suffix))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
            let truncated = try CLI.run(["encode", "--tokenizer", "gpt2", cut])
            #expect(truncated.status != 0 && truncated.stderr.contains("cut" + suffix), "\(truncated.stderr)")
        }
        // bzip2: a real Wikipedia dump of the fixtures, against its text written out plainly.
        let dump = CLI.root + "/Fixtures/formats/wikipedia/enwiki-table-markup.xml.bz2"
        try Data(try InputFile.read(dump)).write(to: URL(fileURLWithPath: dir + "/dump.xml"))
        let fromBzip2 = try CLI.run(["encode", "--tokenizer", "gpt2", dump])
        let fromPlain = try CLI.run(["encode", "--tokenizer", "gpt2", dir + "/dump.xml"])
        #expect(fromBzip2.status == 0 && !fromBzip2.stdout.isEmpty && fromBzip2.stdout == fromPlain.stdout)
    }

    @Test func jsonlRecordsAreDocuments() throws {
        let dir = try CLI.temporaryDirectory("jsonl")
        let paths = ["books/devils-dictionary.dict.txt", "multilingual/fortunes-zh-tang300.txt"]
        var lines = ""
        for path in paths {
            let text = try String(contentsOfFile: CLI.root + "/Fixtures/corpus/" + path, encoding: .utf8)
            let data = try JSONSerialization.data(withJSONObject: ["id": path, "content": text])
            lines += String(decoding: data, as: UTF8.self) + "\n"
        }
        try lines.write(toFile: dir + "/docs.jsonl", atomically: true, encoding: .utf8)
        let result = try CLI.run(["encode", "--tokenizer", "gpt2", "--input-format", "jsonl", "--text-field", "content", dir + "/docs.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.text.split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
        #expect(rows.count == 2)
        for (row, path) in zip(rows, paths) { #expect(row == (try reference("gpt2", path))) }

        let missing = try CLI.run(["encode", "--input-format", "jsonl", dir + "/docs.jsonl"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("docs.jsonl:1") && missing.stderr.contains("\"text\""))
    }

    @Test func invalidUTF8IsAnErrorWithOffsetUnlessLossy() throws {
        let file = CLI.root + "/Fixtures/corpus/messy/python-sgml_input.invalid-utf8.html"
        let bytes = try InputFile.read(file)
        let offset = bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) }!
        let strict = try CLI.run(["encode", file])
        #expect(strict.status != 0)
        #expect(strict.stderr.contains("python-sgml_input.invalid-utf8.html") && strict.stderr.contains("byte offset \(offset)"))
        let lossy = try CLI.run(["encode", "--lossy", file])
        #expect(lossy.status == 0)
        let ids = lossy.text.split(separator: "\n").first!.split(separator: " ").map { Int($0)! }
        #expect(ids == (try reference("gpt2", "messy/python-sgml_input.invalid-utf8.html")))
        // The repairs are counted, not silent: as many as the validator's repair makes.
        let replaced = UTF8Validation.repair(bytes).replacements
        #expect(replaced > 0 && lossy.stderr.contains("\(replaced) invalid UTF-8 sequences were replaced by U+FFFD"), "\(lossy.stderr)")
    }

    @Test func binaryOutputRoundTrips() throws {
        let dir = try CLI.temporaryDirectory("binary")
        let file = CLI.root + "/Fixtures/corpus/multilingual/ru-fortunes.excerpt.txt"
        for width in ["u16", "u32"] {
            let out = dir + "/ids.\(width)"
            let encoded = try CLI.run(["encode", "--tokenizer", "gpt2", "--output", width, "--eot", "none", "-o", out, file])
            #expect(encoded.status == 0, "\(encoded.stderr)")
            let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as! Int
            #expect(size == (try reference("gpt2", "multilingual/ru-fortunes.excerpt.txt")).count * (width == "u16" ? 2 : 4))
            let decoded = try CLI.run(["decode", "--tokenizer", "gpt2", "--input-format", width, out])
            #expect(decoded.stdout == (try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        // o200k ids do not fit in 16 bits: a clear error, not truncated ids.
        let tooWide = try CLI.run(["encode", "--tokenizer", "o200k_base", "--output", "u16", "-o", dir + "/x", file])
        #expect(tooWide.status != 0 && tooWide.stderr.contains("u32"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/x"))
    }

    /// Raw ids for a training script keep document boundaries: the end-of-text token before each
    /// document by default (the shards' and llm.c's convention), after each with `--eot after`
    /// (nanoGPT's prepare.py), none with `--eot none`; documents from several files and JSONL
    /// records keep their order; text output matches the reference ids digit for digit.
    @Test func binaryOutputSeparatesDocumentsWithEndOfText() throws {
        let dir = try CLI.temporaryDirectory("eot")
        let paths = ["multilingual/ru-fortunes.excerpt.txt", "books/kjv-bible.excerpt.txt", "multilingual/fortunes-zh-tang300.txt"]
        let files = paths.map { CLI.root + "/Fixtures/corpus/" + $0 }
        let refs = try paths.map { try reference("gpt2", $0) }
        func read(_ path: String, _ width: Int) throws -> [Int] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return stride(from: 0, to: data.count, by: width).map { i in
                (0..<width).reduce(0) { $0 | Int(data[i + $1]) << (8 * $1) }
            }
        }
        for (width, name) in [(2, "u16"), (4, "u32")] {
            var expected: [String: [Int]] = ["before": [], "after": [], "none": []]
            for r in refs { expected["before"]! += [50256] + r; expected["after"]! += r + [50256]; expected["none"]! += r }
            for placement in ["before", "after", "none", "default"] {
                let out = dir + "/\(placement).\(name)"
                let flag = placement == "default" ? [] : ["--eot", placement]
                let r = try CLI.run(["encode", "--tokenizer", "gpt2", "--output", name, "-o", out, "--threads", "2"] + flag + files)
                #expect(r.status == 0, "\(r.stderr)")
                #expect(try read(out, width) == expected[placement == "default" ? "before" : placement], "\(name) --eot \(placement)")
            }
        }
        let text = try CLI.run(["encode", "--tokenizer", "gpt2"] + files)
        let rows = text.text.split(separator: "\n").map { $0.split(separator: " ").map { Int($0)! } }
        #expect(rows == refs)
        let wrong = try CLI.run(["encode", "--eot", "after", "-"], stdin: Data("x".utf8))
        #expect(wrong.status != 0 && wrong.stderr.contains("--eot"))
    }

    @Test func specialTokenTextFollowsThePolicy() throws {
        let text = Data("see <|endoftext|> here".utf8)
        let ordinary = try CLI.run(["encode", "-"], stdin: text)
        #expect(!ordinary.text.contains("50256"))
        let allowed = try CLI.run(["encode", "--special", "allow", "-"], stdin: text)
        #expect(allowed.text.contains("50256"))
        let rejected = try CLI.run(["encode", "--special", "reject", "-"], stdin: text)
        #expect(rejected.status != 0 && rejected.stderr.contains("<|endoftext|>"))
    }

    @Test func convertWritesAFileThatLoadsToTheSameEncoder() throws {
        let dir = try CLI.temporaryDirectory("convert")
        let result = try CLI.run(["convert", "--tokenizer", "cl100k_base", "-o", dir + "/tokenizer.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = CLI.root + "/Fixtures/corpus/books/kjv-bible.excerpt.txt"
        let a = try CLI.run(["encode", "--tokenizer", "cl100k_base", file])
        let b = try CLI.run(["encode", "--tokenizer", dir + "/tokenizer.json", file])
        #expect(a.status == 0 && a.stdout == b.stdout)
    }
}
