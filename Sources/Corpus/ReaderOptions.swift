/// How a plain-text file is cut into documents.
public enum TextSplit: String, Sendable, Codable, CaseIterable {
    /// The whole file is one document.
    case file
    /// Paragraphs: runs of lines separated by one or more blank lines.
    case blankLines = "blank-lines"
    /// Every non-empty line is a document.
    case lines
}

public struct ReaderOptions: Sendable, Hashable, Codable {
    public var format: InputFormat?
    public var split: TextSplit
    public var textField: String
    public var stripGutenberg: Bool

    public init(format: InputFormat? = nil, split: TextSplit = .file, textField: String = "text", stripGutenberg: Bool = true) {
        self.format = format
        self.split = split
        self.textField = textField
        self.stripGutenberg = stripGutenberg
    }
}
