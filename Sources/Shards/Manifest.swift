import BPE
import Cleaning
import Corpus
import Foundation
import Normalizer
import TokenmillSupport

/// The cleanup settings of a shard run (a Codable mirror of `NormalizerPipeline`'s options).
public struct NormalizationSettings: Sendable, Hashable, Codable {
    public var form: NormalizationForm = .nfc
    public var utf8Policy: UTF8Policy = .repair
    public var fallbackEncoding: LegacyEncoding? = nil
    public var removeByteOrderMark = true
    public var normalizeNewlines = true
    public var stripControls = true
    public var stripIgnorables = false
    public var lowercase = false
    public var trimWhitespace = false
    public init() {}

    public var pipeline: NormalizerPipeline {
        var p = NormalizerPipeline(form: form, utf8Policy: utf8Policy, fallbackEncoding: fallbackEncoding)
        p.removeBOM = removeByteOrderMark
        p.normalizeNewlines = normalizeNewlines
        p.stripControls = stripControls
        p.stripIgnorables = stripIgnorables
        p.lowercase = lowercase
        p.trimWhitespace = trimWhitespace
        return p
    }
}

/// Everything that decides the output of a shard run (threads excluded: they do not change it).
public struct ShardOptions: Sendable, Hashable, Codable {
    public var inputs: [String]
    public var tokenizer: String = "gpt2"
    public var reader = ReaderOptions()
    public var normalization = NormalizationSettings()
    public var minChars = 1
    public var dedup = true
    public var valFraction = 0.0
    public var shardTokens = 100_000_000
    public var blockTokens = 1 << 16
    public var compressionLevel: Int32 = 3
    public var strict = false
    /// Documents whose U+FFFD replacements exceed this share of their characters are dropped
    /// (`too_many_replacements`); nil: no limit (manifests written before the option existed).
    public var maxReplacementRatio: Double? = 0.02
    /// Invalid UTF-8 is decoded from this charset (an ICU converter name) before cleaning, or
    /// from ICU's guess with "auto"; nil: repaired (or rejected) as UTF-8.
    public var fallbackEncoding: String? = nil
    /// Pre-tokens longer than this are tokenized in parts (`Tokenizer.maxPieceBytes`); nil: no
    /// limit (manifests written before the option existed).
    public var maxPieceBytes: Int? = PreTokenizer.defaultMaxPieceBytes
    /// Quality filters, MinHash near-deduplication and PII redaction (`--filters`); nil: none
    /// (and in manifests written before cleaning existed).
    public var cleaning: CleaningOptions? = nil

    public init(inputs: [String]) { self.inputs = inputs }
}

public struct InputRecord: Sendable, Codable, Equatable {
    public var path: String
    public var format: String
    public var size: Int
    public var sha256: String
    public var documents: Int
    public var kept: Int
    public var error: String?
}

/// What cleaning repaired in the documents it kept: U+FFFD replacements of invalid UTF-8 (and in
/// how many documents), documents decoded from another charset (UTF-16 by its byte-order mark,
/// a WARC payload by its declared charset, others by `--fallback-encoding`), per charset, and
/// what readers undid in record payloads (`PayloadRepair` keys: gzip content-encoding, …).
public struct RepairReport: Sendable, Codable, Equatable {
    public var utf8Replacements = 0
    public var documentsRepaired = 0
    public var decoded: [String: Int] = [:]
    public var payload: [String: Int] = [:]
    /// Pre-tokens longer than `--max-piece-bytes` tokenized in parts (in the documents this run
    /// tokenized: a resumed run does not tokenize again what its finished shards hold).
    public var piecesCut = 0
    public init() {}

    enum CodingKeys: String, CodingKey { case utf8Replacements, documentsRepaired, decoded, payload, piecesCut }

    /// Manifests written before `payload` existed have none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        utf8Replacements = try c.decode(Int.self, forKey: .utf8Replacements)
        documentsRepaired = try c.decode(Int.self, forKey: .documentsRepaired)
        decoded = try c.decode([String: Int].self, forKey: .decoded)
        payload = try c.decodeIfPresent([String: Int].self, forKey: .payload) ?? [:]
        piecesCut = try c.decodeIfPresent(Int.self, forKey: .piecesCut) ?? 0
    }

    public mutating func add(_ other: RepairReport) {
        utf8Replacements += other.utf8Replacements
        documentsRepaired += other.documentsRepaired
        decoded.merge(other.decoded, uniquingKeysWith: +)
        payload.merge(other.payload, uniquingKeysWith: +)
        piecesCut += other.piecesCut
    }
}

public struct DropReport: Sendable, Codable, Equatable {
    public var count = 0
    public var examples: [String] = []
}

/// Documents of one detected language: seen by the language filter, and kept in the output
/// (after every later filter and deduplication).
public struct LanguageCount: Sendable, Codable, Equatable {
    public var documents = 0
    public var kept = 0
    public init(documents: Int = 0, kept: Int = 0) {
        self.documents = documents
        self.kept = kept
    }

    /// `en 120 of 130, de 0 of 3, …`: most documents first, then by code.
    public static func summary(_ counts: [String: LanguageCount]) -> String {
        counts.sorted { ($0.value.documents, $1.key) > ($1.value.documents, $0.key) }.map { "\($0.key) \($0.value.kept) of \($0.value.documents)" }.joined(separator: ", ")
    }
}

public struct SplitTotals: Sendable, Codable, Equatable {
    public var documents = 0
    public var tokens = 0
    public var shards = 0
}

public struct Manifest: Sendable, Codable {
    public struct TokenizerInfo: Sendable, Codable, Equatable {
        public var name: String
        public var fingerprint: String
        public var file: String
        public var vocabularySize: Int
        public var tokenBytes: Int
        public var endOfText: UInt32?
    }
    public var format = "tokenmill-shards"
    public var version = 1
    public var tokenizer: TokenizerInfo
    public var normalization: NormalizationSettings
    public var options: ShardOptions
    public var inputs: [InputRecord]
    public var shards: [ShardSummary]
    public var splits: [DataSplit: SplitTotals]
    public var dropped: [String: DropReport]
    public var documentsRead: Int
    public var documentsKept: Int
    public var bytesIn: Int
    public var bytesOut: Int
    public var tokens: Int
    /// UTF-8 bytes of the cleaned text of the kept documents (what the tokens encode); nil in
    /// manifests written before the field existed. `bytes_in` is the inputs' stored size.
    public var textBytes: Int? = nil
    /// What cleaning repaired; nil in manifests written before the field existed.
    public var repairs: RepairReport? = nil
    /// Counters of the cleaning steps when `--filters` was given: per filter `.documents` (seen)
    /// and `.dropped`, C4's line counts, `minhash.*` (signatures, candidate pairs, near
    /// duplicates) and `pii.*` (addresses replaced); the drops themselves are in `dropped`.
    public var cleaning: [String: Int]? = nil
    /// With language identification (`--languages`, `--min-language-score`): per language CLD2
    /// detected, the documents that reached the language filter and those kept in the shards.
    public var languages: [String: LanguageCount]? = nil

    public static func load(directory: String) throws -> Manifest {
        let path = directory + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ShardError("\(directory): no manifest.json (expected a directory written by `tokenmill shard`; an unfinished run has only journal.jsonl: re-run the same `tokenmill shard` command to finish it)")
        }
        let manifest: Manifest
        do { manifest = try decoder.decode(Manifest.self, from: data) } catch {
            throw ShardError("\(path): not a valid manifest (\(error)); re-run `tokenmill shard`")
        }
        try manifest.checkPaths(directory: directory)
        return manifest
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}
