import BPE
import Corpus
import Foundation
import Normalizer
import Testing
import Trainer

@Suite struct OutputTests {
    static let trained: TrainingResult = {
        var options = TrainerOptions(vocabSize: 2048)
        options.normalization = .nfc
        options.specialTokens = ["<|endoftext|>", "<|im_start|>"]
        options.minFrequency = 2
        return try! BPETrainer.train(files: [Paths.repo("Fixtures/corpus/books"), Paths.repo("Fixtures/corpus/multilingual")], options: options)
    }()

    static let texts: [String] = [
        "books/devils-dictionary.dict.txt", "multilingual/ja-debian-reference.excerpt.txt",
        "multilingual/emoji-test.excerpt.txt", "articles/linux-man-pages.excerpt.txt", "messy/fortunes-ru-b0.crlf.txt",
    ].map { String(decoding: try! InputFile.read(Paths.corpus($0)), as: UTF8.self) }

    @Test func roundTripsText() throws {
        let tokenizer = Self.trained.tokenizer
        for text in Self.texts {
            let ids = tokenizer.encodeOrdinary(text)
            #expect(try tokenizer.decode(ids) == UnicodeNormalizer(form: .nfc).normalize(text))
            #expect(ids.count < text.utf8.count)
        }
    }

    @Test func specialTokensFollowTheBPETokens() throws {
        let tokenizer = Self.trained.tokenizer
        #expect(tokenizer.model.count == 2046)
        #expect(tokenizer.specialTokenID("<|endoftext|>") == 2046)
        #expect(tokenizer.specialTokenID("<|im_start|>") == 2047)
        #expect(tokenizer.vocabularySize == 2048)
        #expect(try tokenizer.encode("a<|endoftext|>", specials: .allow).last == 2046)
    }

    /// The written tokenizer.json loads back (our loader) with the same ids; it records NFC.
    @Test func tokenizerJSONReloadsWithSameIDs() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/tokenizer.json"
        let json = try Self.trained.tokenizer.huggingFaceJSON()
        try json.write(to: URL(fileURLWithPath: path))
        #expect(String(decoding: json, as: UTF8.self).contains("\"NFC\""))
        let loaded = try Tokenizer.load(path)
        #expect(loaded.normalization == .nfc)
        for text in Self.texts {
            #expect(loaded.encodeOrdinary(text) == Self.trained.tokenizer.encodeOrdinary(text))
        }
        #expect(try loaded.huggingFaceJSON() == json)
    }

    @Test func reportNamesPhasesAndMerges() throws {
        let r = Self.trained.report
        #expect(r.phases.map(\.name).starts(with: ["count", "pairs", "merge", "build"]))
        #expect(r.firstMerges.count == 5 && r.lastMerges.count == 5)
        #expect(r.firstMerges[0].count >= r.lastMerges[4].count)
        #expect(r.corpusBytes > 1_000_000)
        #expect(r.uniquePreTokens > 10_000)
        #expect((r.bytesPerToken ?? 0) > 1.5)
        #expect(r.summary.contains("held-back bytes per token"))
        #expect(try JSONEncoder().encode(r).count > 100)
    }

    /// JSONL (plain and gzip-compressed) gives the same vocabulary as the same documents in memory.
    @Test func jsonlAndGzipInput() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines: [String] = []
        for text in Self.texts {
            let object = try JSONSerialization.data(withJSONObject: ["text": text, "id": 1])
            lines.append(String(decoding: object, as: UTF8.self))
        }
        let path = dir + "/docs.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", path]
        try gzip.run(); gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)

        var options = TrainerOptions(vocabSize: 1000)
        options.holdoutFraction = 0
        let inMemory = try BPETrainer.train(documents: Self.texts.map { Array($0.utf8) }, options: options)
        options.inputFormat = .jsonl
        let plain = try BPETrainer.train(files: [path], options: options)
        let compressed = try BPETrainer.train(files: [path + ".gz"], options: options)
        #expect(plain.report.documents == Self.texts.count)
        #expect(try plain.tokenizer.huggingFaceJSON() == inMemory.tokenizer.huggingFaceJSON())
        #expect(try compressed.tokenizer.huggingFaceJSON() == inMemory.tokenizer.huggingFaceJSON())
    }

    @Test func rejectsBadOptions() {
        let small = #expect(throws: TrainerError.self) { try BPETrainer.train(documents: [[65]], options: TrainerOptions(vocabSize: 100)) }
        #expect(small?.kind == .invalidOption("--vocab-size") && small?.isInvalidOption == true)
        var options = TrainerOptions(vocabSize: 300)
        options.specialTokens = ["<a>", "<a>"]
        let twice = #expect(throws: TrainerError.self) { try BPETrainer.train(documents: [[65]], options: options) }
        #expect(twice?.kind == .invalidOption("--special"))
        #expect(TrainerOptions.parseByteSize("512M") == 512 << 20)
        #expect(TrainerOptions.parseByteSize("1.5G") == 3 << 29)
        #expect(TrainerOptions.parseByteSize("x") == nil)
    }
}
