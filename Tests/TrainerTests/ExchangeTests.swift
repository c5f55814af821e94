import Foundation
import TestSupport
import Testing
import Trainer

/// The byte form ranks send each other: counts survive it exactly, and a damaged message is
/// refused rather than trained on.
@Suite struct ExchangeTests {
    static func options() -> TrainerOptions {
        var o = TrainerOptions(vocabSize: 600)
        o.threads = 1
        return o
    }

    @Test func countsSurviveTheRoundTrip() throws {
        let files = [CLI.fixtures + "/corpus/books", CLI.fixtures + "/corpus/multilingual"]
        let counted = try BPETrainer.countPreTokens(files: files, options: Self.options())
        let bytes = try counted.serialized()
        let back = try CountingResult(serialized: bytes)
        #expect(back.counts.count == counted.counts.count)
        #expect(back.counts.totalOccurrences == counted.counts.totalOccurrences)
        #expect(back.heldOut == counted.heldOut)
        let a = try BPETrainer.train(counts: counted, options: Self.options())
        let b = try BPETrainer.train(counts: back, options: Self.options())
        #expect(try a.tokenizer.huggingFaceJSON() == b.tokenizer.huggingFaceJSON())
    }

    @Test func aTruncatedMessageIsRefused() throws {
        let counted = try BPETrainer.countPreTokens(files: [CLI.fixtures + "/corpus/books"], options: Self.options())
        let bytes = try counted.serialized()
        // A damaged message is the run's failure, not the options': its kind says so (the CLI
        // printed it as a usage error before, with the usage text and exit 64), with the place.
        let cut = #expect(throws: TrainerError.self) { try CountingResult(serialized: Array(bytes.dropLast(3))) }
        #expect(cut?.isInvalidOption == false)
        guard case .damagedCountsMessage(let byte, let length)? = cut?.kind else { Issue.record("\(String(describing: cut))"); return }
        #expect(length == bytes.count - 3 && byte <= length && cut!.description.contains("at byte \(byte) of \(length)"))
        let foreign = #expect(throws: TrainerError.self) { try CountingResult(serialized: Array("not a message".utf8)) }
        #expect(foreign?.kind == .damagedCountsMessage(byte: 8, length: 13), "\(String(describing: foreign))")
    }
}
