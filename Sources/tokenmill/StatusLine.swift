import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A progress line on standard error that rewrites itself in place (`\r`, erase to end of line).
/// Only on a terminal: when stderr is piped or redirected, updates are dropped, so logs stay
/// free of carriage returns. Shared by `train-tokenizer`, `shard` and `quickstart`. A class, so
/// that the library's escaping progress callbacks can hold it.
final class StatusLine: @unchecked Sendable {
    /// Whether updates are shown (stderr is a TTY and the caller did not ask for quiet).
    let enabled: Bool
    private var shown = false

    init(quiet: Bool = false) { enabled = !quiet && isatty(2) == 1 }

    /// Replaces the line with `text`. O(|text|).
    func update(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        shown = true
    }

    /// Erases the line (if one was shown), leaving the cursor at the start of an empty line.
    func clear() {
        guard enabled, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}
