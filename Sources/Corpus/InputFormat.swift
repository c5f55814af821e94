import Foundation

/// The layout of an input file.
public enum InputFormat: String, Sendable, Codable, CaseIterable {
    case text, jsonl, html, warc, wet, wikipedia, parquet

    /// The format a file name implies (compression extensions `.gz`, `.zst`, `.bz2` are looked
    /// through): `.jsonl`/`.json` → jsonl, `.html`/`.htm`/`.xhtml` → html, `.warc` → warc,
    /// `.wet` (or `.warc.wet`) → wet, XML → wikipedia when it is a MediaWiki dump (see
    /// `looksLikeWikipediaDump`), `.parquet` → parquet (never compressed from outside: Parquet
    /// compresses its pages itself), anything else → text.
    public static func guess(path: String) -> InputFormat {
        var name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".parquet") { return .parquet }
        for ext in [".gz", ".zst", ".bz2"] where name.hasSuffix(ext) { name.removeLast(ext.count) }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        if name.hasSuffix(".html") || name.hasSuffix(".htm") || name.hasSuffix(".xhtml") { return .html }
        if name.hasSuffix(".wet") { return .wet }
        if name.hasSuffix(".warc") { return .warc }
        if looksLikeWikipediaDump(path: path, name: name) { return .wikipedia }
        return .text
    }

    /// Whether an input is a MediaWiki XML dump. Only names ending in `.xml`, or containing
    /// `.xml-p` as Wikimedia's split dumps do (`enwiki-…-pages-articles1.xml-p1p41242.bz2`), are
    /// considered; of those, the first 64 KiB of the (decompressed) stream decide: the root
    /// element must be `<mediawiki`. Other XML stays `text`, as before this format existed. When
    /// the file cannot be opened or decompressed, a name containing `pages-articles` or
    /// `pages-meta` is enough (the reader then reports the real problem).
    /// Cost: one open and at most one decompressed chunk, for XML names only.
    static func looksLikeWikipediaDump(path: String, name: String) -> Bool {
        guard name.hasSuffix(".xml") || name.contains(".xml-p") else { return false }
        let byName = name.contains("pages-articles") || name.contains("pages-meta")
        guard var stream = try? openByteStream(path, chunkSize: 1 << 16) else { return byName }
        var head: [UInt8] = []
        while head.count < 1 << 16 {
            let chunk: [UInt8]?
            do { chunk = try stream.next() } catch { return byName }
            guard let chunk else { break }
            head += chunk
        }
        return WikipediaDumpReader.startsLikeDump(head)
    }
}
