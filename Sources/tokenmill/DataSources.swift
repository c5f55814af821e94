import ArgumentParser
import DataLoaderModule

/// `--data [WEIGHT:]DIR`, repeated: the shard sets a loader mixes, with their weights (default
/// 1). A prefix is a weight only when it parses as a positive number, so a directory whose name
/// holds a colon still works (`./a:b`). One set keeps the name "data" (the loader state of a
/// single set is the same as before mixing existed); in a mixture the sets are "data0", "data1",
/// … in the order given, which is part of the saved loader state.
enum DataSources {
    static func parse(_ arguments: [String]) throws -> [LoaderSource] {
        guard !arguments.isEmpty else { throw ValidationError("give at least one shard directory") }
        return try arguments.enumerated().map { index, argument in
            var weight = 1.0
            var directory = argument
            if let colon = argument.firstIndex(of: ":"), let w = Double(argument[..<colon]) {
                guard w > 0 && w.isFinite else {
                    throw ValidationError("\(argument): a mixture weight must be a positive number, found \(argument[..<colon])")
                }
                weight = w
                directory = String(argument[argument.index(after: colon)...])
            }
            return LoaderSource(name: arguments.count == 1 ? "data" : "data\(index)", directory: directory, weight: weight)
        }
    }
}
