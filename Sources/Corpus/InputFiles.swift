import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How every command turns an input directory into its files (`shard`, `train-tokenizer`).
public enum InputFiles {
    /// The files under `directory`, recursively, hidden entries skipped, sorted by UTF-8 path.
    /// Symbolic links to files are followed, links to directories are not walked. An entry that
    /// cannot be listed or examined (an unreadable subdirectory, a looping or dangling link) is
    /// returned as a path too: opening it then fails with the real reason, and the command
    /// reports it as it reports an unreadable file (a warning and a count, an error under
    /// `--strict`) instead of skipping it silently. Entries inside `excluding` (the command's own
    /// output directory, e.g. `shard DIR -o DIR/out`) are left out.
    public static func walk(_ directory: String, excluding: String? = nil) -> [String] {
        let skip = excluding.map(canonical)
        var files: [String] = []
        var pending = [directory]
        while let dir = pending.popLast() {
            if let skip, canonical(dir) == skip { continue }
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
                files.append(dir)   // unreadable: reported when opened
                continue
            }
            for name in names where !name.hasPrefix(".") {
                let full = (dir as NSString).appendingPathComponent(name)
                var st = stat()
                if lstat(full, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                    pending.append(full)
                } else if stat(full, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                    continue        // a link to a directory: not walked (as before; avoids cycles)
                } else {
                    files.append(full)
                }
            }
        }
        return files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Why `path` cannot be opened as an input, in words ("does not exist", "is a symbolic link
    /// that loops", ...); nil when it can be examined.
    public static func problem(_ path: String) -> String? {
        var st = stat()
        if stat(path, &st) == 0 { return nil }
        let error = errno
        if error == ENOENT {
            return lstat(path, &st) == 0 ? "is a symbolic link to a missing file" : "does not exist"
        }
        if error == ELOOP { return "is a symbolic link that loops (\(String(cString: strerror(error))))" }
        return "cannot be examined (\(String(cString: strerror(error))))"
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
