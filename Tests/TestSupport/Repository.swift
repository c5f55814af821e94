import Foundation
import Testing

/// The one place the tests find the repository's files, `../shared` and a Python for the
/// reference tools. A clone alone has neither `../shared` nor Python packages: tests that need
/// them say so with `.enabled(if: …, comment)`, so a missing dependency is reported as a skip
/// with its reason, never as a pass.
public enum Repository {
    /// The repository root (this file is Tests/TestSupport/Repository.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var fixtures: String { root + "/Fixtures" }

    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Where `../shared` is looked for: `$TOKENMILL_SHARED` when set (`.ci/run` sets it to a
    /// folder that does not exist to run the suite as a clone alone would), else `../shared`
    /// beside the checkout.
    public static let sharedLocation: String = {
        if let override = ProcessInfo.processInfo.environment["TOKENMILL_SHARED"], !override.isEmpty { return override }
        return URL(fileURLWithPath: root).deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    /// `../shared` (developer machines and CI), when it holds the corpora; nil for a clone alone.
    public static let shared: String? = {
        FileManager.default.fileExists(atPath: sharedLocation + "/corpora") ? sharedLocation : nil
    }()

    /// `../shared/corpora`, when present.
    public static var sharedCorpora: String? { shared.map { $0 + "/corpora" } }

    public static var hasShared: Bool { shared != nil }

    /// The reason printed for a test skipped because `../shared` is missing.
    public static let sharedMissing: Comment =
        "needs ../shared/corpora (not found at \(sharedLocation)): a clone alone proves the same from Fixtures/"
}

/// A Python for the reference tools (tiktoken, tokenizers, transformers, numpy): the one in
/// `$TOKENMILL_PYTHON`, the peers' environment (`../shared/bench/setup.sh`), or the system's.
public enum Python {
    static let candidates: [String] = {
        var list: [String] = []
        if let p = ProcessInfo.processInfo.environment["TOKENMILL_PYTHON"], !p.isEmpty { list.append(p) }
        list += ["/root/.cache/tokenmill-peers/bin/python", "/usr/bin/python3"]
        return list.filter { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    private static func imports(_ python: String, _ modules: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import " + modules.joined(separator: ", ")]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    /// The first candidate that imports every module, or nil.
    public static func with(_ modules: String...) -> String? { with(modules) }

    public static func with(_ modules: [String]) -> String? {
        candidates.first { imports($0, modules) }
    }

    /// The reason printed for a test skipped because no Python has the modules.
    public static func missing(_ modules: String...) -> Comment {
        "needs a python with \(modules.joined(separator: ", ")) (looked at $TOKENMILL_PYTHON, /root/.cache/tokenmill-peers, /usr/bin/python3)"
    }
}
