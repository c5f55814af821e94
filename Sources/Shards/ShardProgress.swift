/// Progress of a running job, for a progress line.
public struct ShardProgress: Sendable {
    public var inputIndex: Int
    public var inputCount: Int
    public var bytesRead: Int
    public var documents: Int
    public var tokens: Int
    public var seconds: Double
    /// On-disk bytes of the inputs finished so far, and of all inputs (for percent and ETA).
    public var inputBytesDone: Int64 = 0
    public var inputBytesTotal: Int64 = 0
}
