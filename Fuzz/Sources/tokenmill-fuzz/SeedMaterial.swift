import Foundation
@testable import BPE
@testable import Corpus

/// Small valid inputs made from the repository's `Fixtures/` (so nothing large is committed):
/// a byte-level tokenizer with GPT-2's first merges, a shard set of a Fixtures text made with
/// it, and a tiny GPT checkpoint. Why small: libFuzzer mutates the whole input on every
/// execution, and a seed of megabytes runs a few executions per second under ASan.
enum SeedMaterial {
    /// The repository root: `$TOKENMILL_ROOT`, else found from this source file's path.
    static let root: String = {
        if let env = ProcessInfo.processInfo.environment["TOKENMILL_ROOT"] { return env }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }   // Fuzz/Sources/tokenmill-fuzz/SeedMaterial.swift
        return url.path
    }()

    static func fixture(_ relative: String) throws -> [UInt8] {
        let path = root + "/Fixtures/" + relative
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SeedError(description: "cannot read \(path) (set TOKENMILL_ROOT to the repository)")
        }
        return Array(data)
    }

    /// Decompressed bytes of a `.gz`/`.zst`/`.bz2` fixture (through the library's own streams).
    static func decompressedFixture(_ relative: String) throws -> [UInt8] {
        var stream = try openByteStream(root + "/Fixtures/" + relative)
        var out: [UInt8] = []
        while let chunk = try stream.next() { out += chunk }
        return out
    }

    /// A byte-level BPE tokenizer: the 256 bytes plus the results of GPT-2's first `mergeCount`
    /// merges (Fixtures/vocab/gpt2-hf/merges.txt), `<|endoftext|>` after them. Ids are in merge
    /// order, so it can also be written as `.tiktoken`.
    static let tokenizer: Tokenizer = {
        let mergeCount = 120
        let lines = String(decoding: try! fixture("vocab/gpt2-hf/merges.txt"), as: UTF8.self).split(separator: "\n")
        var tokens: [[UInt8]?] = (0..<256).map { [UInt8($0)] }
        var idOf: [[UInt8]: TokenID] = [:]
        for (i, t) in tokens.enumerated() { idOf[t!] = TokenID(i) }
        var merges: [(left: TokenID, right: TokenID)] = []
        for line in lines.dropFirst() where merges.count < mergeCount {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let l = ByteLevelAlphabet.decode(String(parts[0])), let r = ByteLevelAlphabet.decode(String(parts[1])),
                  let left = idOf[l], let right = idOf[r], idOf[l + r] == nil else { continue }
            idOf[l + r] = TokenID(tokens.count)
            tokens.append(l + r)
            merges.append((left, right))
        }
        let model = try! BytePairModel(tokens: tokens, merges: merges)
        return try! Tokenizer(model: model, pattern: .gpt2, specialTokens: ["<|endoftext|>": TokenID(tokens.count)])
    }()

    static var tokenizerJSON: [UInt8] { Array(try! tokenizer.huggingFaceJSON()) }

    /// GPT-2's `vocab.json` and `merges.txt` for `tokenizer`.
    static var gpt2Files: (vocab: [UInt8], merges: [UInt8]) {
        var vocab: [String: Int] = [:]
        for id in 0..<tokenizer.model.count { vocab[ByteLevelAlphabet.encode(tokenizer.tokenBytes(TokenID(id))!)] = id }
        vocab["<|endoftext|>"] = tokenizer.model.count
        let json = try! JSONSerialization.data(withJSONObject: vocab, options: [.sortedKeys])
        var merges = "#version: 0.2\n"
        for (l, r) in tokenizer.model.mergeList() { merges += ByteLevelAlphabet.encode(l) + " " + ByteLevelAlphabet.encode(r) + "\n" }
        return (Array(json), Array(merges.utf8))
    }
}

struct SeedError: Error, CustomStringConvertible {
    let description: String
}
