import Foundation
import Shards

extension ShardProgress {
    /// One-line progress of a shard job: what was read, how fast, what came out, and (once an
    /// input is finished) the share of the inputs' on-disk bytes done and the time left at that
    /// rate.
    public var statusText: String {
        let mb = Double(bytesRead) / 1e6
        var text = String(format: "%.1f MB read, %.1f MB/s, %d docs, %d tokens", mb, mb / max(seconds, 1e-3), documents, tokens)
        if inputCount > 1 { text += " input \(min(inputIndex + 1, inputCount))/\(inputCount)" }
        if inputBytesTotal > 0 && inputBytesDone > 0 {
            let fraction = min(1, Double(inputBytesDone) / Double(inputBytesTotal))
            text += String(format: ", %.0f%%", fraction * 100)
            if fraction < 1 { text += ", ETA " + formatDuration(seconds * (1 - fraction) / fraction) }
        }
        return text
    }
}
