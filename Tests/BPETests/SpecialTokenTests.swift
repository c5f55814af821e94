import BPE
import Testing

@Suite struct SpecialTokenTests {
    let text = "Scraped page about <|endoftext|> tokens.<|endoftext|>"

    @Test func ordinaryEncodesSpecialTextAsText() throws {
        let tokenizer = Tokenizers.gpt2
        let ids = try tokenizer.encode(text, specials: .ordinary)
        #expect(!ids.contains(50256))
        #expect(try tokenizer.decode(ids) == text)
        #expect(ids == tokenizer.encodeOrdinary(text))
    }

    @Test func allowEncodesTheSpecialToken() throws {
        let tokenizer = Tokenizers.gpt2
        let ids = try tokenizer.encode(text, specials: .allow)
        #expect(ids.filter { $0 == 50256 }.count == 2)
        #expect(ids.last == 50256)
        #expect(try tokenizer.decode(ids) == text)
        // Around the special token the text encodes as it would alone.
        let before = tokenizer.encodeOrdinary("Scraped page about ")
        #expect(Array(ids.prefix(before.count)) == before)
    }

    @Test func rejectIsTheDefaultAndNamesTheOffset() {
        #expect(throws: TokenizerError.disallowedSpecialToken(token: "<|endoftext|>", offset: 19)) {
            try Tokenizers.gpt2.encode(text)
        }
    }

    @Test func longestSpecialTokenWinsAtTheSamePosition() throws {
        let base = Tokenizers.gpt2
        let tokenizer = try Tokenizer(model: base.model, pattern: .gpt2,
                                      specialTokens: ["<|end|>": 50257, "<|endoftext|>": 50256])
        #expect(try tokenizer.encode("<|endoftext|>", specials: .allow) == [50256])
        #expect(try tokenizer.encode("<|end|>", specials: .allow) == [50257])
        #expect(try tokenizer.decode([50257, 50256]) == "<|end|><|endoftext|>")
    }
}
