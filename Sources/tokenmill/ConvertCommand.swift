import ArgumentParser
import BPE
import Corpus
import Foundation

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a tokenizer in another file format: tokenizer.json (Hugging Face) or .tiktoken.",
        discussion: """
        The format follows the output name: a name ending in .tiktoken gets tiktoken's ranks file \
        (only for rank vocabularies: the pattern and special tokens are not part of that format); \
        anything else gets a Hugging Face tokenizer.json with the merges, pre-tokenizer, normalizer \
        and special tokens.
        """
    )

    @OptionGroup var tokenizerOptions: TokenizerOptions

    @Option(name: .shortAndLong, help: "Output file.")
    var output: String

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        let bytes: [UInt8]
        if output.hasSuffix(".tiktoken") {
            guard tokenizer.model.origin == .ranks else {
                throw ValidationError("\(tokenizerOptions.tokenizer) has a merges list whose order is not its id order; .tiktoken can only hold rank vocabularies: write a tokenizer.json instead")
            }
            bytes = Array(try tokenizer.tiktokenFileContents().utf8)
        } else {
            bytes = [UInt8](try tokenizer.huggingFaceJSON())
        }
        var writer = try OutputWriter(path: output)
        try writer.write(bytes)
        try writer.close()
    }
}
