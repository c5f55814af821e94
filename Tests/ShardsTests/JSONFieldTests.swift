import Corpus
import Foundation
import TestSupport
import Testing

/// `JSONField`, the JSON Lines text-field reader, against Foundation's `JSONSerialization` (an
/// independent, complete JSON parser) on real documents and on the grammar's corners.
@Suite struct JSONFieldTests {
    static func decode(_ record: String, _ field: String = "text") -> Result<[UInt8], JSONField.Failure> {
        JSONField.string(field, in: Array(record.utf8))
    }

    /// What Foundation reads as `object[field]`, as UTF-8 bytes (nil: not a string there).
    static func foundation(_ record: String, _ field: String = "text") throws -> [UInt8]? {
        let object = try JSONSerialization.jsonObject(with: Data(record.utf8), options: [.fragmentsAllowed])
        return ((object as? [String: Any])?[field] as? String).map { Array($0.utf8) }
    }

    /// Every document of Fixtures/corpus (books, articles, web pages, seven languages) wrapped in
    /// a record by JSONSerialization, with other fields of every JSON kind before and after the
    /// text: the field decodes to exactly the document's text.
    @Test func realDocumentsRoundTrip() throws {
        let root = CLI.root + "/Fixtures/corpus"
        let files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".txt") }.sorted()
        #expect(files.count >= 20)
        for path in files {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: root + "/" + path)), as: UTF8.self)
            let record: [String: Any] = ["id": path, "meta": ["lang": ["xx", 1, 2.5e-3, true, NSNull()], "n": -0.0],
                                         "text": text, "z": [[[]], [:]] as [Any]]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self)
            #expect(try Self.decode(json).get() == Array(text.utf8), "\(path)")
        }
    }

    @Test func escapesAndWhitespaceMatchFoundation() throws {
        let records = [
            #"{"text":"plain"}"#,
            #"  {  "a" : 1 , "text" : "tab\there\nnew \"quoted\" back\\slash \/ \b\f\r" }  "#,
            #"{"text":"\u00e9\u4e2d\u0000\u001f \ud83d\ude00 \uD834\uDD1E"}"#,
            #"{"x":{"text":"nested, not this"},"text":"top"}"#,
            #"{"n":[0,-1,1.5,2e10,-3.25E-7,1e+2],"t":true,"f":false,"z":null,"text":""}"#,
            "{\"text\":\"raw UTF-8: Grüße, 東京, 🙂\"}",
            #"{"te\u0078t":"a key spelled with an escape","tex":"no","textual":"no"}"#,
        ]
        for record in records {
            #expect(try Self.decode(record).get() == (try Self.foundation(record)), "\(record)")
        }
    }

    /// A repeated key: the last value counts (as `json.loads` and JSONSerialization).
    @Test func lastDuplicateWins() throws {
        #expect(try Self.decode(#"{"text":"first","text":"second"}"#).get() == Array("second".utf8))
        #expect(try Self.decode(#"{"text":"first","text":7}"#) == .failure(.missingString(found: "a number", fields: ["text"])))
    }

    /// Strings JSONSerialization refuses but web text contains: a lone surrogate escape becomes
    /// U+FFFD; invalid UTF-8 bytes pass through for the cleaner to repair and count.
    @Test func lenientWhereRealTextNeedsIt() throws {
        #expect(try Self.decode(#"{"text":"a\ud800b\udc00c\ud800\u0041"}"#).get() == Array("a\u{FFFD}b\u{FFFD}c\u{FFFD}A".utf8))
        let invalid: [UInt8] = Array(#"{"text":"ab"#.utf8) + [0xFF, 0xC3] + Array(#"cd"}"#.utf8)
        #expect(try JSONField.string("text", in: invalid).get() == [0x61, 0x62, 0xFF, 0xC3, 0x63, 0x64])
    }

    /// Every malformed record is refused with an offset inside it. Foundation refuses each as well,
    /// except trailing commas, which it tolerates and RFC 8259 (and Python's `json.loads`) do not.
    @Test func malformedRecordsAreRefused() throws {
        let records = [
            #"{"text":"unterminated}"#, #"{"text":"x""#, #"{"text":"x",}"#, #"{"text" "x"}"#, #"{text:"x"}"#,
            #"{"text":"x"} trailing"#, #"{"text":"bad \q escape"}"#, #"{"text":"\u12G4"}"#, #"{"text":"\u12"}"#,
            "{\"text\":\"raw\tcontrol\"}", #"{"a":01,"text":"x"}"#, #"{"a":1.,"text":"x"}"#, #"{"a":-,"text":"x"}"#,
            #"{"a":tru,"text":"x"}"#, #"{"a":[1,],"text":"x"}"#, #"{"a":[1 2],"text":"x"}"#, #"{"a":{"b"},"text":"x"}"#,
            "", "   ", "{", #"{"text":"x"}{"#, #"{"a":.5,"text":"x"}"#, #"{"a":1e,"text":"x"}"#,
        ]
        for record in records {
            guard case .failure(.malformed(let offset, _)) = Self.decode(record) else {
                Issue.record("accepted or misclassified: \(record) → \(Self.decode(record))"); continue
            }
            #expect(offset >= 0 && offset <= record.utf8.count, "\(record)")
            if record.contains(",}") || record.contains(",]") { continue }
            #expect(throws: (any Error).self, "Foundation accepts \(record)") {
                _ = try JSONSerialization.jsonObject(with: Data(record.utf8), options: [.fragmentsAllowed])
            }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        guard case .failure(.malformed) = Self.decode(#"{"a":"# + deep + #","text":"x"}"#) else {
            Issue.record("600-deep nesting accepted"); return
        }
    }

    @Test func wrongShapesSayWhatWasFound() throws {
        #expect(Self.decode(#"["text"]"#) == .failure(.notAnObject(kind: "an array")))
        #expect(Self.decode(#""text""#) == .failure(.notAnObject(kind: "a string")))
        #expect(Self.decode("42") == .failure(.notAnObject(kind: "a number")))
        #expect(Self.decode(#"{"content":"x","id":3}"#) == .failure(.missingString(found: nil, fields: ["content", "id"])))
        #expect(Self.decode(#"{"text":null}"#) == .failure(.missingString(found: "null", fields: ["text"])))
        #expect(Self.decode(#"{"a\u0062":1,"c":2}"#) == .failure(.missingString(found: nil, fields: ["ab", "c"])))
        #expect(Self.decode(#"{"text":{"en":"x"}}"#) == .failure(.missingString(found: "an object", fields: ["text"])))
        #expect(try Self.decode(#"{"content":"x"}"#, "content").get() == Array("x".utf8))
        let message = JSONField.Failure.missingString(found: nil, fields: ["content", "id"]).message(field: "text")
        #expect(message.contains("\"text\"") && message.contains("--text-field") && message.contains("content, id"))
    }
}
