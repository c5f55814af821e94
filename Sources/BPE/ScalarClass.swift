/// Unicode character classes the split patterns ask about, one byte of flags per scalar.
///
/// Why a flat table: the pre-tokenizers ask "is this a letter / number / space?" once per scalar
/// of every document, and the standard library's property lookups cost a trie walk each time. A
/// 1.1 MB table built once (from the standard library's Unicode data, which is what the regex
/// crate behind tiktoken also generates its tables from) turns each question into one load.
@usableFromInline
struct ScalarClass {
    @usableFromInline static let letter: UInt8 = 1        // \p{L}
    @usableFromInline static let number: UInt8 = 2        // \p{N}
    @usableFromInline static let space: UInt8 = 4         // \s (White_Space)
    @usableFromInline static let upperish: UInt8 = 8      // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k)
    @usableFromInline static let lowerish: UInt8 = 16     // [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k)

    /// Flags for every scalar value 0…0x10FFFF (surrogates are never looked up).
    @usableFromInline static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 0x110000)
        for value in 0..<UInt32(0x110000) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            table[Int(value)] = flags(of: scalar)
        }
        return table
    }()

    static func flags(of scalar: Unicode.Scalar) -> UInt8 {
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
}
