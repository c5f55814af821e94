import Foundation
import TokenmillSupport

extension Tokenizer {
    /// Loads GPT-2's original pair of files: `vocab.json` (byte-level token → id) and `merges.txt`
    /// (a `#version` line, then one `left right` merge per line). `<|endoftext|>` becomes a special
    /// token when the vocabulary has it. Pattern: GPT-2's.
    public static func loadGPT2(vocabPath: String, mergesPath: String) throws -> Tokenizer {
        var reader = JSONReader(path: vocabPath)
        let parsed = try reader.parseFile()
        guard let mergesData = FileManager.default.contents(atPath: mergesPath) else {
            throw TokenizerError.malformedFile(path: mergesPath, location: "file", message: "cannot read the file (missing or unreadable)")
        }
        let vocab = try reader.object(parsed, at: "$")
        var tokens: [[UInt8]?] = []
        var specials: [String: TokenID] = [:]
        for (text, value) in zip(vocab.keys, vocab.values) {
            let id = try reader.tokenID(value, at: "$[\(JSONOutput.quoted(text))]")
            if text == "<|endoftext|>" { specials[text] = TokenID(id); continue }
            guard ByteLevelAlphabet.place(text, id: id, in: &tokens) else {
                throw TokenizerError.malformedFile(path: vocabPath, location: "$[\(JSONOutput.quoted(text))]",
                                                   message: "expected a byte-level token (GPT-2 byte alphabet)")
            }
        }
        let table = ByteStringTable(tokens: tokens)
        var merges: [(left: TokenID, right: TokenID)] = []
        let lines = String(decoding: mergesData, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let merge = ByteLevelAlphabet.mergeIDs(parts[0], parts[1], in: table) else {
                throw TokenizerError.malformedFile(path: mergesPath, location: "line \(index + 1)",
                                                   message: "expected two tokens of vocab.json separated by one space, found \"\(line)\"")
            }
            merges.append(merge)
        }
        let model = try BytePairModel(table: table, merges: merges, ignoreMerges: false)
        return try Tokenizer(model: model, pattern: .gpt2, specialTokens: specials)
    }
}
