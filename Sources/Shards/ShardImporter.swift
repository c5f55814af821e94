import BPE
import Corpus
import Crypto
import Foundation

/// One file (or Megatron prefix) to import, and the split its documents go to.
public struct ImportInput: Sendable, Equatable {
    public var path: String
    public var split: DataSplit
    public init(path: String, split: DataSplit = .train) {
        self.path = path
        self.split = split
    }
}

/// `tokenmill import`: token files of another trainer → a `.tms` shard set with its manifest and
/// tokenizer copy, so that an existing tokenized corpus gets Tokenmill's checksums, document index
/// and loader. Reads a chunk of tokens at a time (inputs are memory-mapped), checks every id
/// against the tokenizer's vocabulary, and reports every repair (`repairs`).
///
/// Document boundaries (docs/shard-format.md, "Export and import"):
/// - llmc: end-of-text *before* each document; the files of a split are one stream (llm.c's
///   fineweb.py cuts files mid-document). Tokens before the first end-of-text form a document,
///   counted as `llmc_no_leading_end_of_text`.
/// - nanogpt: end-of-text *after* each document; trailing tokens without one form a last
///   document, counted as `nanogpt_no_trailing_end_of_text`.
/// - megatron: one document per entry of the document index (its sequences concatenated); one
///   trailing end-of-text per document (preprocess_data.py's `--append-eod`) is removed, since the
///   shards put end-of-text before each document.
/// A shard is closed at the first document start at or after `shardTokens` tokens.
public final class ShardImporter {
    public let format: TokenFileFormat
    public let inputs: [ImportInput]
    public let directory: String
    public let tokenizerName: String
    public var shardTokens = 100_000_000
    public var blockTokens = 1 << 16
    public var level: Int32 = 3
    /// Repair → count (what was changed to make valid shards), filled by `run()`.
    public private(set) var repairs: [String: Int] = [:]

    let tokenizer: Tokenizer
    let header: ShardHeader

    public init(format: TokenFileFormat, inputs: [ImportInput], directory: String, tokenizer: String) throws {
        self.format = format
        self.inputs = inputs
        self.directory = directory
        tokenizerName = tokenizer
        self.tokenizer = try Tokenizer.load(tokenizer)
        let fingerprint = try ShardFingerprint.of(self.tokenizer)
        header = ShardHeader(tokenBytes: self.tokenizer.vocabularySize <= 1 << 16 ? 2 : 4, vocabularySize: self.tokenizer.vocabularySize,
                             endOfText: self.tokenizer.specialTokenID("<|endoftext|>"), fingerprint: fingerprint)
        guard !inputs.isEmpty else { throw ShardError("nothing to import: give at least one input file") }
        guard format == .megatron || header.endOfText != nil else {
            throw ShardError("\(format.rawValue) files separate documents with end-of-text, but tokenizer \(tokenizer) has no <|endoftext|> token; pass the tokenizer the files were made with")
        }
    }

    /// Where one split's documents are being written.
    struct SplitWriter {
        var writer: ShardWriter?
        var index = 0
        var open = false      // a document is begun and not yet ended (llmc / nanogpt streams)
    }

    var writers: [DataSplit: SplitWriter] = [:]
    var summaries: [ShardSummary] = []
    var documentsInInput = 0

