import Corpus
import Foundation
import Testing
import TestSupport
import Trainer

/// JSONL inputs are streamed record by record (Corpus's `DocumentReader` over its `LineReader`)
/// and train exactly as the same documents given as text files; the phases (count, merge counts,
/// train) compose to the same result as one call.
@Suite struct JSONLInputTests {
    /// Real fixture text, one document per file; the CRLF file keeps its "\r\n" through JSON.
    static let names = [
        "books/devils-dictionary.dict.txt", "books/kjv-bible.excerpt.txt", "messy/fortunes-ru-b0.crlf.txt",
        "multilingual/ja-debian-reference.excerpt.txt", "multilingual/emoji-test.excerpt.txt",
        "multilingual/ar-debian-handbook.excerpt.txt",
    ]

    static func options(_ format: InputFormat, threads: Int = 2) -> TrainerOptions {
        var options = TrainerOptions(vocabSize: 1500)
        options.holdoutFraction = 0   // the hold-out follows chunk boundaries, which differ by format
        options.chunkSize = 16 << 10  // many chunks, and the 384 KB document is cut in several
        options.inputFormat = format
        options.threads = threads
        options.specialTokens = ["<|endoftext|>"]
        return options
    }

    /// Writes the fixture documents as docs.jsonl, docs.jsonl.gz and docs.jsonl.zst.
    static func writeJSONL(_ dir: String) throws -> [String] {
        var data = Data()
        for (i, name) in names.enumerated() {
            let text = String(decoding: try InputFile.read(CLI.fixtures + "/corpus/" + name), as: UTF8.self)
            data += try JSONSerialization.data(withJSONObject: ["id": i, "source": name, "text": text], options: [.sortedKeys])
            data += Data("\n".utf8)
        }
        let plain = dir + "/docs.jsonl"
        try data.write(to: URL(fileURLWithPath: plain))
        try Data(Zstd.compress(Array(data))).write(to: URL(fileURLWithPath: plain + ".zst"))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run(); gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        return [plain, plain + ".gz", plain + ".zst"]
    }

    /// Corpus's `InputFormat` has formats training does not read: they are refused by name,
    /// before any file is opened (the Trainer had its own two-case enum, so it could not be asked).
    @Test func formatsTrainingDoesNotReadAreRefused() throws {
        for format in InputFormat.allCases where !TrainerOptions.supportedInputFormats.contains(format) {
            #expect(throws: TrainerError.self) {
                try BPETrainer.train(files: [CLI.fixtures + "/corpus/" + Self.names[0]], options: Self.options(format))
            }
            do {
                _ = try BPETrainer.train(files: [CLI.fixtures + "/corpus/" + Self.names[0]], options: Self.options(format))
            } catch {
                #expect("\(error)".contains("expected text or jsonl, found \(format.rawValue)"), "\(error)")
            }
        }
    }

    @Test func jsonlPlainGzipAndZstdTrainLikeTheTextFiles() throws {
        let dir = try CLI.temporaryDirectory("trainer-jsonl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let jsonl = try Self.writeJSONL(dir)
        let text = try BPETrainer.train(files: Self.names.map { CLI.fixtures + "/corpus/" + $0 }, options: Self.options(.text))
        let reference = try text.tokenizer.huggingFaceJSON()
        #expect(text.report.merges == 1500 - 256 - 1)
        for (k, path) in jsonl.enumerated() {
            let result = try BPETrainer.train(files: [path], options: Self.options(.jsonl, threads: 1 + k % 2))
            #expect(try result.tokenizer.huggingFaceJSON() == reference, "\(path)")
            #expect(result.report.documents == Self.names.count)
            #expect(result.report.preTokens == text.report.preTokens)
            #expect(result.report.uniquePreTokens == text.report.uniquePreTokens)
            #expect(result.report.trainedBytes == text.report.trainedBytes)
        }
    }

    /// A malformed record stops training with an error naming the file and line.
    @Test func malformedRecordNamesFileAndLine() throws {
        let dir = try CLI.temporaryDirectory("trainer-jsonl-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/bad.jsonl"
        try Data("{\"text\": \"fine\"}\n\n{\"body\": \"no text field\"}\n".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try BPETrainer.train(files: [path], options: Self.options(.jsonl))
            Issue.record("expected an error")
        } catch {
            let message = "\(error)"
            #expect(message.contains("bad.jsonl:3"), "\(message)")
            #expect(message.contains("\"text\""), "\(message)")
        }
    }

    /// End to end: `tokenmill train-tokenizer --input-format jsonl` on the .jsonl.zst writes the
    /// same tokenizer.json as on the text files, reports the documents, and names a bad line.
    @Test func cliTrainsOnJSONLAndReportsBadLines() throws {
        let dir = try CLI.temporaryDirectory("trainer-jsonl-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let jsonl = try Self.writeJSONL(dir)
        let common = ["train-tokenizer", "--vocab-size", "1000", "--holdout", "0", "--special", "<|endoftext|>", "--json"]
        let text = try CLI.run(common + ["-o", dir + "/text.json"] + Self.names.map { CLI.fixtures + "/corpus/" + $0 })
        let zst = try CLI.run(common + ["--input-format", "jsonl", "--threads", "1", "-o", dir + "/jsonl.json", jsonl[2]])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(zst.status == 0, "\(zst.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/text.json")) == Data(contentsOf: URL(fileURLWithPath: dir + "/jsonl.json")))
        let report = try #require(try JSONSerialization.jsonObject(with: zst.stdout) as? [String: Any])   // snake_case keys
        #expect(report["documents"] as? Int == Self.names.count && report["files"] as? Int == 1, "\(report)")

        let bad = dir + "/bad.jsonl"
        try Data("{\"text\": \"fine\"}\n[1, 2]\n".utf8).write(to: URL(fileURLWithPath: bad))
        let failed = try CLI.run(["train-tokenizer", "--vocab-size", "300", "--input-format", "jsonl", "-o", dir + "/bad.json", bad])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("bad.jsonl:2") && failed.stderr.contains("expected a JSON object"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/bad.json"))
    }

    /// Counting files separately and merging the counts gives the same tokenizer as one run (the
    /// phases another process can run on its own share of the files).
    @Test func countedPartsMergeToTheWhole() throws {
        let files = Self.names.map { CLI.fixtures + "/corpus/" + $0 }
        let options = Self.options(.text)
        let whole = try BPETrainer.train(files: files, options: options)
        var first = try BPETrainer.countPreTokens(files: Array(files[..<3]), options: options)
        let second = try BPETrainer.countPreTokens(files: Array(files[3...]), options: options)
        first.merge(second, options: options)
        #expect(first.report.files == files.count)
        #expect(first.report.preTokens == whole.report.preTokens)
        #expect(first.counts.count == whole.report.uniquePreTokens)
        let merged = try BPETrainer.train(counts: first, options: options)
        #expect(try merged.tokenizer.huggingFaceJSON() == whole.tokenizer.huggingFaceJSON())
        // The counts can also be rebuilt entry by entry (as a process receiving them would).
        var rebuilt = PreTokenCounts()
        first.counts.forEach { bytes, count in rebuilt.add(Array(bytes), count: count) }
        #expect(rebuilt.count == first.counts.count && rebuilt.totalOccurrences == first.counts.totalOccurrences)
        let again = try BPETrainer.train(counts: CountingResult(counts: rebuilt), options: options)
        #expect(again.merges.map { $0.left + [0] + $0.right } == whole.merges.map { $0.left + [0] + $0.right })
    }
}
