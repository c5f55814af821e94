import BPE
import Corpus
import Foundation
import Testing
import Trainer

@Suite struct InteropTests {
    static func fnv(_ ids: [TokenID]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for id in ids {
            var v = id.littleEndian
            withUnsafeBytes(of: &v) { for b in $0 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Hugging Face tokenizers, loading the bundled demo vocabulary (written by this trainer),
    /// gives the same ids as our encoder on every valid-UTF-8 fixture document
    /// (Fixtures/trainer/hf-ids-demo.json, made by scripts/make_trainer_reference.py).
    @Test func huggingFaceIdsMatchOurEncoder() throws {
        let tokenizer = try Tokenizer.load(Paths.repo("Vocab/tokenmill-demo-8k.json"))
        #expect(tokenizer.vocabularySize == 8192)
        #expect(tokenizer.specialTokenID("<|endoftext|>") == 8191)
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Fixtures/trainer/hf-ids-demo.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let documents = root["documents"] as! [[String: Any]]
        #expect(documents.count > 30)
        for doc in documents {
            let path = doc["path"] as! String
            let text = String(decoding: try InputFile.read(Paths.corpus(path)), as: UTF8.self)
            let ids = tokenizer.encodeOrdinary(text)
            #expect(ids.count == doc["tokens"] as! Int, "\(path)")
            #expect(Self.fnv(ids) == doc["fnv64"] as! String, "\(path)")
            #expect(Array(ids.prefix(16)).map(Int.init) == doc["first"] as! [Int], "\(path)")
        }
    }

    /// The bundled demo vocabulary is what the documented command makes (Vocab/tokenmill-demo.md).
    @Test func demoVocabularyIsReproducible() throws {
        var options = TrainerOptions(vocabSize: 8192)
        options.specialTokens = ["<|endoftext|>"]
        options.minFrequency = 2
        let result = try BPETrainer.train(files: [Paths.repo("Fixtures/corpus")], options: options)
        let bundled = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Vocab/tokenmill-demo-8k.json")))
        #expect(try result.tokenizer.huggingFaceJSON() == bundled)
    }
}
