import ICUShim

/// Cuts valid UTF-8 into the pieces that BPE encodes independently, by a `SplitPattern`.
/// The pieces are contiguous and cover the input: concatenated they give it back.
public struct PreTokenizer: Sendable {
    public let pattern: SplitPattern
    let regex: CompiledRegex?

    public init(pattern: SplitPattern) throws {
        self.pattern = pattern
        if case .regex(let source) = pattern { regex = try CompiledRegex(source) } else { regex = nil }
    }

    /// Calls `body(start, end)` with each piece's byte range, in order. O(n) for the named
    /// patterns. Invalid UTF-8 is a programming error here: the tokenizer validates first.
    @inlinable
    public func forEachPiece(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        guard bytes.count > 0 else { return }
        let cursorTable = ScalarClass.table
        cursorTable.withUnsafeBufferPointer { table in
            let cursor = UTF8Cursor(bytes: bytes, table: table.baseAddress!)
            var i = 0
            let n = bytes.count
            switch pattern {
            case .gpt2:
                while i < n { let e = cursor.gpt2PieceEnd(at: i); body(i, e); i = e }
            case .cl100k:
                while i < n { let e = cursor.cl100kPieceEnd(at: i); body(i, e); i = e }
            case .o200k:
                while i < n { let e = cursor.o200kPieceEnd(at: i); body(i, e); i = e }
            case .regex:
                regexPieces(bytes, body)
            }
        }
    }

    /// The default of `--max-piece-bytes`: pieces longer than this are cut. 256 KiB is 60 times
    /// the longest piece in the fixtures and the shared corpora (natural text has no piece
    /// longer than a few KiB; only runs such as 100 MB of one letter, of zeros or of NUL bytes
    /// reach it), and bounds what BPE holds for one piece to about 20 MB per thread.
    public static let defaultMaxPieceBytes = 256 << 10

    /// The smallest `maxBytes` allowed: a cut must be able to fall between two UTF-8 characters.
    public static let minimumMaxPieceBytes = 4

    /// Like `forEachPiece(in:_:)`, but a piece longer than `maxBytes` is passed on as consecutive
    /// parts of at most `maxBytes` bytes, each cut moved back to the start of a UTF-8 character:
    /// where a piece is cut depends only on the piece, so the result is deterministic and the same
    /// for a document encoded whole or in safe-cut parts. What BPE holds for one piece (its
    /// working arrays, a few tens of bytes per byte) is then bounded by `maxBytes`, however long
    /// an unbroken run of text is. Returns how many pieces were cut. O(n).
    @inlinable @discardableResult
    public func forEachPiece(in bytes: UnsafeBufferPointer<UInt8>, maxBytes: Int, _ body: (Int, Int) -> Void) -> Int {
        precondition(maxBytes >= Self.minimumMaxPieceBytes)
        var cut = 0
        forEachPiece(in: bytes) { start, end in
            guard end - start > maxBytes else { body(start, end); return }
            cut += 1
            var s = start
            while end - s > maxBytes {
                var e = s + maxBytes
                while e > s + 1 && bytes[e] & 0xC0 == 0x80 { e -= 1 }
                body(s, e)
                s = e
            }
            body(s, end)
        }
        return cut
    }

    @usableFromInline
    func regexPieces(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        // Text between matches becomes a piece of its own (Hugging Face's "Isolated" split), so
        // that no byte is ever dropped.
        var last = 0
        regex!.forEachMatch(in: bytes) { start, end in
            if start > last { body(last, start) }
            if end > start { body(start, end) }
            last = end
        }
        if last < bytes.count { body(last, bytes.count) }
    }

    /// The pieces as strings, for inspection and tests.
    public func pieces(_ text: String) -> [String] {
        var utf8 = Array(text.utf8)
        var result: [String] = []
        utf8.withUnsafeMutableBufferPointer { buffer in
            let b = UnsafeBufferPointer(buffer)
            forEachPiece(in: b) { s, e in result.append(String(decoding: b[s..<e], as: UTF8.self)) }
        }
        return result
    }
}

/// An ICU regular expression. The compiled pattern is shared; each use clones a matcher because
/// ICU matchers hold per-match state and are not thread-safe.
final class CompiledRegex: @unchecked Sendable {
    private let prototype: OpaquePointer

    init(_ source: String) throws {
        var status: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        var utf8 = Array(source.utf8)
        let handle = utf8.withUnsafeMutableBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { c in
                tm_regex_open(c.baseAddress, Int32(c.count), &status, &message, Int32(message.count))
            }
        }
        guard let handle else {
            throw TokenizerError.invalidPattern(pattern: source, message: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        prototype = handle
    }

    deinit { tm_regex_close(prototype) }

    func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        var status: Int32 = 0
        guard let matcher = tm_regex_clone(prototype, &status) else { fatalError("ICU regex clone failed: \(status)") }
        defer { tm_regex_close(matcher) }
        tm_regex_reset(matcher, bytes.baseAddress, Int64(bytes.count), &status)
        var start: Int64 = 0, end: Int64 = 0
        while tm_regex_next(matcher, &start, &end, &status) == 1 {
            body(Int(start), Int(end))
        }
        precondition(status <= 0, "ICU regex matching failed: \(String(cString: tm_error_name(status)))")
    }
}

extension PreTokenizer {
    /// For `ScalarClassTableTests`: every scalar value whose flags in the table the scanners use
    /// (expanded from the generated `ScalarClass+Runs.swift`) differ from what this toolchain's
    /// Unicode properties give (`ScalarClass.runtimeFlags(of:)`), with both flags. Empty when
    /// the generated file is current. ~0.1 s.
    @_spi(Testing) public static func scalarClassDifferences() -> [(scalar: UInt32, generated: UInt8, runtime: UInt8)] {
        let runtime = ScalarClass.runtimeTable(), generated = ScalarClass.table
        precondition(generated.count == runtime.count)
        return (0..<runtime.count).compactMap { value in
            generated[value] == runtime[value] ? nil : (UInt32(value), generated[value], runtime[value])
        }
    }
}
