import Foundation

/// Lap timer.
final class Clock: @unchecked Sendable {
    var last = Date()
    func lap() -> Double {
        let now = Date()
        defer { last = now }
        return now.timeIntervalSince(last)
    }
}
