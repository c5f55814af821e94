import Foundation
import TokenmillSupport

/// Everything `tokenmill quickstart` measured, written as `report.json` (snake_case keys) and
/// rendered as `report.md`. Sizes are bytes, times seconds, losses and entropies nats per token.
public struct QuickstartReport: Codable {
    struct Stage: Codable {
        var name: String
        var seconds: Double
        /// The one-line summary the stage printed.
        var summary: String
    }

    struct Corpus: Codable {
        var path: String
        var files: Int
        var bytes: Int
    }

    struct Normalization: Codable {
        var form: String
        var documents: Int
        var bytesIn: Int
        var bytesOut: Int
        var utf8Replacements: Int
        var controlsRemoved: Int
        var charactersChanged: Int
        var newlinesNormalized: Int
        /// Documents that could not be read or normalized, per reason (they are not in the output).
        var dropped: [String: Int]
        var output: String
    }

    struct Token: Codable {
        var id: Int
        /// The token's bytes as text (invalid UTF-8 pieces shown as U+FFFD).
        var text: String
        var bytes: Int
    }

    struct Vocabulary: Codable {
        /// "trained" or the --vocab it was loaded from.
        var source: String
        var file: String
        var size: Int
        var merges: Int
        var specialTokens: [String]
        /// Text bytes per token on the validation split's documents (end-of-text markers excluded).
        var bytesPerTokenVal: Double?
        var trainingSeconds: Double?
        var firstTokens: [Token]
        var lastTokens: [Token]
        var longestTokens: [Token]
    }

    struct ShardStats: Codable {
        var directory: String
        var documentsRead: Int
        var documentsKept: Int
        var trainDocuments: Int
        var valDocuments: Int
        var trainTokens: Int
        var valTokens: Int
        var shards: Int
        /// Bytes of the input files (here normalized.jsonl: JSON-escaped text and sources).
        var bytesIn: Int
        /// Bytes of the .tms files.
        var bytesOut: Int
        /// UTF-8 bytes of the kept documents' text, decoded back from the shards.
        var textBytes: Int
        /// text_bytes / bytes_out.
        var compressionRatio: Double
        /// Tokens at their stored width (2 or 4 bytes) / bytes_out: what zstd gained.
        var tokenCompressionRatio: Double
        var dropped: [String: Int]
    }

    struct Model: Codable {
        var vocabSize: Int
        var contextLength: Int
        var layers: Int
        var heads: Int
        var channels: Int
        var parameters: Int
    }

    struct Training: Codable {
        var model: Model
        var steps: Int
        var batchSize: Int
        var context: Int
        var learningRate: Double
        var tokensSeen: Int
        var epochs: Double
        var seconds: Double
        /// Median tokens per second over the updates (the first excluded).
        var tokensPerSecond: Double
        var initialTrainLoss: Double?
        var finalTrainLoss: Double?
        var initialValLoss: Double?
        var finalValLoss: Double?
        /// Entropy of the training tokens' unigram distribution: the loss of the best model that
        /// ignores context. A trained model should end below it.
        var unigramEntropy: Double
        /// Uniform guessing: ln(vocabulary size), where an untrained model starts.
        var uniformLoss: Double
        var runDirectory: String
        var checkpoint: String?
        var lossCurve: String
    }

    struct Sample: Codable {
        var prompt: String
        var beforeTraining: String
        var afterTraining: String
    }

    struct Sampling: Codable {
        var maxTokens: Int
        var temperature: Double
        var topK: Int
        var seed: UInt64
    }

    var tokenmillCommand: String
    var date: String
    var threads: Int
    var corpus: Corpus
    var normalization: Normalization
    var vocabulary: Vocabulary?
    var shards: ShardStats?
    var training: Training?
    var sampling: Sampling
    var samples: [Sample] = []
    var stages: [Stage] = []

    /// `report.json`'s bytes (`JSONOutput.Style.document`).
    public func json() throws -> Data { try JSONOutput.encode(self, .document) }
}
