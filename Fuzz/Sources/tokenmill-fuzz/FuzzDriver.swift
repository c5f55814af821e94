import Foundation

// The entry points libFuzzer needs. Why a driver of our own: SwiftPM links an executable with
// `--defsym main=tokenmill_fuzz_main`, so libFuzzer's `main` is never called; ours picks the
// target named by the first argument and hands the remaining arguments to `LLVMFuzzerRunDriver`.
// One executable for every target keeps the sanitized build to one link (platform notes: a
// sanitized build from scratch takes 10+ minutes on this machine's two shared cores).

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> CInt

/// The target this process fuzzes; set once in `main` before libFuzzer starts.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = selectedTarget else { return 0 }
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    target.run(bytes)
    return 0
}

func usage() -> String {
    """
    usage: tokenmill-fuzz TARGET [libFuzzer options] [CORPUS_DIR...]
           tokenmill-fuzz seeds DIR        write each target's seed corpus to DIR/TARGET/
           tokenmill-fuzz list             the targets, one per line
    targets: \(FuzzTargets.all.map(\.name).joined(separator: " "))
    """
}

@_cdecl("tokenmill_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let arguments = (0..<Int(argc)).map { String(cString: argv[$0]!) }
    guard arguments.count >= 2 else { FileHandle.standardError.write(Data((usage() + "\n").utf8)); return 2 }
    switch arguments[1] {
    case "list":
        for target in FuzzTargets.all { print(target.name) }
        return 0
    case "seeds":
        guard arguments.count == 3 else { FileHandle.standardError.write(Data((usage() + "\n").utf8)); return 2 }
        do {
            try FuzzTargets.writeSeeds(to: arguments[2])
            return 0
        } catch {
            FileHandle.standardError.write(Data("tokenmill-fuzz seeds: \(error)\n".utf8))
            return 1
        }
    default:
        break
    }
    guard let target = FuzzTargets.all.first(where: { $0.name == arguments[1] }) else {
        FileHandle.standardError.write(Data("tokenmill-fuzz: no target \(arguments[1])\n\(usage())\n".utf8))
        return 2
    }
    do { try target.prepare() } catch {
        FileHandle.standardError.write(Data("tokenmill-fuzz \(target.name): cannot prepare: \(error)\n".utf8))
        return 1
    }
    selectedTarget = target
    // libFuzzer sees argv[0] followed by the options after the target name.
    var count = argc - 1
    let rest = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: Int(argc))
    rest[0] = argv[0]
    for i in 2..<Int(argc) { rest[i - 1] = argv[i] }
    rest[Int(argc) - 1] = nil
    var list: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = rest
    return LLVMFuzzerRunDriver(&count, &list, fuzzTestOneInput)
}
