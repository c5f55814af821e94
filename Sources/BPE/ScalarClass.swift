/// Unicode character classes the split patterns ask about, one byte of flags per scalar.
///
/// Why a flat table: the pre-tokenizers ask "is this a letter / number / space?" once per scalar
/// of every document, and the standard library's property lookups cost a trie walk each time. A
/// 1.1 MB table (from the standard library's Unicode data, which is what the regex crate behind
/// tiktoken also generates its tables from) turns each question into one load.
///
/// Why the table is expanded from runs generated ahead of time (`ScalarClass+Runs.swift`, by
/// `scripts/generate-scalar-classes.sh`) instead of asking the standard library for all 1.1 M
/// scalars: that took 25–31% of a whole `tokenmill encode` process on an 11-byte input (perf,
/// `_swift_stdlib_getGeneralCategory` + `_swift_stdlib_getBinaryProperties`, ~0.1 s of CPU per
/// process, BENCHMARKS.md "CLI start-up"); writing 3,219 runs into the table takes well under a
/// millisecond. A lazy per-block table was the other candidate: it would put a "block ready?"
/// test (an atomic load) in front of every lookup of the scanners' hot loop, and still pay the
/// property lookups for every block a document touches. `ScalarClass.runtimeFlags(of:)` stays the
/// definition: `ScalarClassTableTests` compares the expanded table with it for every scalar, so a
/// Swift (Unicode data) update that changes a class fails that test, naming the scalar.
@usableFromInline
struct ScalarClass {
    @usableFromInline static let letter: UInt8 = 1        // \p{L}
    @usableFromInline static let number: UInt8 = 2        // \p{N}
    @usableFromInline static let space: UInt8 = 4         // \s (White_Space)
    @usableFromInline static let upperish: UInt8 = 8      // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k)
    @usableFromInline static let lowerish: UInt8 = 16     // [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k)

    /// The number of scalar values, 0…0x10FFFF (surrogates included; they are never looked up
    /// and have no flags).
    static let scalarCount = 0x110000

    /// Flags for every scalar value, expanded from `runs` on first use.
    @usableFromInline static let table: [UInt8] = expand(runs)

    /// The table that `runs` (each `start << 8 | flags`, starts increasing from 0, a run ending
    /// where the next one starts) describe. O(scalars), one `memset` per run.
    static func expand(_ runs: [UInt32]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: scalarCount) { table, initialized in
            for (r, run) in runs.enumerated() {
                let start = Int(run >> 8)
                let end = r + 1 < runs.count ? Int(runs[r + 1] >> 8) : scalarCount
                precondition(start < end && end <= scalarCount, "ScalarClass.runs: run \(r) does not increase; regenerate with scripts/generate-scalar-classes.sh")
                (table.baseAddress! + start).initialize(repeating: UInt8(truncatingIfNeeded: run), count: end - start)
            }
            precondition(runs.first.map { $0 >> 8 == 0 } ?? false, "ScalarClass.runs must start at scalar 0")
            initialized = scalarCount
        }
    }

    /// The runs of equal flags over all scalar values, as `runs` stores them.
    static func runs(of table: [UInt8]) -> [UInt32] {
        var runs: [UInt32] = []
        for (value, flags) in table.enumerated() where value == 0 || table[value - 1] != flags {
            runs.append(UInt32(value) << 8 | UInt32(flags))
        }
        return runs
    }

    /// The flags of `scalar` from the standard library's Unicode properties: the definition the
    /// generated table is made from and checked against.
    static func runtimeFlags(of scalar: Unicode.Scalar) -> UInt8 {
        let properties = scalar.properties
        var flags: UInt8 = properties.isWhitespace ? space : 0
        switch properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: flags |= letter | upperish
        case .lowercaseLetter: flags |= letter | lowerish
        case .modifierLetter, .otherLetter: flags |= letter | upperish | lowerish
        case .nonspacingMark, .spacingMark, .enclosingMark: flags |= upperish | lowerish
        case .decimalNumber, .letterNumber, .otherNumber: flags |= number
        default: break
        }
        return flags
    }

    /// `runtimeFlags` for every scalar value (0 for surrogates). ~0.1 s: for the generator and
    /// the test, never at run time.
    static func runtimeTable() -> [UInt8] {
        (0..<UInt32(scalarCount)).map { Unicode.Scalar($0).map(runtimeFlags(of:)) ?? 0 }
    }
}
