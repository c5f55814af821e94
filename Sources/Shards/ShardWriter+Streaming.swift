import BPE

/// Documents appended piece by piece, for inputs whose document lengths are not known up front
/// (`ShardImporter` reads token files a chunk at a time, so memory stays bounded however long a
/// document is).
extension ShardWriter {
    /// Starts a document: records its start and writes its leading end-of-text token.
    func beginDocument() throws {
        documentStarts.append(tokenCount)
        if let eot = header.endOfText { try appendTokens(CollectionOfOne(eot)) }
    }

    /// Appends tokens to the document begun last.
    func appendToDocument(_ tokens: ArraySlice<TokenID>) throws { try appendTokens(tokens) }
}
