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
        let ranks = try data.withUnsafeBytes { try parseTiktoken($0.bindMemory(to: UInt8.self), path: path) }
        let known = KnownEncoding(fileName: (path as NSString).lastPathComponent)
        let model = try BytePairModel(rankTable: ranks)
        return try Tokenizer(model: model, pattern: pattern ?? known?.pattern ?? .gpt2,
                             specialTokens: specialTokens ?? known?.specialTokens ?? [:],
                             normalization: normalization)
    }

    /// The token bytes of a `.tiktoken` file, by rank, as one table (no array per token).
    ///
    /// Why a parser of its own instead of `Data(base64Encoded:)` and `Int(String)` per line, into
    /// one `[UInt8]` per token: those were 12% of a whole `tokenmill encode` process on an 11-byte
    /// input (perf, cl100k: Base64 5%, the per-token arrays and their frees most of the rest),
    /// ~0.05 s per process. Here each line is decoded straight into one arena. O(file size).
    static func parseTiktoken(_ data: UnsafeBufferPointer<UInt8>, path: String) throws -> ByteStringTable {
        let maximumRank = maximumTokenID(fileBytes: data.count)
        var arena: [UInt8] = []
        arena.reserveCapacity(data.count * 3 / 4)
        // (rank, end of its bytes in `arena`, line number) per line, in file order.
        var entries: [(rank: UInt32, end: UInt32, line: Int)] = []
        entries.reserveCapacity(data.count / 12)
        var lineNumber = 0
        var start = 0
        let n = data.count
        while start < n {
            lineNumber += 1
            var end = start
            while end < n && data[end] != 0x0A { end += 1 }
            defer { start = end + 1 }
            var last = end
            if last > start && data[last - 1] == 0x0D { last -= 1 }
            if last == start { continue }
            var space = start
            while space < last && data[space] != 0x20 { space += 1 }
            guard space < last else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected `<base64 token> <rank>`, found no space")
            }
            guard Base64.decode(data, start..<space, appendingTo: &arena) else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected a base64-encoded token before the space")
            }
            var rank = 0, digits = 0
            var i = space + 1
            if i < last && data[i] == 0x2B { i += 1 }  // a leading "+", as Int(String) accepted
            while i < last, data[i] &- 0x30 < 10, rank < 1 << 31 {
                rank = rank * 10 + Int(data[i] &- 0x30)
                digits += 1
                i += 1
            }
            guard digits > 0, i == last, rank < 1 << 31 else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)",
                                                   message: "expected a non-negative integer rank after the space")
            }
            guard rank <= maximumRank else {
                throw TokenizerError.malformedFile(path: path, location: "line \(lineNumber)", message: idPastFile("rank", rank, maximum: maximumRank))
            }
            entries.append((UInt32(rank), UInt32(arena.count), lineNumber))
        }
        if entries.isEmpty {
            throw TokenizerError.malformedFile(path: path, location: "file", message: "expected tiktoken ranks, found an empty file")
        }
        // Real files list ranks 0, 1, 2, … in order: the arena is then already in rank order.
        if entries.indices.allSatisfy({ entries[$0].rank == UInt32($0) }) {
            return ByteStringTable(arena: arena, offsets: [0] + entries.map(\.end))
        }
        // Otherwise place each token at its rank (gaps have no bytes), refusing a rank given twice.
        let count = Int(entries.map(\.rank).max()!) + 1
        var ranges = [Range<Int>?](repeating: nil, count: count)
        for (e, entry) in entries.enumerated() {
            let lo = e == 0 ? 0 : Int(entries[e - 1].end)
            if ranges[Int(entry.rank)] != nil {
                throw TokenizerError.malformedFile(path: path, location: "line \(entry.line)", message: "rank \(entry.rank) appears twice")
            }
            ranges[Int(entry.rank)] = lo..<Int(entry.end)
        }
        var ordered: [UInt8] = []
        ordered.reserveCapacity(arena.count)
        var offsets: [UInt32] = [0]
        offsets.reserveCapacity(count + 1)
        for range in ranges {
            if let range { ordered.append(contentsOf: arena[range]) }
            offsets.append(UInt32(ordered.count))
        }
        return ByteStringTable(arena: ordered, offsets: offsets)
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
