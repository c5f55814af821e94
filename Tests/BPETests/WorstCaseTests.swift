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

    /// Issue 16 item 4: a piece longer than `maxPieceBytes` is encoded as consecutive parts of
    /// at most that many bytes, each cut moved back to a character start — the ids are those of
    /// the parts encoded alone, deterministic, counted, and decode to the input. Under the limit
    /// nothing changes (tiktoken's ids above).
    @Test func piecesOverTheLimitAreEncodedInPartsCutAtCharacterStarts() throws {
        for (unit, limit) in [("a", 1000), ("é", 1001), ("中", 1000), ("0", 4)] {
            var tokenizer = Tokenizers.named("gpt2")
            tokenizer.maxPieceBytes = limit
            let text = String(repeating: unit, count: 3 * limit / unit.utf8.count + 7)
            let ids = try tokenizer.encode(text, specials: .ordinary)
            #expect(tokenizer.piecesCut == 1, "\(unit)")
            #expect(try tokenizer.decode(ids) == text)
            // The parts: whole characters, each at most `limit` bytes, as long as they can be.
            var parts: [String] = [], rest = Substring(text)
            while rest.utf8.count > limit {
                let n = limit / unit.utf8.count
                parts.append(String(rest.prefix(n))); rest = rest.dropFirst(n)
            }
            parts.append(String(rest))
            var unlimited = Tokenizers.named("gpt2")
            unlimited.maxPieceBytes = Int.max
            let expected = try parts.flatMap { try unlimited.encode($0, specials: .ordinary) }
            #expect(ids == expected, "\(unit) with limit \(limit)")
            #expect(unlimited.piecesCut == 0)
            // Text whose pieces are all under the limit is encoded as before.
            if limit >= 16 {
                let prose = "The quick brown fox jumps over the lazy dog. " + String(repeating: unit, count: (limit - 1) / unit.utf8.count)  // with its space, within the limit
                #expect(try tokenizer.encode(prose, specials: .ordinary) == unlimited.encode(prose, specials: .ordinary))
                #expect(tokenizer.piecesCut == 1)
            }
        }
    }
}
