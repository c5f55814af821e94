/// Packs documents into chunks of about `chunkSize` bytes, so that many small files or records
/// make few chunks (few parallel batches) and a long document is cut at safe cuts (one without a
/// safe cut stays whole). A document can be given whole (`add`) or streamed block by block
/// (`append` … `endDocument`).
///
/// Where a long document is cut depends on the document alone, never on what was packed before
/// it: each piece ends at the first safe cut at or after `chunkSize` bytes from the piece's start.
/// The hold-out is the tail of each piece, so this is what makes it the same whatever share of the
/// files a process reads: `mpirun -np N train-tokenizer` held back different bytes than one process
/// when the cut was counted from the chunk's start instead (issue 14). The chunks depend only on
/// the bytes, the document boundaries and `chunkSize`, never on the thread count. Memory: the chunk
/// being filled (under `chunkSize` of earlier documents plus at most one piece, so about
/// 2 × `chunkSize` plus one block) and the chunks not yet taken.
struct DocumentChunker {
    let chunkSize: Int
    var current = Chunk(bytes: [], documentEnds: [])
    /// Where the open document's current piece begins in `current.bytes` (its start, or 0 when it
    /// goes on from the previous chunk); its next cut is counted from here.
    var openStart = 0
    /// `current.bytes[..<searchedTo]` holds no usable safe cut.
    var searchedTo = 0
    var ready: [Chunk] = []

    init(chunkSize: Int) { self.chunkSize = chunkSize }

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
            guard let cut = current.bytes.withUnsafeBufferPointer({ safeCut($0, from: from, to: $0.count) }) else {
                searchedTo = current.bytes.count
                return
            }
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
