/// Packs documents into chunks of about `chunkSize` bytes, so that many small files or records
/// make few chunks (few parallel batches) and a long document is cut at safe cuts (one without a
/// safe cut stays whole). A document can be given whole (`add`) or streamed block by block
/// (`append` … `endDocument`). The chunks depend only on the bytes, the document boundaries and
/// `chunkSize`, never on the thread count. Memory: the chunk being filled (about `chunkSize` plus
/// one block) and the chunks not yet taken.
struct DocumentChunker {
    let chunkSize: Int
    var current = Chunk(bytes: [], documentEnds: [])
    /// Where the open document begins in `current.bytes`; cuts fall after it.
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

    /// Appends bytes to the open document; once the chunk is over `chunkSize`, it is closed at
    /// the first safe cut at or after `chunkSize` (the open document goes on in the next chunk).
    /// Amortized O(bytes): each byte is searched for a cut once.
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        current.bytes.append(contentsOf: bytes)
        while current.bytes.count > chunkSize {
            let from = max(chunkSize, openStart + 1, searchedTo)
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
