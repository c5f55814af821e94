#if canImport(Glibc)
import Glibc
#endif

/// Normal draws (Box–Muller over SplitMix64): the GPT's initialization, and the tests' and
/// benchmarks' random tensors.
extension SplitMix64 {
    public mutating func nextGaussian() -> Float {
        let u1 = Double(next() >> 11 + 1) / Double(1 << 53)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
