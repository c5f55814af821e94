import Foundation

/// Which cleaning steps run, with their settings (datatrove's defaults): part of a shard run's
/// options, so the manifest records every threshold that decided a drop. The filters always
/// run in FineWeb's order (language identification, Gopher repetition, Gopher quality, C4,
/// FineWeb quality), then MinHash near-deduplication, then PII redaction of what is kept.
public struct CleaningOptions: Sendable, Hashable, Codable {
    /// `--languages` / `--min-language-score` (not part of any `--filters` name).
    public var language: LanguageFilter?
    public var gopherRepetition: GopherRepetitionFilter?
    public var gopherQuality: GopherQualityFilter?
    public var c4: C4QualityFilter?
    public var finewebQuality: FineWebQualityFilter?
    public var minhash: MinHashConfig?
    public var pii: PIIRedactor?
    public init() {}

    /// The names `--filters` accepts (comma-separated); `fineweb` is the whole FineWeb chain,
    /// `fineweb-filters` its four filters alone (no MinHash, no PII).
    public static let names = ["fineweb", "fineweb-filters", "gopher-rep", "gopher-quality", "c4", "fineweb-quality", "minhash", "pii"]

    /// Parses `--filters` (e.g. `fineweb` or `gopher-rep,c4,pii`); throws naming the unknown entry.
    public init(filters: String) throws {
        self.init()
        for raw in filters.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            switch name {
            case "fineweb":
                gopherRepetition = GopherRepetitionFilter()
                gopherQuality = GopherQualityFilter()
                c4 = .fineweb
                finewebQuality = FineWebQualityFilter()
                minhash = MinHashConfig()
                pii = PIIRedactor()
            case "fineweb-filters":
                gopherRepetition = GopherRepetitionFilter()
                gopherQuality = GopherQualityFilter()
                c4 = .fineweb
                finewebQuality = FineWebQualityFilter()
            case "gopher-rep", "gopher-repetition": gopherRepetition = GopherRepetitionFilter()
            case "gopher-quality": gopherQuality = GopherQualityFilter()
            case "c4": c4 = c4 ?? C4QualityFilter()
            case "fineweb-quality": finewebQuality = FineWebQualityFilter()
            case "minhash": minhash = MinHashConfig()
            case "pii": pii = PIIRedactor()
            case "": continue
            default:
                throw CleaningError("--filters: unknown filter \"\(name)\"; expected a comma-separated list of \(Self.names.joined(separator: ", "))")
            }
        }
    }

    /// Whether any step is on.
    public var isEmpty: Bool { self == CleaningOptions() }

    /// The filter steps that decide keep or drop, in order.
    public var hasFilters: Bool { language != nil || gopherRepetition != nil || gopherQuality != nil || c4 != nil || finewebQuality != nil }
}

public struct CleaningError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
