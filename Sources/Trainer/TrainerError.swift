/// A failure of the trainer itself (reading inputs fails with Corpus's `InputError`). `kind`
/// says whose fault it is, so that a command can print an option error as a usage error and
/// anything else as a runtime error; `description` is the message the CLI prints.
public struct TrainerError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An option or argument the trainer cannot work with, named as the CLI spells it
        /// ("--vocab-size", "--special", "-" for standard input).
        case invalidOption(String)
        /// A counts message from another rank of a distributed job that does not parse: the
        /// byte where reading stopped and the message's length.
        case damagedCountsMessage(byte: Int, length: Int)
    }
    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// Whether the caller's options are at fault (a usage error), rather than the run.
    public var isInvalidOption: Bool {
        if case .invalidOption = kind { return true }
        return false
    }
}
