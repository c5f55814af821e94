import Foundation
import TokenmillSupport
import Normalizer

extension Tokenizer {
    /// Loads a Hugging Face `tokenizer.json` with a byte-level BPE model: pre-tokenizer
    /// `ByteLevel`, or `Split` + `ByteLevel(use_regex: false)` (as cl100k-style conversions write),
    /// or a `Sequence` of those; normalizer null, NFC, NFKC or a `Sequence` of one of them.
    /// Added tokens become special tokens. Errors name the JSON path and what was expected.
    public static func loadHuggingFace(path: String) throws -> Tokenizer {
        var reader = JSONReader(path: path)
        let root = try reader.parseFile()
        let top = try reader.object(root, at: "$")
        let model = try reader.object(top["model"], at: "$.model")
        let type = try reader.string(model["type"] ?? .string("BPE"), at: "$.model.type")
        guard type == "BPE" else {
            throw TokenizerError.malformedFile(path: path, location: "$.model.type", message: "expected \"BPE\", found \"\(type)\"")
        }
        for unsupportedKey in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[unsupportedKey], !value.isNull {
                throw TokenizerError.malformedFile(path: path, location: "$.model.\(unsupportedKey)",
                                                   message: "expected null (byte-level BPE), found \(value.stringValue.map { JSONOutput.quoted($0) } ?? value.kind)")
            }
        }
        var specials: [String: TokenID] = [:]
        let added = try reader.array(top["added_tokens"] ?? .array([]), at: "$.added_tokens")
        for (i, entry) in added.enumerated() {
            let object = try reader.object(entry, at: "$.added_tokens[\(i)]")
            let content = try reader.string(object["content"], at: "$.added_tokens[\(i)].content")
            let id = try reader.tokenID(object["id"], at: "$.added_tokens[\(i)].id")
            specials[content] = TokenID(id)
        }

        let specialIDs = Set(specials.values.map(Int.init))
        let vocab = try reader.object(model["vocab"], at: "$.model.vocab")
        var tokens: [[UInt8]?] = []
        tokens.reserveCapacity(vocab.count)
        for (text, value) in zip(vocab.keys, vocab.values) {
            let id = try reader.tokenID(value, at: "$.model.vocab[\(JSONOutput.quoted(text))]")
            // An added token listed in the vocabulary under its own id (as huggingFaceJSON() writes
            // specials that sit past a hole in the ids, so that HF keeps those ids) is the special
            // token, not a BPE token.
            // (By id first: hashing every vocabulary string for the dictionary NFC-normalizes
            // it, 4% of loading cl100k's tokenizer.json in perf.)
            if specialIDs.contains(id), specials[text] == TokenID(id) { continue }
            guard ByteLevelAlphabet.place(text, id: id, in: &tokens) else {
                throw TokenizerError.malformedFile(path: path, location: "$.model.vocab[\(JSONOutput.quoted(text))]",
                                                   message: "expected a byte-level token (GPT-2 byte alphabet), found a character outside it")
            }
        }
        // Merges name tokens by their text; they are looked up by their bytes in the model's own
        // table rather than in a [String: id] dictionary, whose hashing of non-ASCII strings
        // (NFC-normalized) was 15% of loading cl100k's tokenizer.json (perf).
        let table = ByteStringTable(tokens: tokens)
        let mergeList = try reader.array(model["merges"] ?? .array([]), at: "$.model.merges")
        let rules: [(left: TokenID, right: TokenID, merged: TokenID)]
        do {
            rules = try ByteLevelAlphabet.resolveMerges(count: mergeList.count, in: table) { i in
                switch mergeList[i] {
                case .string(let s): return ByteLevelAlphabet.splitMerge(Substring(s))
                case .array(let a) where a.count == 2:
                    guard let left = a[0].stringValue, let right = a[1].stringValue else { return nil }
                    return (Substring(left), Substring(right))
                default: return nil
                }
            }
        } catch .notTwoTokens(let i) {
            let found = mergeList[i].stringValue.map { JSONOutput.quoted($0) }
                ?? mergeList[i].arrayValue.map { "[" + $0.map { $0.stringValue.map { JSONOutput.quoted($0) } ?? $0.kind }.joined(separator: ", ") + "]" }
                ?? mergeList[i].kind
            throw TokenizerError.malformedFile(path: path, location: "$.model.merges[\(i)]",
                                               message: "expected \"left right\" or [left, right], two tokens of the vocabulary, found \(found)")
        } catch .joinedNotAToken(let i, let left, let right) {
            throw TokenizerError.malformedFile(path: path, location: "$.model.merges[\(i)]",
                                               message: Tokenizer.joinedNotAToken(left, right))
        }
        let ignoreMerges = model["ignore_merges"]?.boolValue ?? false

