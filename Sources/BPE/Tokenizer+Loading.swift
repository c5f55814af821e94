import Foundation
import Normalizer

extension Tokenizer {
    /// Loads a tokenizer from any supported file, chosen by its name:
    /// - a bundled vocabulary name (`gpt2`, see `Vocab/`), or a `.tiktoken` file (pattern and
    ///   special tokens from the file name, unless `pattern` is given);
    /// - a `tokenizer.json` (Hugging Face);
    /// - a folder holding `tokenizer.json`, or GPT-2's `vocab.json` + `merges.txt`;
    /// - a `vocab.json` whose `merges.txt` sits beside it.
    public static func load(_ location: String, pattern: SplitPattern? = nil) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory)
        if !exists, let bundled = BundledVocabulary.path(named: location) {
            return try loadTiktoken(path: bundled, pattern: pattern)
        }
        guard exists else {
            throw TokenizerError.malformedFile(path: location, location: "file",
                message: "no such file, and not a bundled vocabulary (bundled: \(BundledVocabulary.names.joined(separator: ", ")))")
        }
        if isDirectory.boolValue {
            let json = (location as NSString).appendingPathComponent("tokenizer.json")
            if FileManager.default.fileExists(atPath: json) { return try load(json, pattern: pattern) }
            let vocab = (location as NSString).appendingPathComponent("vocab.json")
            let merges = (location as NSString).appendingPathComponent("merges.txt")
            return try loadGPT2(vocabPath: vocab, mergesPath: merges)
        }
        if location.hasSuffix(".tiktoken") { return try loadTiktoken(path: location, pattern: pattern) }
        if (location as NSString).lastPathComponent == "vocab.json" {
            let merges = ((location as NSString).deletingLastPathComponent as NSString).appendingPathComponent("merges.txt")
            return try loadGPT2(vocabPath: location, mergesPath: merges)
        }
        return try loadHuggingFace(path: location)
    }
}

extension Tokenizer {
    /// The largest token id (or tiktoken rank) a vocabulary file of `fileBytes` bytes may name:
    /// its size in bytes, at least 2^20. Why: ids index arrays, so one id far past the file's
    /// entries allocated for every id below it (an 80-byte `.tiktoken` naming rank 2^31 - 1 asked
    /// for 16 GiB; a `tokenizer.json` id of 5,000,000,000 trapped converting to a 32-bit id:
    /// docs/fuzzing.md). Every entry of a real file takes more than one byte,
    /// so its ids stay below its size; the 2^20 floor leaves room for specials placed past a gap
    /// (cl100k's sit at 100257 and 100276) in small files.
    static func maximumTokenID(fileBytes: Int) -> Int { min(Int(UInt32.max) - 1, max(fileBytes, 1 << 20)) }

    /// The message for an id or rank past `maximumTokenID`.
    static func idPastFile(_ what: String, _ found: Int, maximum: Int) -> String {
        "expected a \(what) of at most \(maximum) (the larger of the file's size in bytes and 2^20: \(what)s index arrays, so one past every entry means a damaged file), found \(found)"
    }
}

/// The vocabularies shipped in the repository's `Vocab/` folder.
public enum BundledVocabulary {
    public static let names = ["gpt2", "cl100k_base", "o200k_base"]

    /// Where `Vocab/` is: `$TOKENMILL_VOCAB_DIR`, else found from the executable's location or
    /// this source file's (a SwiftPM build always has the sources beside it).
    public static var directory: String? {
        if let env = ProcessInfo.processInfo.environment["TOKENMILL_VOCAB_DIR"] { return env }
        var candidates: [String] = []
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(url.appendingPathComponent("Vocab").path); url.deleteLastPathComponent() }
        var source = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { source.deleteLastPathComponent() }
        candidates.append(source.appendingPathComponent("Vocab").path)
        return candidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("gpt2.tiktoken")) }
    }

    public static func path(named name: String) -> String? {
        guard names.contains(name), let directory else { return nil }
        return (directory as NSString).appendingPathComponent("\(name).tiktoken")
    }
}
