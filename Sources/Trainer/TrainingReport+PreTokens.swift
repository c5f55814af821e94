extension TrainingReport {
    /// Sets the pre-token figures from the table left after counting or merging: its unique
    /// entries, all occurrences seen (those it holds plus those pruned so far) and the pruned
    /// share of them. One place for what counting and `CountingResult.merge` both report.
    /// O(entries) (the sum of the counts).
    mutating func recordPreTokens(of table: PreTokenCounts) {
        uniquePreTokens = table.count
        preTokens = table.totalOccurrences + prunedOccurrences
        prunedFraction = preTokens > 0 ? Double(prunedOccurrences) / Double(preTokens) : 0
    }

    /// Adds timings to a list of them by name (the same name's seconds are summed, new names are
    /// appended in order): how the phases and count steps of results counted apart add up.
    /// O(timings × list).
    static func add(_ timings: [Phase], to list: inout [Phase]) {
        for t in timings {
            if let k = list.firstIndex(where: { $0.name == t.name }) { list[k].seconds += t.seconds }
            else { list.append(t) }
        }
    }
}
