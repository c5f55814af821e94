import ClusterModule
import Testing

/// Compiles only because the module is not named like its `Cluster` class.
@Suite struct ClusterModuleQualification {
    @Test func theModuleQualifiesItsTypesBesideTheClusterClass() {
        let cluster: ClusterModule.Cluster.Type = ClusterModule.Cluster.self
        let error: ClusterModule.ClusterError.Type = ClusterModule.ClusterError.self
        #expect("\(cluster)" == "Cluster" && "\(error)" == "ClusterError")
    }
}
