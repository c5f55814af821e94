import ICUShim

/// The process-wide tables, each built on first use (Swift initializes globals lazily and
/// thread-safely), so a program that only uses NFC never pays for the NFKC table.
enum NormalizationTables {
    static let nfcFastYes = fastYes(0)
    static let nfkcFastYes = fastYes(1)
    static let nfkcCasefoldFastYes = fastYes(2)
    static let defaultIgnorable = BitTable(fill: { tm_fill_default_ignorable($0) },
                                           supplementary: { tm_is_default_ignorable($0) != 0 })
    static let lowercaseStable = BitTable(fill: { tm_fill_lowercase_stable($0) },
                                          supplementary: { tm_is_lowercase_stable($0) != 0 })

    /// Quick-check YES with a boundary before, per form: see `tm_is_fast_yes`.
    static func fastYes(for form: NormalizationForm) -> BitTable? {
        switch form {
        case .none: return nil
        case .nfc: return nfcFastYes
        case .nfkc: return nfkcFastYes
        case .nfkcCasefold: return nfkcCasefoldFastYes
        }
    }

    private static func fastYes(_ form: Int32) -> BitTable {
        BitTable(fill: { tm_fill_fast_yes(form, $0) }, supplementary: { tm_is_fast_yes(form, $0) != 0 })
    }
}
