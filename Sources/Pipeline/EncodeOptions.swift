import BPE
import Corpus
import TokenmillSupport

/// How `EncodeJob` writes ids: one line of space-separated decimal ids per document, or the ids
/// of all documents back to back as little-endian 16- or 32-bit integers.
public enum TokenOutput: String, Sendable, CaseIterable { case text, u16, u32 }

/// Where the end-of-text id goes in binary output: before each document (the shard format's and
/// llm.c's convention), after each one (nanoGPT's prepare.py), or nowhere.
public enum EndOfTextPlacement: String, Sendable, CaseIterable { case before, after, none }

/// What `EncodeJob` reads and writes.
public struct EncodeOptions: Sendable {
    /// `.text` (a file is a document) or `.jsonl` (a non-blank line is a document); other formats
    /// are refused (`EncodeJob.init`).
    public var inputFormat: InputFormat = .text
    /// The JSONL field holding the text.
    public var textField = "text"
    public var specials: SpecialTokenPolicy = .ordinary
    /// Replace invalid UTF-8 with U+FFFD instead of stopping at the first invalid sequence.
    public var lossy = false
    public var output: TokenOutput = .text
    /// The id put around documents in binary output (`endOfTextPlacement`); nil: none.
    public var endOfText: TokenID? = nil
    public var endOfTextPlacement: EndOfTextPlacement = .before
    public var threads = ThreadCount.default
    /// Work items: a long document is cut (`Tokenizer.nextSafeCut`) into parts of about this
    /// many bytes, and JSONL files into runs of whole lines of about this size.
    public var partBytes = 1 << 18
    /// Bytes of input read ahead and encoded together; memory is about three batches plus their
    /// output (one being read, one waiting, one being encoded).
    public var batchBytes = 8 << 20

    public init() {}
}
