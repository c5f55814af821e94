/// One shard set of a weighted mixture.
public struct LoaderSource: Sendable, Hashable {
    public var name: String
    public var directory: String
    public var weight: Double
    public init(name: String, directory: String, weight: Double = 1) {
        self.name = name
        self.directory = directory
        self.weight = weight
    }
}
