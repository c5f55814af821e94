import Foundation

/// Runs the built `tokenmill` executable as a user would, for every test target's end-to-end
/// tests, and locates the repository's files.
public enum CLI {
    /// The repository root (this file is Tests/TestSupport/CLI.swift).
    public static var root: String { Repository.root }

    public static var fixtures: String { root + "/Fixtures" }

    /// `../shared/corpora` beside the checkout, when present (developer machines and CI).
    public static var sharedCorpora: String? { Repository.sharedCorpora }

    /// The `tokenmill` built beside the test bundle (any scratch path), else the default build.
    public static let executable: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tokenmill").path,
            root + "/.build/release/tokenmill",
            root + "/.build/debug/tokenmill",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs the CLI to its end; `whileRunning` is called with the started process (e.g. to send
    /// a signal to it or its children) while its output is being read.
    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil, executable: String = CLI.executable,
                           whileRunning: (@Sendable (Process) -> Void)? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        }
        // Read both pipes before waiting, so a large output cannot fill a pipe and stall the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let stderrBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { stderrBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let whileRunning {
            group.enter()
            DispatchQueue.global().async { whileRunning(process); group.leave() }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: stdoutData, stderr: String(decoding: stderrBox.data, as: UTF8.self))
    }

    /// Starts the CLI and sends it SIGKILL after `seconds`; returns whether it was still running.
    public static func runAndKill(_ arguments: [String], after seconds: Double) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        let running = process.isRunning
        if running { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return running
    }

    /// A new empty directory, unique to this call.
    public static func temporaryDirectory(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("tokenmill-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A python with numpy and zstandard (the peers' environment or the system's), or nil.
    public static let python: String? = Python.with("numpy", "zstandard")
}
