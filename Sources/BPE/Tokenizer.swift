import Normalizer
import Synchronization
import TokenmillSupport

/// A complete text ↔ token-id mapping: normalization, special tokens, the split pattern and the
/// byte-level BPE model. Immutable and thread-safe; share one instance across threads.
public struct Tokenizer: Sendable {
    public let model: BytePairModel
    public let preTokenizer: PreTokenizer
    /// Applied to text before splitting (the form the vocabulary was trained on).
    public let normalization: NormalizationForm
    /// Special tokens by text. Their ids are outside the BPE merges.
    public let specialTokens: [String: TokenID]
    /// Hugging Face ByteLevel `add_prefix_space`: a space is put before text that does not start with one.
    public let addPrefixSpace: Bool

    /// Pieces longer than this many bytes are encoded in parts (`PreTokenizer.forEachPiece(in:
    /// maxBytes:_:)`), so that memory stays bounded on one unbroken run of text; the ids then
    /// differ from tiktoken's only around each cut. Default `PreTokenizer.defaultMaxPieceBytes`.
    public var maxPieceBytes: Int = PreTokenizer.defaultMaxPieceBytes {
        didSet {
            precondition(maxPieceBytes >= PreTokenizer.minimumMaxPieceBytes)
            cutCounter = PieceCutCounter()
        }
    }
    /// How many pieces longer than `maxPieceBytes` were cut since the limit was set, by this
    /// tokenizer and its copies made since (all threads of `encodeBatch` count into it).
    public var piecesCut: Int { cutCounter.value.load(ordering: .relaxed) }
    @usableFromInline var cutCounter = PieceCutCounter()

    let normalizer: UnicodeNormalizer
    let specialMatcher: SpecialTokenMatcher
    let specialBytes: [TokenID: [UInt8]]

    public init(model: BytePairModel, pattern: SplitPattern, specialTokens: [String: TokenID] = [:],
                normalization: NormalizationForm = .none, addPrefixSpace: Bool = false) throws {
        self.model = model
        self.preTokenizer = try PreTokenizer(pattern: pattern)
        self.normalization = normalization
        self.specialTokens = specialTokens
        self.addPrefixSpace = addPrefixSpace
        self.normalizer = UnicodeNormalizer(form: normalization)
        self.specialMatcher = SpecialTokenMatcher(specialTokens)
        var specialBytes: [TokenID: [UInt8]] = [:]
        for (text, id) in specialTokens { specialBytes[id] = Array(text.utf8) }
        self.specialBytes = specialBytes
    }

    public var pattern: SplitPattern { preTokenizer.pattern }

    /// One more than the largest id, special tokens included.
    public var vocabularySize: Int { max(model.count, (specialTokens.values.max().map { Int($0) + 1 }) ?? 0) }

    /// The id of a special token's text, e.g. `<|endoftext|>`.
    public func specialTokenID(_ text: String) -> TokenID? { specialTokens[text] }

    // MARK: Encoding

    /// Encodes `text`. Special-token text in it follows `specials` (tiktoken's default: reject).
    public func encode(_ text: String, specials: SpecialTokenPolicy = .reject) throws -> [TokenID] {
        var utf8 = text.utf8.map { $0 }
        return try utf8.withUnsafeMutableBufferPointer { try encode(utf8: UnsafeBufferPointer($0), specials: specials) }
    }

    /// Encodes text with special-token text treated as plain text. Never fails.
    public func encodeOrdinary(_ text: String) -> [TokenID] {
        (try? encode(text, specials: .ordinary)) ?? []
    }

    /// Encodes UTF-8 bytes, which must be valid UTF-8 (`TokenizerError.invalidUTF8` otherwise).
    public func encode(utf8 bytes: UnsafeBufferPointer<UInt8>, specials: SpecialTokenPolicy = .reject) throws -> [TokenID] {
        if let offset = UTF8Validation.firstInvalidOffset(bytes) {
            throw TokenizerError.invalidUTF8(source: "input", offset: offset)
        }
        var out: [TokenID] = []
        out.reserveCapacity(bytes.count / 3)
        try appendEncoding(of: bytes, specials: specials, to: &out)
        return out
    }

