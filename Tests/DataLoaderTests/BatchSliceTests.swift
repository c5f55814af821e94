import DataLoaderModule
import Testing

/// The batch-slices layout: W ranks' batches, stacked in rank order, are one loader's batches
/// with W times the rows — across epoch boundaries (the stream here is short enough to wrap) and
/// with shuffling on.
@Suite struct BatchSliceTests {
    @Test(arguments: [2, 3])
    func ranksStackIntoTheSingleLoadersBatches(worldSize: Int) throws {
        let dir = try Fixture.books.get()
        let rows = 2, T = 512
        var whole = DataLoaderOptions(batchSize: rows * worldSize, context: T)
        whole.seed = 7
        whole.prefetch = 0
        let reference = try DataLoader(directory: dir, options: whole)
        let perEpoch = reference.sequencesPerEpoch[0]
        let steps = perEpoch / (rows * worldSize) + 3   // past the end of the first epoch
        let expected = try drain(reference, max: steps)
        let ranks = try (0..<worldSize).map { r -> [Batch] in
            var o = whole
            o.batchSize = rows
            o.rank = r
            o.worldSize = worldSize
            o.rankLayout = .batchSlices
            return try drain(DataLoader(directory: dir, options: o), max: steps)
        }
        #expect(expected.count == steps)
        for step in 0..<steps {
            let stacked = ranks.map { $0[step] }
            #expect(stacked.flatMap(\.inputs) == expected[step].inputs, "step \(step)")
            #expect(stacked.flatMap(\.positions) == expected[step].positions)
            #expect(stacked.flatMap(\.sequenceIDs) == expected[step].sequenceIDs)
        }
        #expect(Set(expected.map(\.epoch)).count == 2)
    }

    @Test func aMixtureIsRefused() throws {
        let a = try Fixture.books.get()
        var o = DataLoaderOptions(batchSize: 2, context: 64)
        o.worldSize = 2
        o.rankLayout = .batchSlices
        #expect(throws: (any Error).self) {
            try DataLoader(sources: [LoaderSource(name: "a", directory: a), LoaderSource(name: "b", directory: a)], options: o)
        }
    }
}
