#if canImport(Glibc)
import Glibc
#endif

extension Cluster {
    /// Assigns items (inputs) to ranks by size: largest first, each to the rank with the least
    /// total so far (ties: the lower rank; equal sizes: the earlier item). Returns, per rank,
    /// the item indices in ascending order, so each rank processes its share in the job's order.
    ///
    /// Why greedy by size rather than round-robin: input files of a corpus range from kilobytes
    /// to gigabytes; round-robin can leave one rank with all the large ones. Greedy longest-first
    /// is within 4/3 of the best balance and a pure function of the sizes, hence the same on
    /// every rank and every rerun. O(n log n + n·ranks).
    public static func partition(sizes: [Int64], ranks: Int) -> [[Int]] {
        precondition(ranks >= 1)
        let order = sizes.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var load = [Int64](repeating: 0, count: ranks)
        var parts = [[Int]](repeating: [], count: ranks)
        for i in order {
            var best = 0
            for r in 1..<ranks where load[r] < load[best] { best = r }
            load[best] += sizes[i]
            parts[best].append(i)
        }
        return parts.map { $0.sorted() }
    }

    /// This rank's share of items of the given sizes (all of them for a single process).
    public func share(sizes: [Int64]) -> [Int] {
        Self.partition(sizes: sizes, ranks: size)[rank]
    }

    /// This rank's share of files, by their sizes on disk (a file that cannot be read counts as
    /// empty: the command reading it reports the error). Indices into `paths`.
    public func share(files paths: [String]) -> [Int] {
        share(sizes: paths.map { path in
            var st = stat()
            return stat(path, &st) == 0 ? Int64(st.st_size) : 0
        })
    }
}
