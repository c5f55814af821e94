import BPE
import Foundation
import Testing
import Trainer

@Suite struct DeterminismTests {
    static let files = [
        "books/devils-dictionary.dict.txt", "books/kjv-bible.excerpt.txt", "books/jargon-file.excerpt.txt",
        "multilingual/zh-debian-reference.excerpt.txt", "multilingual/ru-fortunes.excerpt.txt",
        "messy/python-sgml_input.invalid-utf8.html", "messy/fortunes-ru-b0.crlf.txt",
    ].map(Paths.corpus)

    func train(_ files: [String], threads: Int, chunkSize: Int = 1 << 15, memoryLimit: Int? = nil,
               holdout: Double = 0.01) throws -> (json: Data, report: TrainingReport) {
        var options = TrainerOptions(vocabSize: 3000)
        options.threads = threads
        options.mergeWordsPerThread = 0   // the merge loop on `threads` threads too, on these small files
        options.chunkSize = chunkSize
        options.holdoutFraction = holdout
        options.specialTokens = ["<|endoftext|>", "<|pad|>"]
        if let memoryLimit { options.memoryLimit = memoryLimit }
        let result = try BPETrainer.train(files: files, options: options)
        return (try result.tokenizer.huggingFaceJSON(), result.report)
    }

    @Test func sameBytesForAnyThreadCountAndFileOrder() throws {
        let a = try train(Self.files, threads: 1)
        let b = try train(Self.files.reversed(), threads: 2)
        let c = try train([Self.files[3], Self.files[0], Self.files[6], Self.files[1], Self.files[5], Self.files[2], Self.files[4]], threads: 3)
        #expect(a.json == b.json)
        #expect(a.json == c.json)
        #expect(a.report.merges == 3000 - 256 - 2)
        #expect(a.report.heldOutBytes > 0)
        #expect(a.report.bytesPerToken != nil)
        #expect(a.report.utf8Replacements > 0)  // the invalid-UTF-8 fixture
    }

    /// Chunk cuts fall where they cannot change a pre-token: training with no cuts and with many
    /// gives the same vocabulary.
    @Test func chunkSizeDoesNotMatter() throws {
        let whole = try train(Self.files, threads: 2, chunkSize: 1 << 30, holdout: 0)
        let cut = try train(Self.files, threads: 2, chunkSize: 4096, holdout: 0)
        #expect(whole.json == cut.json)
        #expect(whole.report.preTokens == cut.report.preTokens)
    }

    /// Under a tight memory limit the rarest entries are pruned, identically for 1 and 2 threads
    /// and any file order, and the report says how much was dropped.
    @Test func pruningIsDeterministic() throws {
        let a = try train(Self.files, threads: 1, chunkSize: 1 << 14, memoryLimit: 400_000)
        let b = try train(Self.files.reversed(), threads: 2, chunkSize: 1 << 14, memoryLimit: 400_000)
        #expect(a.json == b.json)
        #expect(a.report.prunings > 0)
        #expect(a.report.prunedEntries > 0)
        #expect(a.report.prunedOccurrences > 0 && a.report.prunedFraction < 0.5)
        #expect(a.report.peakTableBytes <= 400_000 + (1 << 20))
        let unlimited = try train(Self.files, threads: 2, chunkSize: 1 << 14)
        #expect(unlimited.report.prunings == 0)
        #expect(unlimited.report.uniquePreTokens > a.report.uniquePreTokens)
    }

    /// The merge loop is held to the limit too: a limit the counted table fits in, but the merge
    /// loop's words and pairs would not, prunes once more before merging (same rule, so still
    /// deterministic), and the report says so.
    @Test func mergeLoopIsHeldToTheLimit() throws {
        let unlimited = try train(Self.files, threads: 2, chunkSize: 1 << 14)
        let limit = unlimited.report.peakTableBytes * 3 / 2   // counting never prunes
        let a = try train(Self.files, threads: 1, chunkSize: 1 << 14, memoryLimit: limit)
        let b = try train(Self.files.reversed(), threads: 2, chunkSize: 1 << 14, memoryLimit: limit)
        #expect(a.json == b.json)
        #expect(a.report.prunings == 1)
        #expect(a.report.peakTableBytes == unlimited.report.peakTableBytes)
        #expect(a.report.uniquePreTokens < unlimited.report.uniquePreTokens)
        #expect(a.report.prunedOccurrences > 0 && a.report.prunedFraction < 0.5)
        #expect(a.report.preTokens == unlimited.report.preTokens)
        #expect(a.report.merges == unlimited.report.merges)
    }
}
