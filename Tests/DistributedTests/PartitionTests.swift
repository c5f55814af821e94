import ClusterModule
import Testing

@Suite struct PartitionTests {
    @Test func everyItemGoesToExactlyOneRankInOrder() {
        let sizes: [Int64] = [5, 900, 12, 12, 400, 3, 3000, 77, 0, 12]
        for ranks in 1...4 {
            let parts = Cluster.partition(sizes: sizes, ranks: ranks)
            #expect(parts.count == ranks)
            #expect(parts.flatMap { $0 }.sorted() == Array(sizes.indices))
            for part in parts { #expect(part == part.sorted()) }
            #expect(Cluster.partition(sizes: sizes, ranks: ranks) == parts)   // a pure function of the sizes
        }
    }

    @Test func largestFirstBalancesTheLoad() {
        // Sizes of the fixture corpus's files would do; a skewed set shows it better: one large
        // input and many small ones must not all land beside the large one.
        let sizes: [Int64] = [1000] + Array(repeating: 100, count: 10)
        let parts = Cluster.partition(sizes: sizes, ranks: 2)
        let loads = parts.map { $0.reduce(Int64(0)) { $0 + sizes[$1] } }
        #expect(loads.sorted() == [1000, 1000])
    }

    @Test func aProcessNotStartedByALauncherIsAJobOfOne() throws {
        let cluster = try Cluster.join()
        #expect(Cluster.launchedByMPI == false)
        #expect(cluster.rank == 0 && cluster.size == 1 && !cluster.usesMPI)
        var values = [1.5, 2.5]
        try cluster.sum(&values)
        #expect(values == [1.5, 2.5])
        #expect(try cluster.allGather([1, 2, 3]) == [[1, 2, 3]])
    }
}
