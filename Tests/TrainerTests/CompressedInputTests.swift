import Corpus
import Foundation
import Testing
import TestSupport
import Trainer

/// Compressed text inputs are streamed (decompressed block by block) and train exactly as the
/// plain files do.
@Suite struct CompressedInputTests {
    @Test func zstdFilesTrainLikeThePlainFiles() throws {
        let names = ["books/kjv-bible.excerpt.txt", "multilingual/de-fortunes.excerpt.txt"]
        let dir = try CLI.temporaryDirectory("trainer-compressed")
        var plain: [String] = [], compressed: [String] = []
        for (i, name) in names.enumerated() {
            let path = CLI.fixtures + "/corpus/" + name
            let bytes = try InputFile.read(path)
            plain.append(path)
            // Same sort position as the plain file: the trainer orders inputs by path.
            let zst = dir + "/\(i).txt.zst"
            try Data(Zstd.compress(bytes)).write(to: URL(fileURLWithPath: zst))
            compressed.append(zst)
        }
        var options = TrainerOptions(vocabSize: 1000)
        options.chunkSize = 16 << 10   // many chunks, so the streamed cuts are exercised
        let a = try BPETrainer.train(files: plain, options: options)
        let b = try BPETrainer.train(files: compressed, options: options)
        #expect(try a.tokenizer.huggingFaceJSON() == b.tokenizer.huggingFaceJSON())
        #expect(a.report.corpusBytes == b.report.corpusBytes && a.report.documents == b.report.documents)
    }
}
