/// Packs documents into chunks of about `chunkSize` bytes, so that many small files or records
/// make few chunks (few parallel batches) and a long document is cut at safe cuts (one without a
/// safe cut stays whole). A document can be given whole (`add`) or streamed block by block
/// (`append` … `endDocument`).
///
/// Where a long document is cut depends on the document alone, never on what was packed before
/// it: each piece ends at the first safe cut at or after `chunkSize` bytes from the piece's start,
/// or, when there is none within `forcedCutBytes` of the piece's start (one unbroken run of text,
/// a 100 MB line without a letter or digit before a line feed), at the character start at or
/// before `forcedCutBytes`: the pre-token that spans it is then counted in two parts (counted in
/// `forcedCuts`), and a chunk never exceeds `forcedCutBytes` plus one block, so memory stays
/// bounded whatever the input (issue 16 item 4: 100 MB of one letter made one 100 MB chunk).
/// The hold-out is the tail of each piece, so this is what makes it the same whatever share of the
/// files a process reads: `mpirun -np N train-tokenizer` held back different bytes than one process
/// when the cut was counted from the chunk's start instead (issue 14). The chunks depend only on
/// the bytes, the document boundaries and `chunkSize`, never on the thread count. Memory: the chunk
/// being filled (under `chunkSize` of earlier documents plus at most one piece, so about
/// 2 × `chunkSize` plus one block) and the chunks not yet taken.
struct DocumentChunker {
    let chunkSize: Int
    /// 16 MiB (4 × the default `chunkSize`; more for larger chunks): a multiple of
    /// `--max-piece-bytes`' default, so a run that starts a document is cut where its pre-token
    /// is cut anyway. Fixed rather than a multiple of small chunk sizes, so that text without
    /// safe cuts (Chinese lines end in no ASCII letter) is not cut by a small test chunk size.
    let forcedCutBytes: Int
    /// How many pieces were cut without a safe cut.
    var forcedCuts = 0
    var current = Chunk(bytes: [], documentEnds: [])
    /// Where the open document's current piece begins in `current.bytes` (its start, or 0 when it
    /// goes on from the previous chunk); its next cut is counted from here.
    var openStart = 0
    /// `current.bytes[..<searchedTo]` holds no usable safe cut.
    var searchedTo = 0
    var ready: [Chunk] = []

    init(chunkSize: Int) {
        self.chunkSize = chunkSize
        forcedCutBytes = max(16 << 20, 4 * chunkSize)
    }

    /// Appends one whole document (empty ones add nothing). O(document).
    mutating func add(_ document: UnsafeBufferPointer<UInt8>) {
        append(document)
        endDocument()
    }

    /// Appends bytes to the open document; once its current piece is over `chunkSize`, the chunk
    /// is closed at the piece's first safe cut at or after `chunkSize` (the open document goes on
    /// in the next chunk). Amortized O(bytes): each byte is searched for a cut once.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        current.bytes.append(contentsOf: bytes)
        while current.bytes.count - openStart > chunkSize {
            let from = max(openStart + chunkSize, searchedTo)
            let limit = openStart + forcedCutBytes
            var found = current.bytes.withUnsafeBufferPointer { safeCut($0, from: from, to: min($0.count, limit)) }
            if found == nil {
                guard current.bytes.count > limit else {
                    searchedTo = current.bytes.count
                    return
                }
                var c = limit
                while c > openStart + 1 && current.bytes[c] & 0xC0 == 0x80 { c -= 1 }
                found = c
                forcedCuts += 1
            }
            let cut = found!
            let rest = Array(current.bytes[cut...])
            current.bytes.removeSubrange(cut...)
            current.documentEnds.append(cut)
            ready.append(current)
            current = Chunk(bytes: rest, documentEnds: [])
            openStart = 0
            searchedTo = 0
        }
    }

    /// Closes the open document; the chunk is closed too if it has reached `chunkSize`.
    mutating func endDocument() {
        if current.bytes.count > openStart { current.documentEnds.append(current.bytes.count) }
        openStart = current.bytes.count
        searchedTo = openStart
        if current.bytes.count >= chunkSize { flush() }
    }

    /// Closes the current chunk (at the end of all input).
    mutating func flush() {
        if !current.bytes.isEmpty { ready.append(current) }
        current = Chunk(bytes: [], documentEnds: [])
        openStart = 0
        searchedTo = 0
    }
}
