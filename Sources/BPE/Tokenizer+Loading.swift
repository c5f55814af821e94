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
