import Foundation
import Shards

extension ShardProgress {
    /// One-line progress of a shard job: what was read, how fast, what came out.
    var statusText: String {
        let mb = Double(bytesRead) / 1e6
        let remaining = inputIndex + 1 < inputCount ? " input \(inputIndex + 1)/\(inputCount)" : ""
        return String(format: "%.1f MB read, %.1f MB/s, %d docs, %d tokens", mb, mb / max(seconds, 1e-3), documents, tokens) + remaining
    }
}
