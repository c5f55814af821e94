import Foundation
import TokenmillSupport

/// Where a loader's stream stands: small, Codable (JSON). A loader made with the same sources and
/// options and this state yields exactly the batches the original would have yielded next.
public struct LoaderState: Codable, Sendable, Equatable {
    public var version = 1
    /// Per source: sequences of its stream consumed (across epochs, skipped ones included).
    public var positions: [Int]
    /// Rows drawn from the mixture so far.
    public var rows: Int
    /// What must match on restore: options that change the order, and each source's identity.
    public var seed: UInt64
    public var context: Int
    public var rank: Int
    public var worldSize: Int
    public var chunkSequences: [Int]
    public var windowChunks: Int
    public var shuffle: Bool
    public var sources: [String]
    /// nil for `.blocks` (states written before layouts existed have none). Encoded as the
    /// layout's raw value (`"batch-slices"`), omitted when nil.
    public var rankLayout: RankLayout? = nil

    public func json() throws -> Data {
        try JSONOutput.encode(self, .state)
    }
    public static func from(json: Data) throws -> LoaderState { try JSONDecoder().decode(LoaderState.self, from: json) }
}
