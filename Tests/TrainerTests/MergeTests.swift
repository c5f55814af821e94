import BPE
import Foundation
import Normalizer
import Testing
import Trainer

@Suite struct MergeTests {
    /// The Hugging Face course example, merges derived by hand: (u,g) 20, (u,n) 16, (h,ug) 15, (p,un) 12.
    @Test func handDerivedMerges() throws {
        let words: [([UInt8], UInt64)] = [("hug", 10), ("pug", 5), ("pun", 12), ("bun", 4), ("hugs", 5)].map { (Array($0.0.utf8), UInt64($0.1)) }
        var options = TrainerOptions(vocabSize: 256 + 4)
        options.threads = 1
        let result = try BPETrainer.train(wordCounts: words, options: options)
        let got = result.merges.map { String(decoding: $0.left, as: UTF8.self) + " " + String(decoding: $0.right, as: UTF8.self) }
        #expect(got == ["u g", "u n", "h ug", "p un"])
        // Ids: bytes first, then merged tokens in order.
        #expect(result.tokenizer.model.id(of: Array("ug".utf8)) == 256)
        #expect(result.tokenizer.model.id(of: Array("pun".utf8)) == 259)
    }

    /// A line of The Devil's Dictionary, split by hand into GPT-2 pre-tokens; the first merges
    /// follow from counting letters: "ABASEMENT, n." has "A B A S E M E N T".
    @Test func devilsDictionaryHeadword() throws {
        let text = "ABASEMENT, n.  A decent and customary mental attitude in the presence"
        let words = preTokenCounts([text])
        #expect(words.map { String(decoding: $0.0, as: UTF8.self) }.contains(" customary"))
        var options = TrainerOptions(vocabSize: 256 + 3)
        let result = try BPETrainer.train(wordCounts: words, options: options)
        let got = result.merges.map { BPETrainer.byteLevel($0.left) + " " + BPETrainer.byteLevel($0.right) }
        // Counts: "Ġ a" 2 (" attitude", " and"... ), "e n" 2 (" decent", " presence"), "n t" 2 ... ties
        // go to the smaller id pair; the brute-force reference agrees.
        let reference = referenceMerges(words: words, merges: 3).map { BPETrainer.byteLevel($0.left) + " " + BPETrainer.byteLevel($0.right) }
        #expect(got == reference)
        options.vocabSize = 256
        #expect(try BPETrainer.train(wordCounts: words, options: options).merges.isEmpty)
    }

    /// The incremental merge loop against the brute-force reference on real text excerpts.
    @Test(arguments: [
        ("books/devils-dictionary.dict.txt", 0..<400, 300, 0, Int.max),
        ("books/kjv-bible.excerpt.txt", 0..<300, 400, 2, Int.max),
        ("multilingual/ru-fortunes.excerpt.txt", 0..<200, 300, 0, 5),
        ("multilingual/zh-debian-reference.excerpt.txt", 0..<200, 250, 0, Int.max),
        ("articles/linux-man-pages.excerpt.txt", 0..<300, 300, 3, 4),
    ])
    func matchesBruteForce(path: String, range: Range<Int>, merges: Int, minFrequency: Int, maxLength: Int) throws {
        let text = lines(path, range)
        for pattern in [SplitPattern.gpt2, .o200k] {
            let words = preTokenCounts([text], pattern: pattern)
            var options = TrainerOptions(vocabSize: 256 + merges)
            options.minFrequency = minFrequency
            options.maxTokenLength = maxLength == Int.max ? nil : maxLength
            let got = try BPETrainer.train(wordCounts: words, options: options).merges
            let want = referenceMerges(words: words, merges: merges, minFrequency: UInt64(minFrequency), maxTokenLength: maxLength)
            #expect(got.count == want.count, "\(path) \(pattern.name)")
            let same = got.map { $0.left + [0xFF, 0xFF] + $0.right } == want.map { $0.left + [0xFF, 0xFF] + $0.right }
            #expect(same, "\(path) \(pattern.name)")
        }
    }

    /// Hugging Face's BpeTrainer on whole fixture files (scripts/make_trainer_reference.py): the
    /// same merges in the same order.
    @Test func matchesHuggingFaceBpeTrainer() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Fixtures/trainer/hf-reference.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let cases = root["cases"] as! [[String: Any]]
        #expect(cases.count >= 5)
        for c in cases {
            let name = c["name"] as! String
            let files = (c["files"] as! [String]).map(Paths.corpus)
            var options = TrainerOptions(vocabSize: c["vocab_size"] as! Int)
            options.pattern = SplitPattern(name: c["pattern"] as! String)!
            options.normalization = NormalizationForm(rawValue: c["normalize"] as! String)!
            options.minFrequency = c["min_frequency"] as! Int
            options.maxTokenLength = c["max_token_length"] as? Int
            options.specialTokens = ["<|endoftext|>"]
            options.holdoutFraction = 0
            options.chunkSize = 1 << 14  // many chunks: the cuts must not change anything
            let result = try BPETrainer.train(files: files, options: options)
            let got = result.merges.map { [BPETrainer.byteLevel($0.left), BPETrainer.byteLevel($0.right)] }
            let want = c["merges"] as! [[String]]
            #expect(got.count == want.count, "\(name)")
            let firstDifference = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(firstDifference == nil, "\(name): first difference \(String(describing: firstDifference))")
            #expect(result.tokenizer.vocabularySize == c["vocab_count"] as! Int, "\(name)")
        }
    }
}
