@_spi(Testing) import BPE
import Testing

@Suite struct ScalarClassTableTests {
    /// The pre-tokenizer's scalar-class table is generated ahead of time
    /// (`scripts/generate-scalar-classes.sh`), not computed at start-up. It must equal what this
    /// toolchain's `Unicode.Scalar.Properties` give, for every scalar 0…0x10FFFF: a Swift update
    /// that changes the Unicode data fails here, naming the scalars, instead of splitting text
    /// differently from the regex engine without a word.
    @Test func generatedTableEqualsTheRuntimeUnicodePropertiesForEveryScalar() {
        let differences = PreTokenizer.scalarClassDifferences()
        let named = differences.prefix(20).map { d in
            "U+\(String(d.scalar, radix: 16, uppercase: true)): generated flags \(d.generated), runtime \(d.runtime)"
        }
        #expect(differences.isEmpty, """
            \(differences.count) scalars differ from this toolchain's Unicode properties \
            (flags: 1 letter, 2 number, 4 space, 8 upper-ish, 16 lower-ish); first: \
            \(named.joined(separator: "; ")). Regenerate with scripts/generate-scalar-classes.sh.
            """)
    }
}
