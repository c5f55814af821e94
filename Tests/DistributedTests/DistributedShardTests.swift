import Foundation
import Shards
import TestSupport
import Testing

/// `mpirun -np N tokenmill shard` against one process on the same inputs: the same documents,
/// the same tokens, the same drops — including duplicates that sit on different ranks.
@Suite(.serialized) struct DistributedShardTests {
    /// Every document of a shard set, per split, as token arrays in a canonical (sorted) order.
    static func documents(_ directory: String) throws -> [DataSplit: [[UInt32]]] {
        let manifest = try Manifest.load(directory: directory)
        var out: [DataSplit: [[UInt32]]] = [:]
        for shard in manifest.shards {
            let reader = try ShardReader(path: directory + "/" + shard.file)
            for i in 0..<reader.documentCount { out[shard.split, default: []].append(try reader.document(i)) }
        }
        return out.mapValues { $0.sorted { $0.lexicographicallyPrecedes($1) } }
    }

    /// The fixture corpus plus an exact copy of one of its files under a name that sorts last:
    /// equal sizes put the copy on another rank than the original, so only the exchange of
    /// dedup keys can drop it.
    static func inputs() throws -> String {
        let dir = try CLI.temporaryDirectory("mpi-inputs")
        let fm = FileManager.default
        let corpus = CLI.fixtures + "/corpus"
        for sub in try fm.contentsOfDirectory(atPath: corpus).sorted() {
            try fm.copyItem(atPath: corpus + "/" + sub, toPath: dir + "/" + sub)
        }
        let books = try fm.contentsOfDirectory(atPath: corpus + "/books").filter { $0.hasSuffix(".txt") }.sorted()
        try fm.copyItem(atPath: corpus + "/books/" + books[0], toPath: dir + "/zz-copy-of-" + books[0])
        return dir
    }

    @Test func ranksProduceTheSingleProcessDocuments() throws {
        let inputs = try Self.inputs()
        let out = try CLI.temporaryDirectory("mpi-shard")
        let common = [inputs, "--split", "blank-lines", "--val-fraction", "0.1", "--threads", "1", "--shard-tokens", "200000", "--json"]
        let single = try CLI.run(["shard", "-o", out + "/single"] + common)
        #expect(single.status == 0, "\(single.stderr)")
        let reference = try Self.documents(out + "/single")
        let one = try Manifest.load(directory: out + "/single")
        #expect((one.dropped["duplicate"]?.count ?? 0) > 0)
        for ranks in [2, 3] {
            let dir = out + "/np\(ranks)"
            let r = try MPI.run(ranks: ranks, ["shard", "-o", dir] + common)
            #expect(r.status == 0, "\(r.stderr)")
            let merged = try Manifest.load(directory: dir)
            #expect(merged.shards.contains { $0.file.hasPrefix("rank-0000\(ranks - 1)/") })
            #expect(merged.documentsRead == one.documentsRead && merged.documentsKept == one.documentsKept)
            #expect(merged.tokens == one.tokens)
            #expect(merged.dropped.mapValues(\.count) == one.dropped.mapValues(\.count))
            #expect(merged.inputs.map(\.path) == one.inputs.map(\.path))
            #expect(try Self.documents(dir) == reference, "np \(ranks): documents differ from one process's")
            let verify = try CLI.run(["verify", dir])
            #expect(verify.status == 0, "\(verify.stderr)")
        }
    }

    @Test func aKilledJobResumesPerRank() throws {
        let inputs = try Self.inputs()
        let out = try CLI.temporaryDirectory("mpi-shard-kill")
        let common = [inputs, "--split", "blank-lines", "--val-fraction", "0.1", "--threads", "1", "--shard-tokens", "50000"]
        #expect(try CLI.run(["shard", "-o", out + "/single"] + common).status == 0)
        let reference = try Self.documents(out + "/single")
        // Kill the whole job (mpirun forwards SIGKILL's aftermath to the ranks) at two points.
        for delay in [0.8, 1.6] {
            let dir = out + "/killed-\(delay)"
            let killed = try MPI.runAndKill(ranks: 2, ["shard", "-o", dir] + common, after: delay)
            if killed.killed { #expect(killed.result.status != 0) }
            let r = try MPI.run(ranks: 2, ["shard", "-o", dir] + common)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try Self.documents(dir) == reference)
        }
    }
}
