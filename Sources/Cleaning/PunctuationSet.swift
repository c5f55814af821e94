/// Membership in datatrove's punctuation tables (`ReferenceTables`): a bitmap over the Basic
/// Multilingual Plane and a set above it.
struct PunctuationSet: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1024)
    private var astral = Set<UInt32>()

    init(_ scalars: [UInt32]...) {
        for list in scalars {
            for c in list {
                if c < 0x10000 { bits[Int(c >> 6)] |= 1 << UInt64(c & 63) } else { astral.insert(c) }
            }
        }
    }

    @inline(__always) func contains(_ c: UInt32) -> Bool {
        c < 0x10000 ? bits[Int(c >> 6)] & (1 << UInt64(c & 63)) != 0 : astral.contains(c)
    }

    /// `PUNCTUATION_SET`: a word made only of these is a "symbol" (Gopher quality).
    static let all = PunctuationSet(ReferenceTables.punctuation, ReferenceTables.terminalPunctuation)
    /// `PUNCTUATION`: what MinHash's text simplification replaces by spaces.
    static let simplified = PunctuationSet(ReferenceTables.punctuation)
    /// `TERMINAL_PUNCTUATION`: FineWeb's line-ending marks.
    static let terminal = PunctuationSet(ReferenceTables.terminalPunctuation)
}
