import BPE
import Crypto
import Foundation
import TestSupport
import Testing

/// Exact id parity with the reference implementations, on real text.
@Suite struct ParityTests {
    /// Full ids of every Fixtures/corpus document, made by tiktoken / HF tokenizers.
    @Test(arguments: ["gpt2", "cl100k", "o200k", "anthropic-legacy"])
    func fixtureDocumentsMatchReference(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        let references = try References.load(name == "anthropic-legacy" ? "hf-anthropic-legacy" : "tiktoken-\(name)")
        #expect(references.count >= 30)
        let texts = references.map(\.text)
        // Hugging Face always matches added tokens in raw text; tiktoken's encode_ordinary never does.
        let policy: SpecialTokenPolicy = name == "anthropic-legacy" ? .allow : .ordinary
        let encoded = try tokenizer.encodeBatch(texts, specials: policy)
        for (reference, ids) in zip(references, encoded) {
            #expect(ids == reference.ids, "\(name) \(reference.path): \(firstDifference(ids, reference.ids))")
        }
        if name != "anthropic-legacy" { // NFKC is not reversible
            for (text, ids) in zip(texts, encoded) { #expect(try tokenizer.decodeBytes(ids) == text) }
        }
    }

    /// Every text document of ../shared/corpora: id count and SHA-256 of the ids as recorded by
    /// the reference implementations.
    @Test(.enabled(if: Repository.hasShared, Repository.sharedMissing), arguments: ["gpt2", "cl100k", "o200k", "anthropic-legacy"])
    func sharedCorporaMatchReferenceDigests(name: String) throws {
        let tokenizer = Tokenizers.named(name)
        // HF tokenizers' NFKC tables predate Unicode 12 (it leaves U+32FF SQUARE ERA NAME REIWA
        // unchanged, for one); ICU 72 implements Unicode 15.0. The conformance file lists exactly
        // the characters whose normalization changed, so it is the one document where a correct
        // NFKC and HF's must differ. Its NFKC is checked against the standard in NormalizerTests.
        let documents = References.corpusDigests.filter {
            !(name == "anthropic-legacy" && $0.path == "multilingual/unicode/NormalizationTest.txt.zst")
        }
        #expect(documents.count > 300)
        // In slices, to bound memory (the corpora are ~110 MB of text).
        var start = 0
        while start < documents.count {
            let slice = Array(documents[start..<min(start + 24, documents.count)])
            let texts = try slice.map { try sharedDocument($0.path) }
            let policy: SpecialTokenPolicy = name == "anthropic-legacy" ? .allow : .ordinary
            let encoded = try tokenizer.encodeBatch(texts, specials: policy)
            for (document, (text, ids)) in zip(slice, zip(texts, encoded)) {
                #expect(hex(SHA256.hash(data: text)) == document.textSHA256, "\(document.path): the shared corpus file changed")
                let reference = document.digests[name]!
                var le = [UInt8](); le.reserveCapacity(ids.count * 4)
                for id in ids { withUnsafeBytes(of: id.littleEndian) { le.append(contentsOf: $0) } }
                #expect(ids.count == reference.count && hex(SHA256.hash(data: le)) == reference.sha256,
                        "\(name) \(document.path): \(ids.count) ids, reference \(reference.count)")
                if name != "anthropic-legacy" { #expect(try tokenizer.decodeBytes(ids) == text, "\(document.path) round trip") }
            }
            start += slice.count
        }
    }

    /// GPT-2's vocab.json + merges.txt (merge-list semantics) gives tiktoken's ids (rank semantics).
    @Test func gpt2MergesFilesMatchTiktokenRanks() throws {
        let merges = try Tokenizer.load(Paths.repo("Fixtures/vocab/gpt2-hf"))
        for reference in try References.load("tiktoken-gpt2") {
            let ids = try reference.text.withUnsafeBufferPointer { try merges.encode(utf8: $0, specials: .ordinary) }
            #expect(ids == reference.ids, "\(reference.path): \(firstDifference(ids, reference.ids))")
        }
    }
}

func hex(_ digest: some Sequence<UInt8>) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
}
