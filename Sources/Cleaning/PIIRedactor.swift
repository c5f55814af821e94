/// E-mail and IP address redaction as datatrove's `PIIFormatter` does it: e-mail addresses
/// (its RFC 5322-style pattern) are replaced by `email@example.com` and
/// `firstname.lastname@example.org` in turn; then dotted-quad IPv4 addresses that Python's
/// `ipaddress` calls global (public) are replaced by six addresses in turn. Private, reserved
/// and malformed ones (an octet with a leading zero) stay.
///
/// Difference: datatrove's turn counter runs across all the documents one worker formats, so a
/// document's replacements depend on which worker saw which documents before it; here the turn
/// restarts with every document, so the output is the same for any number of threads or ranks.
/// The domain-literal form `user@[1.2.3.4]` is not recognised (datatrove's pattern accepts it).
public struct PIIRedactor: Sendable, Hashable, Codable {
    public var emails = true
    public var ips = true
    public var onlyPublicIPs = true
    public var emailReplacements = ["email@example.com", "firstname.lastname@example.org"]
    public var ipReplacements = ["22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206", "220.127.116.11", "18.104.22.168"]
    public init() {}

    /// Redacts the document's text; counts `emails` and `ips` replaced.
    public func apply(_ document: inout CleaningDocument) {
        var text = document.text
        var changed = false
        if emails {
            let (out, n) = replaceEmails(text)
            if n > 0 { text = out; changed = true; document.count("emails", n) }
        }
        if ips {
            let (out, n) = replaceIPs(text)
            if n > 0 { text = out; changed = true; document.count("ips", n) }
        }
        if changed { document.replaceText(text) }
    }

    @inline(__always) static func isAlnum(_ c: UInt32) -> Bool {
        (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A)
    }

    /// A character of the pattern's local-part atoms: ASCII letters, digits and !#$%&'*+/=?^_`{|}~-.
    @inline(__always) static func isLocal(_ c: UInt32) -> Bool {
        if isAlnum(c) { return true }
        switch c {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B, 0x7C, 0x7D, 0x7E, 0x2D: return true
        default: return false
        }
    }

    /// The end of the domain after `@` at `at`: one or more `label.` and a final label, labels
    /// made of letters, digits and inner hyphens; the longest such match, as the greedy pattern.
    static func domainEnd(_ t: [UInt32], _ at: Int) -> Int? {
        var segments: [Range<Int>] = []
        var i = at + 1, start = at + 1
        while i < t.count && (isAlnum(t[i]) || t[i] == 0x2D || t[i] == 0x2E) {
            if t[i] == 0x2E { segments.append(start..<i); start = i + 1 }
            i += 1
        }
        segments.append(start..<i)
        func validLabel(_ r: Range<Int>) -> Bool { !r.isEmpty && isAlnum(t[r.lowerBound]) && isAlnum(t[r.upperBound - 1]) }
        var full = 0   // segments usable as "label." (each followed by a dot)
        while full < segments.count - 1 && validLabel(segments[full]) { full += 1 }
        var m = full
        while m >= 1 {
            let last = segments[m]
            if !last.isEmpty && isAlnum(t[last.lowerBound]) {
                var end = last.upperBound
                while !isAlnum(t[end - 1]) { end -= 1 }
                return end
            }
            m -= 1
        }
        return nil
    }

    func replaceEmails(_ t: [UInt32]) -> ([UInt32], Int) {
        var out: [UInt32] = []
        var copied = 0, scan = 0, count = 0
        var turn = 0
        var at = 0
        while at < t.count {
            guard t[at] == 0x40, at > scan else { at += 1; continue }
            // The local part: atoms of local characters joined by single dots, right before `@`.
            var lo = at
            while lo > scan && (Self.isLocal(t[lo - 1]) || t[lo - 1] == 0x2E) { lo -= 1 }
            guard lo < at, t[at - 1] != 0x2E, let end = Self.domainEnd(t, at) else { at += 1; continue }
            // No empty atom: start after the last `..`.
            var k = at - 1
            while k > lo { if t[k] == 0x2E && t[k - 1] == 0x2E { lo = k; break }; k -= 1 }
            // The leftmost start that is not a dot and is at a word boundary (`\b`).
            var start = -1
            for p in lo..<at where t[p] != 0x2E {
                let before = p > 0 && PythonText.isWord(t[p - 1])
                if before != PythonText.isWord(t[p]) { start = p; break }
            }
            guard start >= 0 else { at += 1; continue }
            out += t[copied..<start]
            out += emailReplacements[turn].unicodeScalars.map(\.value)
            turn = (turn + 1) % emailReplacements.count
            count += 1
            copied = end; scan = end; at = end
        }
        guard count > 0 else { return (t, 0) }
        out += t[copied...]
        return (out, count)
    }

