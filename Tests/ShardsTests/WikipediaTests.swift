import Corpus
import Foundation
import TestSupport
import Testing

/// The Wikipedia XML reader on real dumps (Fixtures/formats/wikipedia, cut from gensim's test
/// data by scripts/make_wiki_fixture.py), against the reference page lists that the same script
/// made with Python's xml.etree.ElementTree.iterparse.
@Suite struct WikipediaDumps {
    static let directory = CLI.fixtures + "/formats/wikipedia"
    static let dumps = ["enwiki-pages-articles1-prefix", "enwiki-table-markup"]

    struct Reference: Decodable {
        var pages: Int
        var redirects: Int
        var other_namespaces: Int
        var articles: [[Article]]
        enum Article: Decodable {
            case id(Int), title(String)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let i = try? c.decode(Int.self) { self = .id(i) } else { self = .title(try c.decode(String.self)) }
            }
        }
        var titles: [String] { articles.compactMap { $0.compactMap { if case .title(let t) = $0 { t } else { nil } }.first } }
        var ids: [Int] { articles.compactMap { $0.compactMap { if case .id(let i) = $0 { i } else { nil } }.first } }
    }

    static func reference(_ name: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).reference.json")))
    }

    static func articles(_ path: String) throws -> [Document] {
        var reader = try DocumentReader(path: path, options: ReaderOptions())
        #expect(reader.format == .wikipedia)
        var documents: [Document] = []
        while let d = try reader.next() { documents.append(d) }
        return documents
    }

    @Test(arguments: dumps) func pagesAndTitlesMatchTheReferenceParser(_ name: String) throws {
        let path = "\(Self.directory)/\(name).xml.bz2"
        let reference = try Self.reference(name)
        #expect(InputFormat.guess(path: path) == .wikipedia)
        // Every page, as the reference parser sees it.
        var pages = try WikipediaDumpReader(openByteStream(path), source: path)
        var all: [WikipediaDumpReader.Page] = []
        while let page = try pages.next() { all.append(page) }
        #expect(all.count == reference.pages)
        #expect(all.filter { $0.namespace != 0 }.count == reference.other_namespaces)
        #expect(all.filter { $0.namespace == 0 && $0.isRedirect }.count == reference.redirects)
        let articles = all.filter { $0.namespace == 0 && !$0.isRedirect }
        #expect(articles.map(\.title) == reference.titles)
        #expect(articles.map(\.id) == reference.ids.map { Optional($0) })
        // The documents: one per article, located by title.
        let documents = try Self.articles(path)
        #expect(documents.map(\.location) == reference.titles.map { "\(path)#\($0)" })
        #expect(documents.allSatisfy { $0.problem == nil && !$0.bytes.isEmpty })
    }

    @Test(arguments: dumps) func markupIsGoneFromEveryArticle(_ name: String) throws {
        for document in try Self.articles("\(Self.directory)/\(name).xml.bz2") {
            let text = String(decoding: document.bytes, as: UTF8.self)
            for markup in ["{{", "}}", "[[", "]]", "<ref", "</ref", "'''", "{|", "|}", "&nbsp;", "<!--", "thumb|"] {
                #expect(!text.contains(markup), "\(document.location) still holds \(markup)")
            }
        }
    }

    @Test func anarchismReadsAsItsArticle() throws {
        let documents = try Self.articles("\(Self.directory)/enwiki-pages-articles1-prefix.xml.bz2")
        let page = try #require(documents.first { $0.location.hasSuffix("#Anarchism") })
        let text = String(decoding: page.bytes, as: UTF8.self)
        // The lead as the article shows it: bold, links, references and templates reduced.
        #expect(text.hasPrefix("Anarchism is a political philosophy that advocates self-governed societies based on voluntary institutions."), "\(text.prefix(300))")
        #expect(text.contains("These are often described as stateless societies, although several authors have defined them more specifically as institutions based on non-hierarchical free associations."))
        #expect(text.contains("Anarchism considers the state to be undesirable, unnecessary, and harmful."))
        // Headings stand on their own line; categories and interlanguage links are gone.
        #expect(text.contains("\nEtymology and terminology\n") || text.contains("\nHistory\n"))
        #expect(!text.contains("Category:"))
    }

    @Test func tablesAreDropped() throws {
        let documents = try Self.articles("\(Self.directory)/enwiki-table-markup.xml.bz2")
        let raw = String(decoding: try InputFile.read("\(Self.directory)/enwiki-table-markup.xml.bz2"), as: UTF8.self)
        #expect(raw.contains("{|"))  // the sample does hold tables
        let first = try #require(documents.first)
        let text = String(decoding: first.bytes, as: UTF8.self)
        #expect(first.location.hasSuffix("#Constructive vote of no confidence"))
        #expect(text.hasPrefix("The constructive vote of no confidence (in German: konstruktives Misstrauensvotum, in Spanish: moción de censura constructiva) is a variation on the motion of no confidence"), "\(text.prefix(300))")
        #expect(!text.contains("class=\"wikitable\"") && !text.contains("\n|-"))
    }

    @Test func truncatedDumpKeepsThePagesBeforeAndSaysSo() throws {
        let dir = try CLI.temporaryDirectory("wiki-truncated")
        let xml = try InputFile.read("\(Self.directory)/enwiki-pages-articles1-prefix.xml.bz2")
        let reference = try Self.reference("enwiki-pages-articles1-prefix")
        // Cut in the middle of the 10th article's text.
        let text = String(decoding: xml, as: UTF8.self)
        let title = reference.titles[9]
        let at = text.utf8.distance(from: text.utf8.startIndex, to: text.range(of: "<title>\(title)</title>")!.upperBound) + 2000
        let path = dir + "/enwiki-cut-pages-articles.xml"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(xml[0..<at])))
        #expect(InputFormat.guess(path: path) == .wikipedia)
        var reader = try DocumentReader(path: path, options: ReaderOptions())
        var titles: [String] = []
        let error = #expect(throws: InputError.self) {
            while let d = try reader.next() { titles.append(String(d.location.split(separator: "#").last!)) }
        }
        #expect(titles == Array(reference.titles.prefix(9)))
        #expect(error?.description.contains("truncated") == true && error?.description.contains(title) == true, "\(error?.description ?? "")")
        #expect(error?.kind == .truncated && error?.path == path && error.map { $0.description.contains("inside page \($0.record ?? -1)") } == true, "\(String(describing: error))")
    }

    /// A chunk boundary inside the closing `</mediawiki>` tag: the reader must keep enough of the
    /// buffer's tail to find the tag across two chunks. The plain `.xml` is read with a chunk
    /// size that ends the first chunk `cut` bytes into the tag, for every cut inside it.
    @Test func closingTagSplitAcrossChunksIsFound() throws {
        let dir = try CLI.temporaryDirectory("wiki-split-close")
        let name = "enwiki-pages-articles1-prefix"
        let xml = try InputFile.read("\(Self.directory)/\(name).xml.bz2")
        let reference = try Self.reference(name)
        let path = dir + "/\(name).xml"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(xml)))
        let tag = Array("</mediawiki>".utf8)
        let at = try #require((0...(xml.count - tag.count)).last { xml[$0..<($0 + tag.count)].elementsEqual(tag) })
        for cut in 1..<tag.count {
            var pages = try WikipediaDumpReader(openByteStream(path, chunkSize: at + cut), source: path)
            var all: [WikipediaDumpReader.Page] = []
            #expect(throws: Never.self, "cut \(cut) bytes into </mediawiki>") {
                while let page = try pages.next() { all.append(page) }
            }
            #expect(all.count == reference.pages, "cut \(cut)")
            #expect(all.filter { $0.namespace == 0 && !$0.isRedirect }.map(\.title) == reference.titles, "cut \(cut)")
        }
    }

    @Test func otherXMLIsNotTakenForADump() throws {
        let dir = try CLI.temporaryDirectory("wiki-other-xml")
        // An XML file that is not a MediaWiki export stays text (its first page's text as XML).
        let path = dir + "/notes.xml"
        try "<?xml version=\"1.0\"?>\n<notes><note>plain</note></notes>\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(InputFormat.guess(path: path) == .text)
        // Forced to wikipedia, it is a clear error.
        var reader = try DocumentReader(path: path, options: ReaderOptions(format: .wikipedia))
        let error = #expect(throws: InputError.self) { _ = try reader.next() }
        #expect(error?.description.contains("expected a MediaWiki XML dump") == true)
        #expect(error == InputError(.malformed, path: path, byteOffset: 0, error?.description ?? ""))
    }

    @Test func shardCommandReadsTheDump() throws {
        let dir = try CLI.temporaryDirectory("wiki-shard")
        let dump = "\(Self.directory)/enwiki-pages-articles1-prefix.xml.bz2"
        let reference = try Self.reference("enwiki-pages-articles1-prefix")
        let r = try CLI.run(["shard", dump, "-o", dir + "/out", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
        #expect(summary["documents_read"] as? Int == reference.titles.count)
        #expect(summary["documents_kept"] as? Int == reference.titles.count)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/out/manifest.json"))) as! [String: Any]
        let inputs = manifest["inputs"] as! [[String: Any]]
        #expect(inputs.first?["format"] as? String == "wikipedia")
        let first = try CLI.run(["cat", dir + "/out", "--doc", "0"])
        #expect(first.status == 0)
        #expect(first.text.contains("Anarchism is a political philosophy"))
    }
}