        try huggingFacePostProcessor(top["post_processor"], at: "$.post_processor", reader: &reader)
        let normalization = try huggingFaceNormalizer(top["normalizer"], reader: &reader)
        let (pattern, addPrefixSpace) = try huggingFacePreTokenizer(top["pre_tokenizer"], reader: &reader)
        let bpe = try BytePairModel(table: table, rules: rules, ignoreMerges: ignoreMerges)
        return try Tokenizer(model: bpe, pattern: pattern, specialTokens: specials,
                             normalization: normalization, addPrefixSpace: addPrefixSpace)
    }

    private static func huggingFaceNormalizer(_ value: JSONTree?, reader: inout JSONReader) throws -> NormalizationForm {
        guard let value, !value.isNull else { return .none }
        let object = try reader.object(value, at: "$.normalizer")
        let type = try reader.string(object["type"], at: "$.normalizer.type")
        switch type {
        case "NFC": return .nfc
        case "NFKC": return .nfkc
        case "Sequence":
            let steps = try reader.array(object["normalizers"], at: "$.normalizer.normalizers")
            if steps.isEmpty { return .none }
            if steps.count == 1 { return try huggingFaceNormalizer(steps[0], reader: &reader) }
            fallthrough
        default:
            throw TokenizerError.malformedFile(path: reader.path, location: "$.normalizer",
                                               message: "expected null, NFC or NFKC, found \(type) (not supported yet)")
        }
    }

    /// Tokenmill adds no tokens of its own to what it encodes, so a post-processor that would (a
    /// `TemplateProcessing` with a BOS, `BertProcessing`, `RobertaProcessing`) is refused rather
    /// than ignored: ignoring it gives other ids than HF's `encode` (whose `add_special_tokens`
    /// defaults to true). Accepted: null, `ByteLevel` (it only adjusts offsets), and a
    /// `TemplateProcessing` whose single-sequence template is the sequence alone (its pair
    /// template never applies: Tokenmill encodes single sequences), or a `Sequence` of those.
    private static func huggingFacePostProcessor(_ value: JSONTree?, at location: String, reader: inout JSONReader) throws {
        guard let value, !value.isNull else { return }
        let object = try reader.object(value, at: location)
        let type = try reader.string(object["type"], at: location + ".type")
        let addsNothing: Bool
        var found = type
        switch type {
        case "ByteLevel":
            addsNothing = true
        case "Sequence":
            for (i, step) in try reader.array(object["processors"], at: location + ".processors").enumerated() {
                try huggingFacePostProcessor(step, at: location + ".processors[\(i)]", reader: &reader)
            }
            addsNothing = true
        case "TemplateProcessing":
            let single = try reader.array(object["single"], at: location + ".single")
            var added: [String] = []
            for piece in single {
                if let special = piece.objectValue?["SpecialToken"]?.objectValue {
                    added.append(special["id"]?.stringValue.map { JSONOutput.quoted($0) } ?? "a special token")
                }
            }
            addsNothing = added.isEmpty && single.count == 1
            if !added.isEmpty { found = "TemplateProcessing whose single template adds \(added.joined(separator: " and "))" }
        default:
            addsNothing = false
            found = "\(type) (it adds special tokens)"
        }
        guard addsNothing else {
            throw TokenizerError.malformedFile(path: reader.path, location: location, message: """
                expected null, ByteLevel or a TemplateProcessing that adds no tokens, found \(found): Tokenmill \
                adds no tokens of its own and will not drop them silently; set "post_processor" to null to \
                use this tokenizer without them (the ids HF gives with add_special_tokens=False)
                """)
        }
    }

    private static func huggingFacePreTokenizer(_ value: JSONTree?, reader: inout JSONReader) throws -> (SplitPattern, Bool) {
        guard let value, !value.isNull else {
            throw TokenizerError.malformedFile(path: reader.path, location: "$.pre_tokenizer",
                                               message: "expected a ByteLevel or Split pre-tokenizer, found null")
        }
        var steps: [JSONTree.Object] = []
        let object = try reader.object(value, at: "$.pre_tokenizer")
        if try reader.string(object["type"], at: "$.pre_tokenizer.type") == "Sequence" {
            for (i, step) in try reader.array(object["pretokenizers"], at: "$.pre_tokenizer.pretokenizers").enumerated() {
                steps.append(try reader.object(step, at: "$.pre_tokenizer.pretokenizers[\(i)]"))
            }
        } else {
            steps = [object]
        }
        var pattern: SplitPattern?
        var addPrefixSpace = false
        for step in steps {
            let type = step["type"]?.stringValue ?? "?"
            switch type {
            case "ByteLevel":
                addPrefixSpace = step["add_prefix_space"]?.boolValue ?? false
                if step["use_regex"]?.boolValue ?? true {
                    guard pattern == nil else { throw unsupported(reader.path, "two splitting steps") }
                    pattern = .gpt2
                }
            case "Split":
                guard pattern == nil else { throw unsupported(reader.path, "two splitting steps") }
                let behavior = step["behavior"]?.stringValue ?? "Isolated"
                guard behavior == "Isolated", step["invert"]?.boolValue != true else {
                    throw unsupported(reader.path, "Split with behavior \(behavior)")
                }
                let spec = try reader.object(step["pattern"], at: "$.pre_tokenizer.pattern")
                if let regex = spec["Regex"]?.stringValue {
                    pattern = SplitPattern.fromSource(regex)
                } else if let literal = spec["String"]?.stringValue {
                    pattern = .regex(NSRegularExpression.escapedPattern(for: literal))
                } else {
                    throw TokenizerError.malformedFile(path: reader.path, location: "$.pre_tokenizer.pattern",
                                                       message: "expected {\"Regex\": …} or {\"String\": …}")
                }
            default:
                throw unsupported(reader.path, "pre-tokenizer \(type)")
            }
        }
        return (pattern ?? .regex(#"(?s).+"#), addPrefixSpace)
    }

    private static func unsupported(_ path: String, _ what: String) -> TokenizerError {
        .malformedFile(path: path, location: "$.pre_tokenizer", message: "expected ByteLevel or Split(Isolated) + ByteLevel, found \(what) (not supported)")
    }
}

/// Typed access to parsed JSON with errors that name the JSON path. The path is an autoclosure:
/// built eagerly for each of cl100k's 100k vocabulary entries it was 40% of loading the file.
struct JSONReader {
    let path: String
    /// The largest token id the file may name (`Tokenizer.maximumTokenID`), set by `parseFile`.
    var maximumID = Int(UInt32.max) - 1

    /// The file at `path`, parsed; errors name the byte offset.
    mutating func parseFile() throws -> JSONTree {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.malformedFile(path: path, location: "file", message: "cannot read the file (missing or unreadable)")
        }
        maximumID = Tokenizer.maximumTokenID(fileBytes: data.count)
        do {
            return try JSONTree.parse([UInt8](data))
        } catch let error as JSONTree.SyntaxError {
            throw TokenizerError.malformedFile(path: path, location: "byte \(error.offset)", message: "not valid JSON: expected \(error.expected)")
        }
    }

    func object(_ value: JSONTree?, at location: @autoclosure () -> String) throws -> JSONTree.Object {
        guard let object = value?.objectValue else { throw mismatch(location(), "an object", value) }
        return object
    }
    func array(_ value: JSONTree?, at location: @autoclosure () -> String) throws -> [JSONTree] {
        guard let array = value?.arrayValue else { throw mismatch(location(), "an array", value) }
        return array
    }
    func string(_ value: JSONTree?, at location: @autoclosure () -> String) throws -> String {
        guard let string = value?.stringValue else { throw mismatch(location(), "a string", value) }
        return string
    }
    func int(_ value: JSONTree?, at location: @autoclosure () -> String) throws -> Int {
        switch value {
        case .int(let number)? where number >= 0: return number
        // An integral number written as 5.0 or 5e0 (JSONSerialization accepted these too).
        case .double(let number)? where number >= 0 && number == number.rounded() && number < 1e15: return Int(number)
        default: throw mismatch(location(), "a non-negative integer", value)
        }
    }
    /// A token id: a non-negative integer of at most `maximumID`.
    func tokenID(_ value: JSONTree?, at location: @autoclosure () -> String) throws -> Int {
        let id = try int(value, at: location())
        guard id <= maximumID else {
            throw TokenizerError.malformedFile(path: path, location: location(), message: Tokenizer.idPastFile("token id", id, maximum: maximumID))
        }
        return id
    }
    private func mismatch(_ location: String, _ expected: String, _ found: JSONTree?) -> TokenizerError {
        .malformedFile(path: path, location: location, message: "expected \(expected), found \(found?.kind ?? "nothing")")
    }
}