    /// Candidate lengths of one octet at `p`, in the pattern's order of preference
    /// (`25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?`).
    static func octetLengths(_ t: [UInt32], _ p: Int) -> [Int] {
        func digit(_ i: Int) -> UInt32? { i < t.count && t[i] >= 0x30 && t[i] <= 0x39 ? t[i] - 0x30 : nil }
        var lengths: [Int] = []
        if digit(p) == 2, digit(p + 1) == 5, let d = digit(p + 2), d <= 5 { lengths.append(3) }
        if digit(p) == 2, let d = digit(p + 1), d <= 4, digit(p + 2) != nil { lengths.append(3) }
        if let d = digit(p), d <= 1, digit(p + 1) != nil {
            lengths.append(digit(p + 2) != nil ? 3 : 2)
            if digit(p + 2) != nil { lengths.append(2) }
        }
        if digit(p) != nil {
            if digit(p + 1) != nil { lengths.append(2) }
            lengths.append(1)
        }
        return lengths
    }

    /// The end of a dotted quad starting at `p`, as the backtracking pattern finds it.
    static func quadEnd(_ t: [UInt32], _ p: Int, _ octet: Int) -> Int? {
        for length in octetLengths(t, p) {
            let e = p + length
            if octet == 3 { return e }
            if e < t.count && t[e] == 0x2E, let end = quadEnd(t, e + 1, octet + 1) { return end }
        }
        return nil
    }

    func replaceIPs(_ t: [UInt32]) -> ([UInt32], Int) {
        var out: [UInt32] = []
        var copied = 0, count = 0, turn = 0
        var p = 0
        while p < t.count {
            guard t[p] >= 0x30 && t[p] <= 0x39, let end = Self.quadEnd(t, p, 0) else { p += 1; continue }
            if Self.isReplaceable(t[p..<end], onlyPublic: onlyPublicIPs) {
                out += t[copied..<p]
                out += ipReplacements[turn].unicodeScalars.map(\.value)
                turn = (turn + 1) % ipReplacements.count
                count += 1
                copied = end
            }
            p = end
        }
        guard count > 0 else { return (t, 0) }
        out += t[copied...]
        return (out, count)
    }

    /// Python's `ipaddress.ip_address(s).is_global` (3.11): no octet with a leading zero, and
    /// outside 100.64.0.0/10 and the private and reserved networks.
    static func isReplaceable(_ s: ArraySlice<UInt32>, onlyPublic: Bool) -> Bool {
        var octets: [UInt32] = []
        var value: UInt32 = 0, digits = 0, leadingZero = false
        for c in s {
            if c == 0x2E { octets.append(value); value = 0; digits = 0; leadingZero = false; continue }
            if digits == 0 && c == 0x30 { leadingZero = true }
            if digits == 1 && leadingZero { return false }
            value = value * 10 + (c - 0x30)
            digits += 1
            if digits > 1 { leadingZero = false }
        }
        octets.append(value)
        guard onlyPublic else { return true }
        let a = octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]
        for (network, bits) in nonGlobal where a >> (32 - bits) == network >> (32 - bits) { return false }
        return true
    }

    static let nonGlobal: [(UInt32, UInt32)] = [
        (0x6440_0000, 10),   // 100.64.0.0/10 (shared address space)
        (0x0000_0000, 8), (0x0A00_0000, 8), (0x7F00_0000, 8), (0xA9FE_0000, 16), (0xAC10_0000, 12),
        (0xC000_0000, 29), (0xC000_00AA, 31), (0xC000_0200, 24), (0xC0A8_0000, 16), (0xC612_0000, 15),
        (0xC633_6400, 24), (0xCB00_7100, 24), (0xF000_0000, 4), (0xFFFF_FFFF, 32),
    ]
}
