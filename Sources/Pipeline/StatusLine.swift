import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on standard error. On a terminal, a line that rewrites itself in place (`\r`, erase
/// to end of line). Elsewhere (Slurm and CI logs, `2> file`), a plain line every
/// `interval` seconds (30 by default, `$TOKENMILL_PROGRESS_SECONDS` to change it), so a long
/// job's log shows it is alive without filling up with carriage returns. Nothing with `quiet`.
/// Shared by `train-tokenizer`, `shard`, `normalize` and `quickstart`. A class, so that the
/// library's escaping progress callbacks can hold it.
public final class StatusLine: @unchecked Sendable {
    /// Whether updates are shown at all (the caller did not ask for quiet).
    public let enabled: Bool
    /// Whether stderr is a terminal (updates in place) rather than a log (periodic lines).
    public let terminal: Bool
    public let interval: Double
    private var shown = false
    private var lastLine: Date

    public init(quiet: Bool = false) {
        enabled = !quiet
        terminal = isatty(2) == 1
        interval = ProcessInfo.processInfo.environment["TOKENMILL_PROGRESS_SECONDS"].flatMap(Double.init) ?? 30
        lastLine = Date()
    }

    /// Shows `text`: in place on a terminal, as a plain line in a log when `interval` has
    /// passed since the last one. O(|text|).
    public func update(_ text: String) {
        guard enabled else { return }
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            shown = true
        } else if Date().timeIntervalSince(lastLine) >= interval {
            lastLine = Date()
            FileHandle.standardError.write(Data(("progress: " + text + "\n").utf8))
        }
    }

    /// Erases the line (if one was shown), leaving the cursor at the start of an empty line.
    public func clear() {
        guard enabled, terminal, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}

/// "1 h 02 min", "3 min 05 s", "42 s": a duration for an ETA.
func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%d h %02d min", s / 3600, s % 3600 / 60) }
    if s >= 60 { return String(format: "%d min %02d s", s / 60, s % 60) }
    return "\(s) s"
}
