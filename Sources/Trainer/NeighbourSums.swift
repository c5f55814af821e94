/// Per merge step of (a, b) → n, the occurrences of one side's neighbour summed by symbol: for
/// the left side, `weight[x]` is the total count of the words' occurrences preceded by x (each
/// one turns a pair (x, a) into (x, n)), `words[x]` the words they are in; the right side
/// likewise for (b, y) → (n, y).
///
/// Why: one merge changes four pairs per occurrence, and adding each change to the pair table
/// (a hash lookup, several cache misses) cost more than all the rest of the merge loop. All
/// changes of a step are functions of the neighbour symbol, so they are summed here in arrays
/// indexed by symbol (small, cache-resident) and the pair table is touched once per distinct
/// neighbour instead (`MergeWorker.send`). `send` empties each `words[x]` but keeps its
/// capacity, so later steps append to it without allocating.
struct NeighbourSums {
    let weight: UnsafeMutablePointer<Int64>
    let words: UnsafeMutablePointer<[UInt32]>
    let touched: UnsafeMutablePointer<UInt32>
    var touchedCount = 0

    /// Room for symbols 0..<symbols.
    init(symbols: Int) {
        let n = max(1, symbols)
        weight = .allocate(capacity: n)
        weight.initialize(repeating: 0, count: n)
        words = .allocate(capacity: n)
        words.initialize(repeating: [], count: n)
        touched = .allocate(capacity: n)
    }

    /// One occurrence next to `x` in word `w` of count `c` (> 0).
    @inline(__always) mutating func add(_ x: UInt32, _ c: Int64, _ w: UInt32) {
        let i = Int(x)
        if weight[i] == 0 { touched[touchedCount] = x; touchedCount += 1 }
        weight[i] += c
        if words[i].last != w { words[i].append(w) }
    }

    /// Frees the arrays (the value must not be used afterwards).
    func release(symbols: Int) {
        let n = max(1, symbols)
        weight.deallocate()
        words.deinitialize(count: n)
        words.deallocate()
        touched.deallocate()
    }
}
