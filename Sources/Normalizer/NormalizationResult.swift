/// The output of a one-shot `NormalizerPipeline.normalize` and what was done to get it.
public struct NormalizationResult: Sendable, Hashable {
    /// Valid UTF-8.
    public var output: [UInt8]
    public var report: NormalizationReport

    public init(output: [UInt8], report: NormalizationReport) {
        self.output = output
        self.report = report
    }

    /// The output as a string (no copy is saved: `output` is already valid UTF-8).
    public var text: String { String(decoding: output, as: UTF8.self) }
}
