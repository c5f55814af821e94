import Foundation
import Normalizer

extension Tokenizer {
    /// A Hugging Face `tokenizer.json` for this tokenizer: a BPE model with its merges, the
    /// pre-tokenizer (`ByteLevel` for the GPT-2 pattern, else `Split` + `ByteLevel(use_regex:
    /// false)`), the ByteLevel decoder, the normalizer and the special tokens as added tokens.
    /// `tokenizers.Tokenizer.from_file` loads it and gives the same ids.
    public func huggingFaceJSON() throws -> Data {
        var vocab: [String: Int] = [:]
        for id in 0..<model.count {
            if let bytes = model.bytes(of: TokenID(id)) { vocab[ByteLevelAlphabet.encode(bytes)] = id }
        }
        let merges = model.mergeList().map { [ByteLevelAlphabet.encode($0.left), ByteLevelAlphabet.encode($0.right)] }
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": addPrefixSpace, "trim_offsets": true, "use_regex": true]
        let preTokenizer: [String: Any]
        if pattern == .gpt2 {
            preTokenizer = byteLevel
        } else {
            preTokenizer = ["type": "Sequence", "pretokenizers": [
                ["type": "Split", "pattern": ["Regex": pattern.source], "behavior": "Isolated", "invert": false],
                ["type": "ByteLevel", "add_prefix_space": addPrefixSpace, "trim_offsets": true, "use_regex": false],
            ]]
        }
        let normalizer: Any
        switch normalization {
        case .none: normalizer = NSNull()
        case .nfc: normalizer = ["type": "NFC"]
        case .nfkc: normalizer = ["type": "NFKC"]
        case .nfkcCasefold:
            throw TokenizerError.unsupported("tokenizer.json has no NFKC-casefold normalizer; train with nfkc or nfc")
        }
        let added: [[String: Any]] = specialTokens.sorted { $0.value < $1.value }.map { text, id in
            ["id": Int(id), "content": text, "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": true]
        }
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(),
            "added_tokens": added,
            "normalizer": normalizer,
            "pre_tokenizer": preTokenizer,
            "post_processor": NSNull(),
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab, "merges": merges,
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])
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
        for slot in 0..<pairs.keys.count where pairs.keys[slot] != PairTable.emptyKey {
            let key = pairs.keys[slot], value = pairs.values[slot]
            let left = TokenID(truncatingIfNeeded: key >> 32), right = TokenID(truncatingIfNeeded: key)
            let priority = UInt32(truncatingIfNeeded: value >> 32)
            rules.append((priority, left, right))
        }
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
