import Foundation

/// Near-duplicate test data made from real pages, as issue 19 asks ("a paragraph removed, a
/// footer changed"): the 17 chapters of the Python tutorial (Fixtures/corpus/articles), each
/// with one near copy — even-numbered chapters lose their middle paragraph (`a-para-removed-*`,
/// sorting before every original: the copy comes first in input order, so the original is the
/// one dropped), odd-numbered ones get another last paragraph (`z-footer-changed-*`, after).
/// The copies differ in size from their originals, so ranks split pairs between them.
public enum NearCopies {
    /// Writes the originals and their copies into a new directory and returns it with the
    /// number of copies made.
    public static func make(_ name: String) throws -> (directory: String, copies: Int) {
        let dir = try CLI.temporaryDirectory(name)
        let source = Repository.path("Fixtures/corpus/articles/python-tutorial")
        let fm = FileManager.default
        var copies = 0
        for (i, file) in try fm.contentsOfDirectory(atPath: source).sorted().enumerated() {
            try fm.copyItem(atPath: source + "/" + file, toPath: dir + "/" + file)
            var paragraphs = try String(contentsOfFile: source + "/" + file, encoding: .utf8).components(separatedBy: "\n\n")
            guard paragraphs.count >= 6 else { continue }
            if i % 2 == 0 {
                paragraphs.remove(at: paragraphs.count / 2)
                try paragraphs.joined(separator: "\n\n").write(toFile: dir + "/a-para-removed-" + file, atomically: true, encoding: .utf8)
            } else {
                paragraphs[paragraphs.count - 1] = "This page was copied from the Python tutorial; all rights remain with its authors."
                try paragraphs.joined(separator: "\n\n").write(toFile: dir + "/z-footer-changed-" + file, atomically: true, encoding: .utf8)
            }
            copies += 1
        }
        return (dir, copies)
    }
}
