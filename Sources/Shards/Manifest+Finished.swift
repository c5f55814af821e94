import Foundation

extension Manifest {
    /// The manifest of the finished shard set in `directory`, or nil when there is none yet
    /// (no `manifest.json`: a new or interrupted run). Why one check for every caller: a single
    /// process (`ShardJob.run`) and a distributed job (the CLI, before any rank starts work) must
    /// refuse the same directories with the same message. O(size of the manifest).
    /// - Throws: when the finished set was made with other options, or its manifest is unreadable.
    public static func finished(directory: String, options: ShardOptions) throws -> Manifest? {
        guard FileManager.default.fileExists(atPath: directory + "/manifest.json") else { return nil }
        let manifest = try load(directory: directory)
        guard manifest.options == options else {
            throw ShardError("\(directory) already holds finished shards made with other options; choose a new output directory or delete it")
        }
        return manifest
    }
}
