import ICUShim
import TokenmillSupport

extension UnicodeNormalizer {
    /// The normalization loop shared by one-shot and streaming use. O(n).
    ///
    /// Walks the text once. ASCII words and fast-YES code points (see `tm_is_fast_yes`) are
    /// skipped; at the first other code point a span is cut out from the last boundary before
    /// it to the next fast-YES code point after it, and only that span goes through ICU.
    /// For NFKC_Casefold, ASCII A–Z are lowercased here (eight at a time) instead of in ICU.
    func append(normalizing input: UnsafeBufferPointer<UInt8>, to output: inout [UInt8],
                buffers: inout ICUBuffers) -> Int {
        guard let icuForm = form.icuForm, let fastYes = NormalizationTables.fastYes(for: form),
              let base = input.baseAddress, !input.isEmpty
        else {
            output.append(contentsOf: input)
            return 0
        }
        let n = input.count
        let casefold = form == .nfkcCasefold
        var changed = 0
        var i = 0
        var copyFrom = 0
        // Start of the previous code point. It always has a boundary before it (it was ASCII,
        // fast-YES, or the end of an ICU span), so a span that must reach back starts there.
        var previousStart = 0

        @inline(__always) func flush(upTo end: Int) {
            if copyFrom < end { output.append(contentsOf: UnsafeBufferPointer(rebasing: input[copyFrom..<end])) }
        }

        while i < n {
            if i &+ 8 <= n {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    if casefold {
                        // High bit of each byte set where 0x41 <= byte < 0x5B (no carries: bytes < 0x80).
                        let upper = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(word &+ 0x2525_2525_2525_2525) & 0x8080_8080_8080_8080
                        if upper != 0 {
                            flush(upTo: i)
                            var lowered = word | (upper &>> 2)
                            withUnsafeBytes(of: &lowered) { output.append(contentsOf: $0) }
                            changed &+= upper.nonzeroBitCount
                            copyFrom = i &+ 8
                        }
                    }
                    previousStart = i &+ 7
                    i &+= 8
                    continue
                }
            }
            let byte = input[i]
            if byte < 0x80 {
                if casefold && byte &- 0x41 < 26 {
                    flush(upTo: i)
                    output.append(byte | 0x20)
                    changed &+= 1
                    copyFrom = i &+ 1
                }
                previousStart = i
                i &+= 1
                continue
            }
            let (scalar, length) = ValidUTF8.decodeClamped(input, at: i)
            if fastYes.contains(scalar) {
                previousStart = i
                i &+= length
                continue
            }

            // A span for ICU: [start, end).
            var start = i
            if tm_has_boundary_before(icuForm, Int32(bitPattern: scalar)) == 0 { start = previousStart }
            if start < copyFrom {
                // The previous code point was an ASCII letter already written lowercased
                // (casefold only); take it back so ICU sees it with the mark that follows.
                output.removeLast()
                if input[start] &- 0x41 < 26 { changed &-= 1 }
                copyFrom = start
            }
            flush(upTo: start)
            var end = i &+ length
            while end < n {
                let next = input[end]
                if next < 0x80 { break }
                let (c, l) = ValidUTF8.decodeClamped(input, at: end)
                if fastYes.contains(c) { break }
                end &+= l
            }
            let span = UnsafeBufferPointer(rebasing: input[start..<end])
            changed &+= buffers.transform(span, appendingTo: &output) { tm_normalize(icuForm, $0, $1, $2, $3, $4) }
            copyFrom = end
            previousStart = start
            i = end
        }
        flush(upTo: n)
        return changed
    }
}
