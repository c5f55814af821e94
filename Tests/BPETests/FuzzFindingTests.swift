import BPE
import Foundation
import TestSupport
import Testing

/// Vocabulary files found by fuzzing to crash or to allocate without bound (docs/fuzzing.md,
/// targets `tiktoken`, `tokenizer-json`, `gpt2-vocab-merges`). Each input is a real vocabulary
/// from Vocab/ or Fixtures/ with one id changed; each must be refused with an error naming the
/// file and the line or JSON path, before anything is allocated for the id.
@Suite struct FuzzFindingTests {
    static func write(_ bytes: some Sequence<UInt8>, _ name: String) throws -> String {
        let path = try CLI.temporaryDirectory("fuzz-vocab") + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func isIDPastFile(_ error: any Error, path: String, location: String) -> Bool {
        guard case let .malformedFile(p, l, message)? = error as? TokenizerError else { return false }
        return p == path && l == location && message.contains("of at most") && message.contains("damaged file")
    }

    /// Before: `[[UInt8]?]` grew to the rank, 16 GiB for rank 2^31 - 1 (libFuzzer: out-of-memory,
    /// malloc(17179869216)).
    @Test func aTiktokenRankFarPastTheFileIsRefusedNamingItsLine() throws {
        let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Vocab/gpt2.tiktoken"))), as: UTF8.self)
            .split(separator: "\n").prefix(300)
        let path = try Self.write((lines + ["\(Data("fuzz".utf8).base64EncodedString()) 2147483646"]).joined(separator: "\n").utf8, "ranks.tiktoken")
        let error = #expect(throws: TokenizerError.self) { try Tokenizer.loadTiktoken(path: path) }
        #expect(error.map { Self.isIDPastFile($0, path: path, location: "line 301") } == true, "\(String(describing: error))")
    }

    /// Before: `TokenID(id)` trapped ("Not enough bits to represent the passed value") for an
    /// added token's id of 5,000,000,000, and a vocabulary id of 1,000,000,000 allocated 8 GB.
    @Test(arguments: [("added", 5_000_000_000), ("vocab", 5_000_000_000), ("vocab", 1_000_000_000)])
    func aTokenizerJSONIdFarPastTheFileIsRefusedNamingItsPath(place: String, id: Int) throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Fixtures/vocab/anthropic-legacy/tokenizer.json")))
        var top = try JSONSerialization.jsonObject(with: source) as! [String: Any]
        var model = top["model"] as! [String: Any]
        var vocab = model["vocab"] as! [String: Any]
        let location: String
        if place == "added" {
            var added = top["added_tokens"] as! [[String: Any]]
            added[0]["id"] = id
            top["added_tokens"] = added
            location = "$.added_tokens[0].id"
        } else {
            vocab["fuzz"] = id
            location = #"$.model.vocab["fuzz"]"#
        }
        model["vocab"] = vocab
        top["model"] = model
        let path = try Self.write(try JSONSerialization.data(withJSONObject: top), "tokenizer.json")
        let error = #expect(throws: TokenizerError.self) { try Tokenizer.loadHuggingFace(path: path) }
        #expect(error.map { Self.isIDPastFile($0, path: path, location: location) } == true, "\(String(describing: error))")
    }

    /// Before: the same trap in `Tokenizer.loadGPT2` for `<|endoftext|>` at 2^32 + 1.
    @Test func aVocabJSONIdFarPastTheFileIsRefusedNamingItsKey() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: Paths.repo("Fixtures/vocab/gpt2-hf/vocab.json")))
        var vocab = try JSONSerialization.jsonObject(with: source) as! [String: Any]
        vocab["<|endoftext|>"] = (1 << 32) + 1
        let dir = try CLI.temporaryDirectory("fuzz-gpt2-files")
        try JSONSerialization.data(withJSONObject: vocab).write(to: URL(fileURLWithPath: dir + "/vocab.json"))
        try FileManager.default.copyItem(atPath: Paths.repo("Fixtures/vocab/gpt2-hf/merges.txt"), toPath: dir + "/merges.txt")
        let error = #expect(throws: TokenizerError.self) { try Tokenizer.loadGPT2(vocabPath: dir + "/vocab.json", mergesPath: dir + "/merges.txt") }
        #expect(error.map { Self.isIDPastFile($0, path: dir + "/vocab.json", location: #"$["<|endoftext|>"]"#) } == true, "\(String(describing: error))")
    }

    /// The bound leaves real vocabularies alone: cl100k's specials sit past a gap (100257, 100276).
    @Test func realVocabulariesWithIdGapsStillLoad() throws {
        let cl100k = try Tokenizer.load(Paths.repo("Vocab/cl100k_base.tiktoken"))
        #expect(cl100k.specialTokenID("<|endofprompt|>") == 100276)
        let anthropic = try Tokenizer.loadHuggingFace(path: Paths.repo("Fixtures/vocab/anthropic-legacy/tokenizer.json"))
        #expect(anthropic.vocabularySize > 60_000)
    }
}