    public func run() throws -> Manifest {
        if FileManager.default.fileExists(atPath: directory + "/manifest.json") {
            throw ShardError("\(directory) already holds a shard set (manifest.json); import into a new directory")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var records: [InputRecord] = []
        do {
            for input in inputs {
                documentsInInput = 0
                let files: [String]
                switch format {
                case .megatron:
                    let prefix = Self.megatronPrefix(input.path)
                    try importMegatron(prefix: prefix, split: input.split)
                    files = [prefix + ".idx", prefix + ".bin"]
                case .llmc, .nanogpt:
                    try importStream(path: input.path, split: input.split)
                    files = [input.path]
                }
                for (k, file) in files.enumerated() {
                    let (size, sha) = try ShardJob.hashFile(file)
                    let docs = k == files.count - 1 ? documentsInInput : 0
                    records.append(InputRecord(path: file, format: format.rawValue, size: size, sha256: sha, documents: docs, kept: docs, error: nil))
                }
            }
            for split in DataSplit.allCases {
                if format == .nanogpt, writers[split]?.open == true { repairs["nanogpt_no_trailing_end_of_text", default: 0] += 1 }
                try closeShard(split)
            }
        } catch {
            for (_, w) in writers { w.writer?.abandon() }
            throw error
        }
        var tokenizerFile = try OutputWriter(path: directory + "/tokenizer.json")
        try tokenizerFile.write(Array(try tokenizer.huggingFaceJSON()))
        try tokenizerFile.close()
        var totals: [DataSplit: SplitTotals] = [.train: SplitTotals(), .val: SplitTotals()]
        for s in summaries {
            totals[s.split]!.shards += 1
            totals[s.split]!.documents += s.documents
            totals[s.split]!.tokens += s.tokens
        }
        var options = ShardOptions(inputs: inputs.map(\.path))
        options.tokenizer = tokenizerName
        options.shardTokens = shardTokens
        options.blockTokens = blockTokens
        options.compressionLevel = level
        let documents = summaries.reduce(0) { $0 + $1.documents }
        let manifest = Manifest(
            tokenizer: .init(name: tokenizerName, fingerprint: header.fingerprintHex, file: "tokenizer.json", vocabularySize: header.vocabularySize,
                             tokenBytes: header.tokenBytes, endOfText: header.endOfText),
            normalization: options.normalization, options: options, inputs: records, shards: summaries, splits: totals, dropped: [:],
            documentsRead: documents, documentsKept: documents, bytesIn: records.reduce(0) { $0 + $1.size },
            bytesOut: summaries.reduce(0) { $0 + $1.bytes }, tokens: summaries.reduce(0) { $0 + $1.tokens })
        try manifest.write(to: directory)
        return manifest
    }

    static func megatronPrefix(_ path: String) -> String {
        for suffix in [".idx", ".bin"] where path.hasSuffix(suffix) { return String(path.dropLast(suffix.count)) }
        return path
    }

    // MARK: writing

    func beginDocument(_ split: DataSplit) throws {
        var w = writers[split, default: SplitWriter()]
        if let writer = w.writer, Int(writer.tokenCount) >= shardTokens {
            writers[split] = w
            try closeShard(split)
            w = writers[split]!
        }
        if w.writer == nil {
            let name = String(format: "%@-%06d.%@", split.rawValue, w.index, ShardFormat.fileExtension)
            w.writer = try ShardWriter(path: directory + "/" + name, header: header, blockTokens: blockTokens, level: level)
        }
        try w.writer!.beginDocument()
        w.open = true
        writers[split] = w
        documentsInInput += 1
    }

    func closeShard(_ split: DataSplit) throws {
        guard var w = writers[split], let writer = w.writer else { return }
        summaries.append(try writer.finish(split: split))
        w.writer = nil
        w.index += 1
        writers[split] = w
    }

    // MARK: reading

    /// Ids `[first, first + count)` of a little-endian integer array of `width` bytes at `base`,
    /// checked against the vocabulary.
    func decode(_ raw: UnsafeRawBufferPointer, base: Int, first: Int, count: Int, width: Int, signed: Bool, file: String,
                into out: inout [UInt32]) throws {
        out.removeAll(keepingCapacity: true)
        let vocabulary = header.vocabularySize
        for k in first..<(first + count) {
            let at = base + k * width
            let v: Int64
            switch (width, signed) {
            case (1, false): v = Int64(raw.load(fromByteOffset: at, as: UInt8.self))
            case (1, true): v = Int64(raw.load(fromByteOffset: at, as: Int8.self))
            case (2, false): v = Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            case (2, true): v = Int64(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
            case (4, false): v = Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            case (4, true): v = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
            default: v = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self))
            }
            guard v >= 0, v < Int64(vocabulary) else {
                throw ShardError("\(file): token \(k) (byte \(at)) is \(v), outside the vocabulary of \(tokenizerName) (0..<\(vocabulary)): the file was made with another tokenizer; pass that one with --tokenizer")
            }
            out.append(UInt32(v))
        }
    }

