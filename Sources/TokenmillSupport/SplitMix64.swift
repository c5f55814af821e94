/// SplitMix64: a small, fast, portable generator; the same numbers on every machine. The one
/// generator of the data order (DataLoader) and of the GPT's initialization and sampling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (Lemire's multiply-high; bias < n / 2^64).
    package mutating func below(_ n: Int) -> Int { Int(UInt64(n).multipliedFullWidth(by: next()).high) }
    /// Uniform in [0, 1).
    package mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A seed derived from several values (order matters).
    package static func mix(_ values: UInt64...) -> UInt64 {
        var g = SplitMix64(seed: 0x5EED_0F70_4E4D_111C)
        var h: UInt64 = 0
        for v in values { g.state ^= v; h = g.next() ^ (h &* 0x100_0000_01B3) }
        return h
    }
}
