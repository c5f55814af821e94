import ArgumentParser
import BPE
import Corpus

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode token ids back to text (the reverse of encode).",
        discussion: """
        With --input-format text each line of space-separated ids is a document; u16 and u32 read \
        raw little-endian ids. The exact bytes are written; documents are joined by --separator.
        """
    )

    @OptionGroup var tokenizerOptions: TokenizerOptions

    @Option(help: "text, u16 or u32.")
    var inputFormat: EncodeCommand.OutputFormat = .text

    @Option(help: "Written between documents (text input only). Escapes: \\n, \\t.")
    var separator: String = ""

    @Option(name: .shortAndLong, help: "Write here instead of standard output.")
    var outputFile: String?

    @Argument(help: "Input file (.gz, .zst and .bz2 are decompressed), or - for standard input.")
    var file: String = "-"

    func run() throws {
        let tokenizer = try tokenizerOptions.load()
        let raw = try InputFile.read(file)
        var writer = try OutputWriter(path: outputFile)
        let sep = Array(separator.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\t", with: "\t").utf8)
        switch inputFormat {
        case .text:
            var first = true
            for (number, line) in raw.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                if line.isEmpty && number == raw.split(separator: 0x0A, omittingEmptySubsequences: false).count - 1 { break }
                var ids: [TokenID] = []
                for field in line.split(separator: 0x20) {
                    guard let id = TokenID(String(decoding: field, as: UTF8.self)) else {
                        throw ValidationError("\(file): line \(number + 1): expected space-separated token ids, found \"\(String(decoding: field, as: UTF8.self))\"")
                    }
                    ids.append(id)
                }
                if !first { try writer.write(sep) }
                first = false
                try writer.write(try tokenizer.decodeBytes(ids))
            }
        case .u16, .u32:
            let width = inputFormat == .u16 ? 2 : 4
            guard raw.count % width == 0 else {
                throw ValidationError("\(file): \(raw.count) bytes is not a whole number of \(width)-byte ids (truncated file, or wrong --input-format?)")
            }
            var ids: [TokenID] = []
            ids.reserveCapacity(raw.count / width)
            var i = 0
            while i < raw.count {
                var id: TokenID = 0
                for k in 0..<width { id |= TokenID(raw[i + k]) << TokenID(8 * k) }
                ids.append(id)
                i += width
            }
            try writer.write(try tokenizer.decodeBytes(ids))
        }
        try writer.close()
    }
}
