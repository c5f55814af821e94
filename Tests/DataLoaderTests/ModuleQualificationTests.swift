import DataLoaderModule
import Testing

/// Compiles only because the module is not named like its `DataLoader` class.
@Suite struct DataLoaderModuleQualification {
    @Test func theModuleQualifiesItsTypesBesideTheDataLoaderClass() {
        let options = DataLoaderModule.DataLoaderOptions(batchSize: 2, context: 16)
        let layout: DataLoaderModule.RankLayout = .blocks
        let loader: DataLoaderModule.DataLoader.Type = DataLoaderModule.DataLoader.self
        #expect(options.rankLayout == layout && "\(loader)" == "DataLoader")
    }
}
