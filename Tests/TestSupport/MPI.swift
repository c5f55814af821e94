import Foundation

/// Runs the built CLI under Open MPI's `mpirun` on this machine (shared memory between ranks).
public enum MPI {
    public static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `--oversubscribe`: more ranks than cores (3 ranks on a 2-core CI machine);
    /// `--allow-run-as-root`: CI containers run as root, which Open MPI refuses by default.
    public static func launcherArguments(ranks: Int) -> [String] {
        ["--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["-np", "\(ranks)", CLI.executable]
    }

    /// `mpirun -np N tokenmill ARGS…`; `whileRunning` gets the mpirun process while it runs (as
    /// in `CLI.run`). Fails (throws) when Open MPI is not installed: `make test` installs it
    /// through scripts/setup.sh.
    @discardableResult
    public static func run(ranks: Int, _ arguments: [String], whileRunning: (@Sendable (Process) -> Void)? = nil) throws -> CLI.Result {
        guard let mpirun else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "mpirun not found: install openmpi-bin (scripts/setup.sh does)"])
        }
        return try CLI.run(launcherArguments(ranks: ranks) + arguments, executable: mpirun, whileRunning: whileRunning)
    }
}

extension MPI {
    /// The processes whose parent is `pid` (from /proc).
    public static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid
        }.sorted()
    }

    /// Starts `mpirun -np N tokenmill ARGS…`; after `seconds`, sends SIGKILL to the ranks listed
    /// by `victims` (rank order = child pid order; nil: all of them), then waits for mpirun.
    /// Returns mpirun's result and whether any rank was still running at the kill.
    public static func runAndKill(ranks: Int, _ arguments: [String], after seconds: Double, victims: [Int]? = nil) throws -> (result: CLI.Result, killed: Bool) {
        final class Flag: @unchecked Sendable { var killed = false }
        let flag = Flag()
        let result = try run(ranks: ranks, arguments) { process in
            Thread.sleep(forTimeInterval: seconds)
            let kids = children(of: process.processIdentifier)
            let targets = victims.map { $0.compactMap { $0 < kids.count ? kids[$0] : nil } } ?? kids
            for pid in targets { kill(pid, SIGKILL) }
            flag.killed = !targets.isEmpty
        }
        return (result, flag.killed)
    }
}
