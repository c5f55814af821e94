import Foundation
import Shards
import TestSupport
import Testing

/// Shard-set files found by fuzzing to crash a reader (docs/fuzzing.md, target `manifest`). The
/// shard set is a real one made from Fixtures/ text (`FaultTests.smallShard`); each test edits
/// its manifest as a user or a broken tool could, and expects a problem report, not a trap.
@Suite struct FuzzFindingTests {
    /// Before: `shards.reduce(0) { $0 + $1.tokens }` trapped with "arithmetic overflow"
    /// (Manifest+Integrity.swift) when counts summed past Int.max.
    @Test func manifestCountsThatSumPastIntMaxAreReportedNotTrapped() throws {
        let (dir, _) = try FaultTests.smallShard("fuzz-manifest-sum")
        try FaultTests.editManifest(dir) { object in
            var shards = object["shards"] as! [[String: Any]]
            shards.append(shards[0].merging(["file": "train-000099.tms"]) { $1 })
            shards[0]["tokens"] = Int.max
            object["shards"] = shards
        }
        let manifest = try Manifest.load(directory: dir)
        let problems = manifest.listProblems(directory: dir)
        #expect(problems.contains { $0.contains("sum past \(Int.max)") && $0.contains("field tokens") }, "\(problems)")
    }
}
