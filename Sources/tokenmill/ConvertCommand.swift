import ArgumentParser
import BPE
import Corpus
import Foundation

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a tokenizer in another file format: tokenizer.json (Hugging Face) or .tiktoken.",
        discussion: """
        With -o, the format follows the output name: a name ending in .tiktoken gets tiktoken's ranks file (only for rank vocabularies: the pattern and special tokens are not part of that format); anything else gets a Hugging Face tokenizer.json with the merges, pre-tokenizer, normalizer and special tokens.

        With --hf-dir DIR, DIR gets tokenizer.json, tokenizer_config.json and special_tokens_map.json, the folder that transformers.AutoTokenizer.from_pretrained(DIR) loads (same ids as Tokenmill). -o and --hf-dir may be given together.
        """
    )

    @OptionGroup var tokenizerOptions: TokenizerOptions

    @Option(name: .shortAndLong, help: "Output file (.tiktoken, else tokenizer.json).")
    var output: String?

    @Option(name: .customLong("hf-dir"), help: "Folder to write tokenizer.json, tokenizer_config.json and special_tokens_map.json into (created if missing).")
    var hfDirectory: String?

    func validate() throws {
        guard output != nil || hfDirectory != nil else { throw ValidationError("give -o FILE, --hf-dir DIR, or both") }
    }

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        if let output {
            let bytes: [UInt8]
            if output.hasSuffix(".tiktoken") {
                guard tokenizer.model.origin == .ranks else {
                    throw ValidationError("\(tokenizerOptions.tokenizer) has a merges list whose order is not its id order; .tiktoken can only hold rank vocabularies: write a tokenizer.json instead")
                }
                bytes = Array(try tokenizer.tiktokenFileContents().utf8)
            } else {
                bytes = [UInt8](try tokenizer.huggingFaceJSON())
            }
            try write(bytes, to: output)
        }
        if let hfDirectory {
            try FileManager.default.createDirectory(atPath: hfDirectory, withIntermediateDirectories: true)
            let files = [("tokenizer.json", try tokenizer.huggingFaceJSON())] + tokenizer.huggingFaceCompanionFiles().map { ($0.name, $0.contents) }
            for (name, contents) in files { try write([UInt8](contents), to: (hfDirectory as NSString).appendingPathComponent(name)) }
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        var writer = try OutputWriter(path: path)
        try writer.write(bytes)
        try writer.close()
    }
}
