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
        // The merge lines: all but empty lines and a first "#version" line (numbers are 1-based).
        let lines: [(number: Int, text: Substring)] = String(decoding: mergesData, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, rawLine in
                let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
                return line.isEmpty || (index == 0 && line.hasPrefix("#version")) ? nil : (index + 1, line)
            }
        let rules: [(left: TokenID, right: TokenID, merged: TokenID)]
        do {
            rules = try ByteLevelAlphabet.resolveMerges(count: lines.count, in: table) { ByteLevelAlphabet.splitMerge(lines[$0].text) }
        } catch .notTwoTokens(let i) {
            throw TokenizerError.malformedFile(path: mergesPath, location: "line \(lines[i].number)",
                                               message: "expected two tokens of vocab.json separated by one space, found \"\(lines[i].text)\"")
        } catch .joinedNotAToken(let i, let left, let right) {
            throw TokenizerError.malformedFile(path: mergesPath, location: "line \(lines[i].number)", message: Tokenizer.joinedNotAToken(left, right))
        }
        let model = try BytePairModel(table: table, rules: rules, ignoreMerges: false)
        return try Tokenizer(model: model, pattern: .gpt2, specialTokens: specials)
    }
}
