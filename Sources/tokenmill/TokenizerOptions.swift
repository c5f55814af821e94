import ArgumentParser
import BPE

/// Options shared by every command that takes a tokenizer.
struct TokenizerOptions: ParsableArguments {
    @Option(name: .long, help: "A bundled vocabulary name (gpt2), a .tiktoken file, a tokenizer.json, or a folder with vocab.json + merges.txt.")
    var tokenizer: String = "gpt2"

    @Option(name: .long, help: "Split pattern for .tiktoken files: gpt2, cl100k or o200k (default: from the file name).")
    var pattern: String?

    func load() throws -> Tokenizer {
        var split: SplitPattern?
        if let pattern {
            guard let named = SplitPattern(name: pattern) else {
                throw ValidationError("unknown pattern \"\(pattern)\": expected gpt2, cl100k or o200k")
            }
            split = named
        }
        return try Tokenizer.load(tokenizer, pattern: split)
    }
}

extension SpecialTokenPolicy: ExpressibleByArgument {}
