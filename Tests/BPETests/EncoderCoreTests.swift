import BPE
import Corpus
import Foundation
import TestSupport
import Testing
import TokenmillSupport

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

    /// Random text of letters from several scripts, digits, spaces and punctuation, split by the
    /// tokenizer's own pattern: every piece's ids equal textbook BPE on the ranks (merge the
    /// adjacent pair whose concatenation has the lowest rank, leftmost first; a piece that is a
    /// token is that token, as tiktoken does). It checks the one-word pair table (every split of
    /// every token a rule, looked up by id), the byte-pair array that starts each merge, and the
    /// paired neighbour lookups, on pieces tiktoken's fixtures may not reach.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func piecesEncodeAsTextbookBPEOnTheRanks(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let model = tokenizer.model
        let alphabet = Array("etaoinshrdlucmfwypvbgkqjxz ETAOIN   0123456789.,;'-!?éüßжщыйחשوك的是中國ありがとう🙂".unicodeScalars)
        var random = SplitMix64(seed: 17)
        var checked = 0, merged = 0
        for _ in 0..<400 {
            let length = 1 + Int(random.next() % 60)
            var text = String.UnicodeScalarView()
            for _ in 0..<length { text.append(alphabet[Int(random.next() % UInt64(alphabet.count))]) }
            for piece in tokenizer.preTokenizer.pieces(String(text)) {
                let bytes = Array(piece.utf8)
                let expected = Self.textbookBPE(bytes, model)
                #expect(try tokenizer.encode(piece, specials: .ordinary) == expected, "\(name): \(bytes)")
                checked += 1
                if expected.count > 1 { merged += 1 }
            }
        }
        #expect(checked > 2000 && merged > 500)
    }

    /// The short-piece cache keys a piece by its bytes zero-padded to two words and by its
    /// length: pieces that pad to the same words ("!!", "!!\0", "!!\0\0"), pieces of 2, 8, 9, 16
    /// and 17 bytes, and pieces of 1 to 4 ids, recurring in a text long enough for the caches,
    /// each get textbook BPE's ids — also at the very end of the text, where a piece's key is
    /// read byte by byte.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func shortPiecesThatPadAlikeKeepTheirOwnIds(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let words = [" !!", " !!\u{0}", " !!\u{0}\u{0}", " ?\u{0}", " ?\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}", " qz", " qzx",
                     " Zwqxk", " ЖЖЖ", " жщыйжщыйж", " Hochgeschwind", " Hochgeschwindi", " Hochgeschwindig",
                     " 曾經滄海", " 曾經滄海難", " the", " and", " 🙂🙂", " xqxqxqxq"]
        var random = SplitMix64(seed: 7)
        var text = ""
        while text.utf8.count < 12_000 { text += words[Int(random.next() % UInt64(words.count))] }
        for tail in [" qzx", " !!\u{0}", " Hochgeschwindig", " ЖЖЖ"] {
            let whole = try tokenizer.encode(text + tail, specials: .ordinary)
            let expected = tokenizer.preTokenizer.pieces(text + tail).flatMap { Self.textbookBPE(Array($0.utf8), tokenizer.model) }
            #expect(whole == expected, "\(name), tail \(Array(tail.utf8)): \(firstDifference(whole, expected))")
            let batch = try tokenizer.encodeBatch([Array((text + tail).utf8)], threads: 1, chunkBytes: 4096)
            #expect(batch == [expected], "\(name), encodeBatch")
        }
    }

    /// Pieces that pad to the same key words but differ in length (" !?", " !?\0", " !?\0\0"),
    /// met one after the other, tens of thousands of them: some of these pairs share a set of
    /// the short-piece cache (its index hashes the length in, so only a few do), and each must
    /// still get its own ids — what each piece gets encoded alone, with no cache.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func manyPiecesThatPadAlikeGetTheirOwnIdsFromTheShortCache(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        var random = SplitMix64(seed: 11)
        let marks = Array("!?.,;:-+*/#%&=<>~^|@$")
        var pieces: [String] = []
        for _ in 0..<30_000 {
            let base = " " + String((0..<(1 + Int(random.next() % 6))).map { _ in marks[Int(random.next() % UInt64(marks.count))] })
            for nuls in 0..<3 { pieces.append(base + String(repeating: "\u{0}", count: nuls)) }
            pieces.append(" a")
        }
        let text = pieces.joined()
        #expect(tokenizer.preTokenizer.pieces(String(text.prefix(2000))).joined() == String(text.prefix(2000)))
        let whole = try tokenizer.encode(text, specials: .ordinary)
        let alone = try pieces.flatMap { try tokenizer.encode($0, specials: .ordinary) }
        #expect(whole == alone, "\(name): \(firstDifference(whole, alone))")
    }

    /// tiktoken's BPE, written plainly from the ranks (`id(of:)` is the rank of a byte string).
    static func textbookBPE(_ bytes: [UInt8], _ model: BytePairModel) -> [TokenID] {
        if let whole = model.id(of: bytes) { return [whole] }
        var parts = bytes.map { [$0] }
        while parts.count > 1 {
            var best: (rank: TokenID, at: Int)? = nil
            for k in 0..<(parts.count - 1) {
                if let rank = model.id(of: parts[k] + parts[k + 1]), best == nil || rank < best!.rank { best = (rank, k) }
            }
            guard let (_, at) = best else { break }
            parts[at] += parts[at + 1]
            parts.remove(at: at + 1)
        }
        return parts.map { model.id(of: $0)! }
    }

    /// One piece cache serves all the work items of one `encodeBatch` worker, and its arenas
    /// fill up and are emptied: documents cut into 8 KiB items that share their words, with
    /// enough distinct multi-token words to fill the arenas several times, and pieces longer
    /// than the cache keeps. The ids equal each document encoded alone, on 1 and 2 threads.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func aCacheKeptAcrossWorkItemsGivesTheIdsOfEachDocumentAlone(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        var random = SplitMix64(seed: 42)
        let letters = Array("abcdefghijklmnopqrstuvwxyzäöüжзийклмн")
        func word() -> String { String((0..<(4 + Int(random.next() % 14))).map { _ in letters[Int(random.next() % UInt64(letters.count))] }) }
        let shared = (0..<300).map { _ in word() }
        var documents: [[UInt8]] = []
        for d in 0..<6 {
            var words: [String] = []
            for k in 0..<2500 { words.append(k % 3 == 0 ? shared[Int(random.next() % UInt64(shared.count))] : word()) }
            if d % 2 == 0 { words.append(String(repeating: "xq", count: 200)) ; words.append(String(repeating: "xq", count: 200)) }
            documents.append(Array((words.joined(separator: " ") + "\n").utf8))
        }
        #expect(documents.allSatisfy { $0.count > 30_000 })
        let alone = try documents.map { try tokenizer.encode(String(decoding: $0, as: UTF8.self), specials: .ordinary) }
        for threads in [1, 2] {
            let batch = try tokenizer.encodeBatch(documents, threads: threads, chunkBytes: 8192)
            for d in documents.indices {
                #expect(batch[d] == alone[d], "\(name), \(threads) threads, document \(d): \(firstDifference(batch[d], alone[d]))")
            }
        }
    }

    /// The public cache a caller keeps across texts (`makeEncodingCache`, as `tokenmill encode`'s
    /// workers do): texts of every size (under 2 KB, where the cache is off, up to ~30 KB), with
    /// shared words, special tokens allowed, one cache for all of them: the ids equal each text
    /// encoded with a fresh cache.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func anEncodingCacheKeptAcrossTextsGivesTheIdsOfEachTextAlone(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        var random = SplitMix64(seed: 7)
        let letters = Array("abcdefghijklmnopqrstuvwxyzäöüжзийклмн中文字")
        func word() -> String { String((0..<(2 + Int(random.next() % 12))).map { _ in letters[Int(random.next() % UInt64(letters.count))] }) }
        let shared = (0..<200).map { _ in word() }
        var texts: [[UInt8]] = []
        for t in 0..<40 {
            let count = [3, 40, 400, 4000][t % 4]
            var words = (0..<count).map { k in k % 2 == 0 ? shared[Int(random.next() % UInt64(shared.count))] : word() }
            if t % 5 == 0 { words.append("<|endoftext|>") }
            texts.append(Array(words.joined(separator: t % 3 == 0 ? "\n" : " ").utf8))
        }
        #expect(texts.contains { $0.count < 2048 } && texts.contains { $0.count > 20_000 })
        let cache = tokenizer.makeEncodingCache(textBytes: 1 << 20)
        for (t, text) in texts.enumerated() {
            var kept: [TokenID] = [], fresh: [TokenID] = []
            try text.withUnsafeBufferPointer {
                try tokenizer.appendEncoding(of: $0, specials: .allow, cache: cache, to: &kept)
                try tokenizer.appendEncoding(of: $0, specials: .allow, to: &fresh)
            }
            #expect(kept == fresh, "\(name), text \(t) (\(text.count) bytes): \(firstDifference(kept, fresh))")
        }
    }
}
