/// One line of `journal.jsonl`: what happened, with exactly the fields that event has.
///
/// On disk a line is one JSON object whose `kind` names the case (`"kind":"shard"`) beside that
/// case's fields, snake_case, sorted, absent fields left out: the bytes are those written before
/// the entry became an enum (commit eb0d89d; `Tests/ShardsTests/EarlierRunTests.swift` checks a
/// fresh run and a resume against a journal of that commit).
enum JournalEntry: Equatable {
    /// The run began with these options (as JSON) and this tokenizer fingerprint.
    case start(options: String, fingerprint: String)
    /// An input was read to its end (or abandoned: `error` set).
    case input(InputRecord)
    /// A shard was finished (renamed, fsynced).
    case shard(FinishedShard)
    /// The run finished.
    case complete

    /// A `shard` line's fields.
    struct FinishedShard: Equatable {
        var summary: ShardSummary
        /// Documents of its split inside finished shards, this one included.
        var documentsThrough: Int
        /// The input being read when the shard was finished.
        var input: InputRecord?
        /// Standard input (input `-`): the bytes read when the shard was finished and their
        /// SHA-256, checked when a re-run resumes.
        var stdin: StandardInputPrefix?
    }

    struct StandardInputPrefix: Equatable {
        var bytes: Int
        var sha256: String
    }

    /// The `kind` field's values.
    enum Kind: String, Codable {
        case start, input, shard, complete
    }

    var kind: Kind {
        switch self {
        case .start: .start
        case .input: .input
        case .shard: .shard
        case .complete: .complete
        }
    }
}

extension JournalEntry: Codable {
    /// The field names (written snake_case by the journal's encoder: `documents_through`, …).
    enum CodingKeys: String, CodingKey {
        case kind, options, fingerprint, input, shard, documentsThrough, stdinBytes, stdinSha256
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .start:
            self = .start(options: try c.decode(String.self, forKey: .options), fingerprint: try c.decode(String.self, forKey: .fingerprint))
        case .input:
            self = .input(try c.decode(InputRecord.self, forKey: .input))
        case .shard:
            var stdin: StandardInputPrefix? = nil
            if let bytes = try c.decodeIfPresent(Int.self, forKey: .stdinBytes), let sha256 = try c.decodeIfPresent(String.self, forKey: .stdinSha256) {
                stdin = StandardInputPrefix(bytes: bytes, sha256: sha256)
            }
            self = .shard(FinishedShard(summary: try c.decode(ShardSummary.self, forKey: .shard),
                                        documentsThrough: try c.decode(Int.self, forKey: .documentsThrough),
                                        input: try c.decodeIfPresent(InputRecord.self, forKey: .input), stdin: stdin))
        case .complete:
            self = .complete
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        switch self {
        case .start(let options, let fingerprint):
            try c.encode(options, forKey: .options)
            try c.encode(fingerprint, forKey: .fingerprint)
        case .input(let record):
            try c.encode(record, forKey: .input)
        case .shard(let s):
            try c.encode(s.summary, forKey: .shard)
            try c.encode(s.documentsThrough, forKey: .documentsThrough)
            try c.encodeIfPresent(s.input, forKey: .input)
            try c.encodeIfPresent(s.stdin?.bytes, forKey: .stdinBytes)
            try c.encodeIfPresent(s.stdin?.sha256, forKey: .stdinSha256)
        case .complete:
            break
        }
    }
}
