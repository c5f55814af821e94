import BPE
import Corpus
import Foundation
import Testing

/// Adversarial pieces (thousands of bytes long) against tiktoken's ids: the heap merge path.
@Suite struct WorstCaseTests {
    @Test func adversarialInputsMatchTiktoken() throws {
        let sample = try InputFile.read(Paths.repo("Fixtures/corpus/books/devils-dictionary.dict.txt"))
            .filter { $0 < 0x80 && $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0x0A }
        let size = 20000
        let digits = String(repeating: "31415926535897932384626433832795028841971693993751", count: 400)
        let inputs: [String: String] = [
            "repeated-a": String(repeating: "a", count: size),
            "digits": String(digits.prefix(size)),
            "no-spaces": String(decoding: (sample + sample).prefix(size), as: UTF8.self),
        ]
        let bytes = try InputFile.read(Paths.repo("Fixtures/reference/tiktoken-worst-case.jsonl.zst"))
        var checked = 0
        for line in bytes.split(separator: 0x0A) {
            let record = try JSONSerialization.jsonObject(with: Data(line)) as! [String: Any]
            let name = record["case"] as! String, vocab = record["vocab"] as! String
            let expected = (record["ids"] as! [Int]).map { TokenID($0) }
            let ids = try Tokenizers.named(vocab).encode(inputs[name]!, specials: .ordinary)
            #expect(ids == expected, "\(name) with \(vocab): \(firstDifference(ids, expected))")
            checked += 1
        }
        #expect(checked == 9)
    }
}
