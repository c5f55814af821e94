import BPE
import Corpus
import Foundation
import TestSupport
import Testing

/// The encoder core's shortcuts (issue 17): each must give what the plain path gives.
@Suite struct EncoderCoreTests {
    /// The hash's masked-load tail equals its byte loop for every length and every place of the
    /// piece in the buffer (a wrong mask would change the hash, and with it every lookup).
    @Test func theMaskedTailHashEqualsTheByteLoop() {
        let bytes = (0..<96).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) }
        bytes.withUnsafeBufferPointer { b in
            for start in 0..<48 {
                for n in 1...(b.count - start) {
                    let p = b.baseAddress! + start
                    #expect(ByteStringHash.hash(p, n, readable: b.count - start) == ByteStringHash.hash(p, n),
                            "start \(start), length \(n)")
                }
            }
        }
    }

    /// Every token's bytes look up to that token, whatever its length: up to 24 bytes they are
    /// compared inline in the index slot, longer ones in the arena.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func everyTokenIsFoundByItsBytes(name: String) {
        let model = Tokenizers.named(name).model
        var checked = 0, long = 0
        for id in 0..<model.count {
            guard let bytes = model.bytes(of: TokenID(id)) else { continue }
            #expect(model.id(of: bytes) == TokenID(id), "\(name) id \(id), \(bytes.count) bytes")
            checked += 1
            if bytes.count > 24 { long += 1 }
        }
        #expect(checked > 50_000 && long > 0)
    }

    /// A text long enough for the piece cache (≥ 2 KB) in which multi-token words recur, with
    /// near twins of the same length (one letter changed, so they land anywhere in the cache):
    /// its ids equal the concatenation of each word encoded alone (too short for a cache).
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func repeatedPiecesGetTheIdsOfTheirFirstEncoding(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let stems = ["Tokenmillisation", "Zwischenergebnis", "непредсказуемость", "достопримечательность",
                     "Hochgeschwindigkeitszug", "ありがとうございました", "曾經滄海難為水", "Donaudampfschiff"]
        var words: [String] = []
        for round in 0..<60 {
            for stem in stems {
                words.append(" " + stem)
                words.append(" " + stem.dropLast() + ["q", "ж", "x", "ü"][round % 4])
            }
        }
        let text = words.joined()
        #expect(text.utf8.count > 8192)
        let whole = try tokenizer.encode(text, specials: .ordinary)
        let alone = try words.flatMap { try tokenizer.encode($0, specials: .ordinary) }
        #expect(whole == alone, "\(name): \(firstDifference(whole, alone))")
    }
}
