import Foundation
import TokenmillSupport
import Normalizer

extension Tokenizer {
    /// A Hugging Face `tokenizer.json` for this tokenizer: a BPE model with its merges, the
    /// pre-tokenizer (`ByteLevel` for the GPT-2 pattern, else `Split` + `ByteLevel(use_regex:
    /// false)`), the ByteLevel decoder, the normalizer and the special tokens as added tokens.
    /// `tokenizers.Tokenizer.from_file` loads it and gives the same ids.
    ///
    /// HF gives an added token that is not in `model.vocab` the next id after the vocabulary,
    /// whatever its `id` says: cl100k_base's `<|endoftext|>` (100257, after a hole at 100256)
    /// would load as 100256, and `<|endofprompt|>` (100276) as 100257. When the special tokens do
    /// not follow the vocabulary without a gap, they are therefore also listed in `model.vocab`
    /// under their ids (their text as is), which HF honours (checked with tokenizers 0.23.3:
    /// scripts/make_hf_interop_fixtures.py); `loadHuggingFace` reads such an entry back as the
    /// special token. Vocabularies whose specials follow the BPE ids (gpt2, trained ones) are
    /// written as before.
    public func huggingFaceJSON() throws -> Data {
        var entries: [(text: String, id: Int)] = []
        entries.reserveCapacity(model.count + specialTokens.count)
        for id in 0..<model.count {
            if let bytes = model.bytes(of: TokenID(id)) { entries.append((ByteLevelAlphabet.encode(bytes), id)) }
        }
        let sortedSpecials = specialTokens.sorted { $0.value < $1.value }
        let spellings = Set(entries.map(\.text))
        for (text, _) in sortedSpecials where spellings.contains(text) {
            throw TokenizerError.unsupported("the special token \(JSONOutput.quoted(text)) is spelled like a BPE token of the vocabulary; a tokenizer.json cannot keep them apart (HF would give it the BPE token's id)")
        }
        let packedByHF = sortedSpecials.enumerated().allSatisfy { k, special in Int(special.value) == entries.count + k }
        if !packedByHF {
            entries += sortedSpecials.map { ($0.key, Int($0.value)) }
            entries.sort { $0.id < $1.id }   // model.vocab in id order
        }
        let vocab: [(String, JSONValue)] = entries.map { ($0.text, .int($0.id)) }
        let merges: [JSONValue] = model.mergeList().map {
            .array([.string(ByteLevelAlphabet.encode($0.left)), .string(ByteLevelAlphabet.encode($0.right))])
        }
        let byteLevel: [(String, JSONValue)] = [("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
                                                ("trim_offsets", .bool(true)), ("use_regex", .bool(true))]
        let preTokenizer: JSONValue
        if pattern == .gpt2 {
            preTokenizer = .object(byteLevel)
        } else {
            preTokenizer = .object([("type", .string("Sequence")), ("pretokenizers", .array([
                .object([("type", .string("Split")), ("pattern", .object([("Regex", .string(pattern.huggingFaceSource))])),
                         ("behavior", .string("Isolated")), ("invert", .bool(false))]),
                .object([("type", .string("ByteLevel")), ("add_prefix_space", .bool(addPrefixSpace)),
                         ("trim_offsets", .bool(true)), ("use_regex", .bool(false))]),
            ]))])
        }
        let normalizer: JSONValue
        switch normalization {
        case .none: normalizer = .null
        case .nfc: normalizer = .object([("type", .string("NFC"))])
        case .nfkc: normalizer = .object([("type", .string("NFKC"))])
        case .nfkcCasefold:
            throw TokenizerError.unsupported("tokenizer.json has no NFKC-casefold normalizer; train with nfkc or nfc")
        }
        let added: [JSONValue] = sortedSpecials.map { text, id in
            .object([("id", .int(Int(id))), ("content", .string(text)), ("single_word", .bool(false)), ("lstrip", .bool(false)),
                     ("rstrip", .bool(false)), ("normalized", .bool(false)), ("special", .bool(true))])
        }
        let root: JSONValue = .object([
            ("version", .string("1.0")), ("truncation", .null), ("padding", .null),
            ("added_tokens", .array(added)),
            ("normalizer", normalizer),
            ("pre_tokenizer", preTokenizer),
            ("post_processor", .null),
            ("decoder", .object(byteLevel)),
            ("model", .object([
                ("type", .string("BPE")), ("dropout", .null), ("unk_token", .null), ("continuing_subword_prefix", .null),
                ("end_of_word_suffix", .null), ("fuse_unk", .bool(false)), ("byte_fallback", .bool(false)),
                ("ignore_merges", .bool(false)), ("vocab", .object(vocab)), ("merges", .array(merges)),
            ])),
        ])
        return Data(root.serialized())
    }
}

extension BytePairModel {
    /// The merge rules as an ordered list of (left bytes, right bytes), one per merged token.
    ///
    /// For rank vocabularies (tiktoken) there is no stored list: the merge that makes token t is
    /// the split of t's bytes that BPE itself reaches (encode t's bytes with all ranks below t,
    /// which yields exactly two tokens), as Hugging Face's own tiktoken conversion does. Tokens that
    /// no merge reaches are skipped. O(total token bytes · log).
    public func mergeList() -> [(left: [UInt8], right: [UInt8])] {
        var rules: [(priority: UInt32, left: TokenID, right: TokenID)] = []
        pairs.forEachRule { left, right, priority, _ in rules.append((priority, left, right)) }
        switch origin {
        case .merges:
            rules.sort { $0.priority < $1.priority }
            return rules.map { (Array(tokens.bytes(of: $0.left)), Array(tokens.bytes(of: $0.right))) }
        case .ranks:
            // Keep, for each token, the split that ranked merging produces: both halves must have
            // lower ranks, and merging the token's bytes stops at exactly that pair.
            var result: [(priority: UInt32, left: [UInt8], right: [UInt8])] = []
            var byToken: [UInt32: [(left: TokenID, right: TokenID)]] = [:]
            for rule in rules where rule.left < rule.priority && rule.right < rule.priority {
                byToken[rule.priority, default: []].append((rule.left, rule.right))
            }
            for (token, splits) in byToken {
                let bytes = Array(tokens.bytes(of: token))
                let parts = bytes.withUnsafeBufferPointer { mergeBelow(rank: token, $0) }
                if parts.count == 2, splits.contains(where: { $0.left == parts[0] && $0.right == parts[1] }) {
                    result.append((token, Array(tokens.bytes(of: parts[0])), Array(tokens.bytes(of: parts[1]))))
                }
            }
            result.sort { $0.priority < $1.priority }
            return result.map { ($0.left, $0.right) }
        }
    }

    /// Merges `bytes` using only rules whose priority is below `rank`.
    func mergeBelow(rank: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> [TokenID] {
        var ids = bytes.map { byteIDs[Int($0)] }
        while ids.count > 1 {
            var best = -1
            var bestRule: (priority: UInt32, merged: TokenID) = (PairTable.never, 0)
            for k in 0..<(ids.count - 1) {
                let r = pairs.rule(ids[k], ids[k + 1])
                if r.priority < rank && r.priority < bestRule.priority { best = k; bestRule = r }
            }
            if best < 0 { break }
            ids[best] = bestRule.merged
            ids.remove(at: best + 1)
        }
        return ids
    }
}
