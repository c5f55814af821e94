/// The ranks of a data-parallel job, as the training loop sees them. `Ranks.swift` adapts
/// the `Cluster` module (Open MPI) to it; `PretrainRun` itself needs no MPI, so a library user
/// can plug in any transport.
///
/// Every rank runs the same model on its own rows of each global batch; gradients are summed
/// across ranks (the loss is pre-scaled by 1/W, so the sum is the mean), after which every rank
/// applies the same update and the replicas stay identical without ever sending weights.
public protocol DataParallelGroup: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Element-wise sum over all ranks, in place, blocking.
    func sumValues(_ values: inout [Double]) throws
    /// Starts an in-place sum of `buffer` over all ranks; the buffer stays untouched until waited.
    func startSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> any PendingReduction
}

/// A reduction in flight.
public protocol PendingReduction: AnyObject {
    /// Drives it on (transports that progress only inside their calls need this); true when done.
    @discardableResult func test() throws -> Bool
    func wait() throws
}
