import Foundation

/// A Python with the reference packages a test needs (HF tokenizers, transformers, tiktoken), for
/// tests that compare with the reference tools where they are installed. Tests that use it are
/// `.enabled(if: ReferencePython.with([...]) != nil, ...)`, so a missing package is reported as
/// a skip; what must hold without Python is checked from the fixtures those tools made.
public enum ReferencePython {
    /// The first Python (`$TOKENMILL_PYTHON`, the peers' environment, the system's python3: the
    /// one lookup, `Python.with`) that imports every module of `modules`, or nil.
    public static func with(_ modules: [String]) -> String? { Python.with(modules) }

    /// The reason shown when a test is skipped for want of `modules` (for `Comment(rawValue:)`).
    public static func missing(_ modules: [String]) -> String {
        "no Python with \(modules.joined(separator: ", ")) (set TOKENMILL_PYTHON, or pip install \(modules.joined(separator: " ")))"
    }

    /// Runs `python arguments…` (with `TOKENMILL` naming the CLI under test); stdout and stderr apart.
    public static func run(_ python: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TOKENMILL"] = CLI.executable
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: errBox.data, as: UTF8.self))
    }
}
