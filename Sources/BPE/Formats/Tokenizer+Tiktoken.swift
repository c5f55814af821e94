import Foundation
import Normalizer

extension Tokenizer {
    /// Loads a tiktoken `.tiktoken` file (`base64-token rank` per line).
    ///
    /// The file holds no pattern and no special tokens. When they are not given, they are taken
    /// from the encoding the file name names (`gpt2`/`r50k_base`, `cl100k_base`, `o200k_base`),
    /// else the GPT-2 pattern and no special tokens.
    public static func loadTiktoken(path: String, pattern: SplitPattern? = nil,
                                    specialTokens: [String: TokenID]? = nil,
                                    normalization: NormalizationForm = .none) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.malformedFile(path: path, location: "file", message: "cannot read the file (missing or unreadable)")
        }
        let ranks = try parseTiktoken(data: [UInt8](data), path: path)
        let known = KnownEncoding(fileName: (path as NSString).lastPathComponent)
        let model = try BytePairModel(ranks: ranks)
        return try Tokenizer(model: model, pattern: pattern ?? known?.pattern ?? .gpt2,
                             specialTokens: specialTokens ?? known?.specialTokens ?? [:],
                             normalization: normalization)
    }

    static func parseTiktoken(data: [UInt8], path: String) throws -> [[UInt8]?] {
        var ranks: [[UInt8]?] = []
        let maximumRank = maximumTokenID(fileBytes: data.count)
        var lineNumber = 0
        var start = 0
        while start < data.count {
            lineNumber += 1
            var end = start
            while end < data.count && data[end] != 0x0A { end += 1 }
            defer { start = end + 1 }
            var line = data[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: 0x20) else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected `<base64 token> <rank>`, found no space")
            }
            guard let token = Data(base64Encoded: Data(line[line.startIndex..<space])), !token.isEmpty else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected a base64-encoded token before the space")
            }
            guard let rank = Int(String(decoding: line[(space + 1)...], as: UTF8.self)), rank >= 0, rank < 1 << 31 else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected a non-negative integer rank after the space")
            }
            guard rank <= maximumRank else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)", message: idPastFile("rank", rank, maximum: maximumRank))
            }
            if rank >= ranks.count { ranks.append(contentsOf: repeatElement(nil, count: rank - ranks.count + 1)) }
            if ranks[rank] != nil {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)", message: "rank \(rank) appears twice")
            }
            ranks[rank] = [UInt8](token)
        }
        if ranks.isEmpty {
            throw TokenizerError.malformedFile(path: path, location: "file", message: "expected tiktoken ranks, found an empty file")
        }
        return ranks
    }

    /// Writes the BPE ranks as a `.tiktoken` file (base64 token, space, rank; ordered by rank).
    /// Only rank-ordered vocabularies can be written this way: ids must equal merge order.
    public func tiktokenFileContents() throws -> String {
        var lines: [String] = []
        lines.reserveCapacity(model.count)
        for id in 0..<model.count {
            guard let bytes = model.bytes(of: TokenID(id)) else { continue }
            lines.append("\(Data(bytes).base64EncodedString()) \(id)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The encodings whose pattern and special tokens a bare `.tiktoken` file implies.
public struct KnownEncoding: Sendable {
    public let name: String
    public let pattern: SplitPattern
    public let specialTokens: [String: TokenID]

    public init?(fileName: String) {
        let base = fileName.replacingOccurrences(of: ".tiktoken", with: "")
        self.init(name: base)
    }

    public init?(name: String) {
        switch name {
        case "gpt2", "r50k_base", "r50k":
            self.name = "gpt2"; pattern = .gpt2; specialTokens = ["<|endoftext|>": 50256]
        case "cl100k_base", "cl100k":
            self.name = "cl100k_base"; pattern = .cl100k
            specialTokens = ["<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                             "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276]
        case "o200k_base", "o200k":
            self.name = "o200k_base"; pattern = .o200k
            specialTokens = ["<|endoftext|>": 199999, "<|endofprompt|>": 200018]
        default: return nil
        }
    }
}
