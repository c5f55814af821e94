/// A failure of the loader itself, not of the shards it reads: options that cannot work
/// (a rank outside the world, an empty mixture), a shard set that does not fit them (too few
/// sequences for the ranks, no shards of the split, another tokenizer), a saved state from
/// another loader. The message says what was expected, what was found and what to do; the
/// shard directory concerned is a field. A damaged shard or block is still a `ShardError`
/// (with `shard` and `block`), thrown by the reader as it finds it.
public struct DataLoaderError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// The shard directory the failure concerns; nil when the options alone are at fault.
    public var directory: String?

    public init(_ description: String, directory: String? = nil) {
        self.description = description
        self.directory = directory
    }
}
