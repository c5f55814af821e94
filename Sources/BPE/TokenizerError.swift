/// What can go wrong loading a vocabulary or encoding text. Each message says what was expected,
/// what was found and, where it helps, what to do.
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A vocabulary file could not be read as its format. `location` is a line number or JSON path.
    case malformedFile(path: String, location: String, message: String)
    /// The vocabulary itself is inconsistent (e.g. a merge whose result is not a token).
    case invalidVocabulary(String)
    /// The input is not valid UTF-8.
    case invalidUTF8(source: String, offset: Int)
    /// Raw text contains a special token's text and the policy is `.reject`.
    case disallowedSpecialToken(token: String, offset: Int)
    /// A token id that the vocabulary does not have.
    case unknownTokenID(TokenID)
    /// A split pattern ICU cannot compile.
    case invalidPattern(pattern: String, message: String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .malformedFile(path, location, message): return "\(path): \(location): \(message)"
        case let .invalidVocabulary(message): return "invalid vocabulary: \(message)"
        case let .invalidUTF8(source, offset):
            return "\(source): invalid UTF-8 at byte offset \(offset); fix the file, or pass --lossy to replace invalid bytes with U+FFFD"
        case let .disallowedSpecialToken(token, offset):
            return "the text contains the special token \(token) at byte offset \(offset); pass --special ordinary to encode it as plain text, or --special allow to encode it as the special token"
        case let .unknownTokenID(id): return "token id \(id) is not in the vocabulary"
        case let .invalidPattern(pattern, message): return "cannot compile split pattern \(pattern): \(message)"
        case let .unsupported(message): return "unsupported: \(message)"
        }
    }
}