    static func map(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ShardError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// llm.c or nanoGPT: a stream of ids with end-of-text before (llm.c) or after (nanoGPT) each document.
    func importStream(path: String, split: DataSplit) throws {
        let data = try Self.map(path)
        var base = 0, width = 2
        if format == .llmc {
            guard data.count >= TokenFileFormat.llmcHeaderBytes else {
                throw ShardError("\(path): \(data.count) bytes, shorter than llm.c's 1024-byte header: not an llm.c token file")
            }
            let (magic, version, count) = data.withUnsafeBytes { raw in
                (Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: Int32.self)),
                 Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: Int32.self)),
                 Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: Int32.self))))
            }
            switch (magic, version) {
            case (TokenFileFormat.llmcMagic16, TokenFileFormat.llmcVersion16): width = 2
            case (TokenFileFormat.llmcMagic32, TokenFileFormat.llmcVersion32): width = 4
            default:
                throw ShardError("\(path): llm.c header magic \(magic) version \(version); expected \(TokenFileFormat.llmcMagic16) version \(TokenFileFormat.llmcVersion16) (uint16 tokens) or \(TokenFileFormat.llmcMagic32) version \(TokenFileFormat.llmcVersion32) (uint32): not an llm.c token file")
            }
            base = TokenFileFormat.llmcHeaderBytes
            guard (data.count - base) == count * width else {
                throw ShardError("\(path): the header counts \(count) tokens, but \(data.count - base) bytes follow it (\(width) bytes per token): truncated or damaged")
            }
        }
        guard (data.count - base) % width == 0 else {
            throw ShardError("\(path): \(data.count - base) bytes of tokens is not a whole number of \(width)-byte tokens: truncated or not a token file")
        }
        let total = (data.count - base) / width
        let eot = header.endOfText!
        var chunk: [UInt32] = []
        chunk.reserveCapacity(1 << 16)
        try data.withUnsafeBytes { raw in
            var first = 0
            while first < total {
                let n = min(1 << 16, total - first)
                try decode(raw, base: base, first: first, count: n, width: width, signed: false, file: path, into: &chunk)
                try cutDocuments(chunk, eot: eot, split: split)
                first += n
            }
        }
    }

    /// Cuts a piece of a stream into documents at end-of-text.
    func cutDocuments(_ tokens: [UInt32], eot: UInt32, split: DataSplit) throws {
        var start = 0
        for i in 0..<tokens.count where tokens[i] == eot {
            if format == .llmc {
                try flush(tokens[start..<i], split: split, leading: true)
                try beginDocument(split)
            } else {
                try flush(tokens[start..<i], split: split, leading: false)
                if writers[split]?.open != true { try beginDocument(split) }  // an empty document
                writers[split]!.open = false
            }
            start = i + 1
        }
        try flush(tokens[start...], split: split, leading: format == .llmc)
    }

    /// Appends tokens to the open document, beginning one first if none is open.
    func flush(_ tokens: ArraySlice<UInt32>, split: DataSplit, leading: Bool) throws {
        guard !tokens.isEmpty else { return }
        if writers[split]?.open != true {
            if leading { repairs["llmc_no_leading_end_of_text", default: 0] += 1 }
            try beginDocument(split)
        }
        try writers[split]!.writer!.appendToDocument(tokens)
    }

    /// Megatron's indexed dataset: `PREFIX.idx` and `PREFIX.bin`.
    func importMegatron(prefix: String, split: DataSplit) throws {
        let idxPath = prefix + ".idx", binPath = prefix + ".bin"
        let idx = try Self.map(idxPath), bin = try Self.map(binPath)
        let headerSize = 9 + 8 + 1 + 8 + 8
        guard idx.count >= headerSize, Array(idx.prefix(9)) == TokenFileFormat.megatronMagic else {
            throw ShardError("\(idxPath): no Megatron index header (expected \"MMIDIDX\\0\\0\" at byte 0): not a Megatron .idx file")
        }
        let (version, code, sequences, entries) = idx.withUnsafeBytes { raw in
            (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self)), raw.load(fromByteOffset: 17, as: UInt8.self),
             Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 18, as: UInt64.self))),
             Int(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 26, as: UInt64.self))))
        }
        guard version == TokenFileFormat.megatronVersion else {
            throw ShardError("\(idxPath): Megatron index version \(version); this tokenmill reads version 1")
        }
        guard let dtype = TokenFileFormat.megatronDTypeWidth(code) else {
            throw ShardError("\(idxPath): Megatron dtype code \(code) is not an integer type (1 uint8, 2 int8, 3 int16, 4 int32, 5 int64, 8 uint16)")
        }
        let width = dtype.bytes, signed = dtype.signed
        let lengthsAt = headerSize, pointersAt = lengthsAt + 4 * sequences, documentsAt = pointersAt + 8 * sequences
        guard entries >= 1, idx.count >= documentsAt + 8 * entries else {
            throw ShardError("\(idxPath): \(idx.count) bytes, but its header announces \(sequences) sequences and \(entries) document index entries (\(documentsAt + 8 * entries) bytes): truncated")
        }
        let eot = header.endOfText
        var chunk: [UInt32] = []
        try idx.withUnsafeBytes { ix in
            try bin.withUnsafeBytes { raw in
                func int64(_ at: Int) -> Int { Int(Int64(littleEndian: ix.loadUnaligned(fromByteOffset: at, as: Int64.self))) }
                var previous = int64(documentsAt)
                for d in 1..<entries {
                    let next = int64(documentsAt + 8 * d)
                    guard previous <= next, next <= sequences else {
                        throw ShardError("\(idxPath): document index entry \(d) is \(next) after \(previous) (expected increasing, at most \(sequences) sequences): damaged index")
                    }
                    // The document's sequences, with one trailing end-of-text removed.
                    var ranges: [(at: Int, count: Int)] = []
                    for s in previous..<next {
                        let n = Int(Int32(littleEndian: ix.loadUnaligned(fromByteOffset: lengthsAt + 4 * s, as: Int32.self)))
                        let p = int64(pointersAt + 8 * s)
                        guard n >= 0, p >= 0, p + n * width <= raw.count else {
                            throw ShardError("\(idxPath): sequence \(s) (\(n) tokens at byte \(p)) lies outside \(binPath) (\(raw.count) bytes): the .bin does not belong to this .idx, or is truncated")
                        }
                        if n > 0 { ranges.append((p, n)) }
                    }
                    if let eot, let last = ranges.last {
                        try decode(raw, base: last.at, first: last.count - 1, count: 1, width: width, signed: signed, file: binPath, into: &chunk)
                        if chunk[0] == eot {
                            ranges[ranges.count - 1].count -= 1
                        } else {
                            repairs["megatron_no_trailing_end_of_text", default: 0] += 1
                        }
                    }
                    try beginDocument(split)
                    for r in ranges {
                        var first = 0
                        while first < r.count {
                            let n = min(1 << 16, r.count - first)
                            try decode(raw, base: r.at, first: first, count: n, width: width, signed: signed, file: binPath, into: &chunk)
                            try writers[split]!.writer!.appendToDocument(chunk[...])
                            first += n
                        }
                    }
                    writers[split]!.open = false
                    previous = next
                }
            }
        }
    }
}
