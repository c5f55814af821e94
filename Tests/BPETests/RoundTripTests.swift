import BPE
import Testing
import TokenmillSupport

@Suite struct RoundTripTests {
    /// Random Unicode strings (every plane, marks, controls, emoji) decode to exactly their bytes.
    @Test(arguments: ["gpt2", "cl100k", "o200k"])
    func randomUnicodeRoundTrips(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        var generator = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let text = randomUnicodeString(&generator, length: 1 + Int(generator.next() % 300))
            let ids = try tokenizer.encode(text, specials: .ordinary)
            #expect(try tokenizer.decode(ids) == text)
        }
    }

    /// Random bytes: after repair (invalid UTF-8 → U+FFFD) they round-trip exactly.
    @Test func randomBytesRoundTripAfterRepair() throws {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<500 {
            let bytes = (0..<(1 + Int(generator.next() % 400))).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let repaired = UTF8Validation.repair(bytes).bytes
            #expect(String(validating: repaired, as: UTF8.self) != nil)
            #expect(repaired == Array(String(decoding: bytes, as: UTF8.self).utf8))
            let ids = try repaired.withUnsafeBufferPointer { try Tokenizers.cl100k.encode(utf8: $0, specials: .ordinary) }
            #expect(try Tokenizers.cl100k.decodeBytes(ids) == repaired)
        }
    }

    /// Invalid UTF-8 is refused with the offset of the first bad byte.
    @Test func invalidUTF8IsRefusedWithOffset() throws {
        let bytes: [UInt8] = Array("héllo ".utf8) + [0xFF] + Array("world".utf8)
        #expect(throws: TokenizerError.invalidUTF8(source: "input", offset: 7)) {
            try bytes.withUnsafeBufferPointer { try Tokenizers.gpt2.encode(utf8: $0) }
        }
    }

    /// Streaming decoding, token by token, gives the same text as decoding everything at once,
    /// and never emits a partial character: on real multilingual text and emoji.
    @Test func streamingDecoderHoldsBackPartialCharacters() throws {
        for reference in try References.load("tiktoken-cl100k") where reference.path.hasPrefix("multilingual/") {
            var decoder = StreamingDecoder(tokenizer: Tokenizers.cl100k)
            let expectsReplacement = String(decoding: reference.text, as: UTF8.self).unicodeScalars.contains("\u{FFFD}")
            var text = ""
            for id in reference.ids {
                let piece = try decoder.push(id)
                if !expectsReplacement { #expect(!piece.unicodeScalars.contains("\u{FFFD}"), "\(reference.path)") }
                text += piece
            }
            text += decoder.finish()
            #expect(Array(text.utf8) == reference.text, "\(reference.path)")
        }
    }

    @Test func streamingDecoderFlushesAnIncompleteTail() throws {
        // The first byte of "é" (0xC3) is a token by itself; alone it must come out as U+FFFD.
        let tokenizer = Tokenizers.gpt2
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        let lead = tokenizer.model.id(of: [0xC3])!
        #expect(try decoder.push(lead) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }

    /// Long pieces take the O(n log n) heap path; what it produces must decode back exactly and
    /// agree with encoding the same text cut into lines (where the short path runs).
    @Test func megabytePiecesEncodeAndRoundTrip() throws {
        let tokenizer = Tokenizers.gpt2
        for text in [String(repeating: "a", count: 1 << 20), String(repeating: "1234567890", count: 100_000)] {
            let ids = try tokenizer.encode(text, specials: .ordinary)
            #expect(try tokenizer.decode(ids) == text)
            #expect(ids.count < text.utf8.count / 2)
        }
    }
}