    /// Appends the encoding of valid UTF-8 `bytes` to `out`.
    public func appendEncoding(of bytes: UnsafeBufferPointer<UInt8>, specials: SpecialTokenPolicy, to out: inout [TokenID]) throws {
        try appendEncoding(of: bytes, specials: specials, cache: makeEncodingCache(textBytes: bytes.count), to: &out)
    }

    /// `appendEncoding(of:specials:to:)` with the piece cache of an `EncodingCache` (the public
    /// overload checks that it is this vocabulary's).
    func appendEncoding(of bytes: UnsafeBufferPointer<UInt8>, specials: SpecialTokenPolicy, cache: PieceCache,
                        to out: inout [TokenID]) throws {
        if specials == .ordinary || specialTokens.isEmpty {
            appendOrdinary(bytes, cache: cache, to: &out)
            return
        }
        var segmentStart = 0
        var searchFrom = 0
        while let match = specialMatcher.firstMatch(in: bytes, from: searchFrom) {
            if specials == .reject {
                throw TokenizerError.disallowedSpecialToken(token: match.text, offset: match.start)
            }
            appendOrdinary(UnsafeBufferPointer(rebasing: bytes[segmentStart..<match.start]), cache: cache, to: &out)
            out.append(match.id)
            segmentStart = match.end
            searchFrom = match.end
        }
        appendOrdinary(UnsafeBufferPointer(rebasing: bytes[segmentStart...]), cache: cache, to: &out)
    }

    /// Normalization, prefix space, split, BPE: text without special tokens.
    @usableFromInline
    func appendOrdinary(_ bytes: UnsafeBufferPointer<UInt8>, cache: PieceCache, to out: inout [TokenID]) {
        if normalization == .none && !addPrefixSpace {
            appendPieces(bytes, cache: cache, to: &out)
            return
        }
        var text = normalizer.normalize(Array(bytes))
        if addPrefixSpace && text.first != 0x20 && !text.isEmpty { text.insert(0x20, at: 0) }
        text.withUnsafeBufferPointer { appendPieces($0, cache: cache, to: &out) }
    }

    @inlinable
    func appendPieces(_ bytes: UnsafeBufferPointer<UInt8>, cache: PieceCache, to out: inout [TokenID]) {
        guard let base = bytes.baseAddress else { return }
        let model = self.model
        let count = bytes.count
        var sink = cache.sink.pointee
        sink.count = 0
        let cut = preTokenizer.forEachPiece(in: bytes, maxBytes: maxPieceBytes) { start, end in
            model.encodePiece(base + start, end - start, readable: count - start, cache: cache, into: &sink)
        }
        out.append(contentsOf: sink.ids(from: 0))
        cache.sink.pointee = sink  // it may have grown
        if cut > 0 { cutCounter.value.add(cut, ordering: .relaxed) }
    }

    // MARK: Decoding

    /// The exact bytes of `ids` (special tokens as their text). Throws on an unknown id.
    public func decodeBytes(_ ids: some Sequence<TokenID>) throws -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { try appendBytes(of: id, to: &out) }
        return out
    }

    /// Decoded text; invalid UTF-8 (a sequence cut between tokens) becomes U+FFFD.
    public func decode(_ ids: some Sequence<TokenID>) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    func appendBytes(of id: TokenID, to out: inout [UInt8]) throws {
        if Int(id) < model.tokens.count, model.tokens.length(of: id) > 0 {
            out.append(contentsOf: model.tokens.bytes(of: id))
        } else if let special = specialBytes[id] {
            out.append(contentsOf: special)
        } else {
            throw TokenizerError.unknownTokenID(id)
        }
    }

    /// The bytes of one token (special tokens as their text), or nil for an unknown id.
    public func tokenBytes(_ id: TokenID) -> [UInt8]? {
        var out: [UInt8] = []
        return (try? appendBytes(of: id, to: &out)) == nil ? nil : out
    }
}
