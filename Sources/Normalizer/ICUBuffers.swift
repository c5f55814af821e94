import ICUShim

/// Reusable UTF-16 buffers for the spans that go through ICU, and the retry-on-overflow loop
/// around ICU's "preflight" calling convention.
///
/// Why a struct passed `inout`: `UnicodeNormalizer` must stay a thread-safe value, so it owns
/// no mutable buffers; one-shot calls make a fresh `ICUBuffers`, and a stream keeps its own
/// across chunks so steady-state streaming allocates nothing.
struct ICUBuffers {
    /// The span being processed, in UTF-16.
    var source: [UInt16] = []
    /// ICU's output; `result[0..<resultCount]` is valid.
    var result: [UInt16] = []
    var resultCount = 0

    /// Runs an ICU UTF-16 → UTF-16 function on `source` into `result`, growing `result` when ICU
    /// reports U_BUFFER_OVERFLOW_ERROR. O(n) plus the work of `call`.
    mutating func run(_ call: (UnsafePointer<UInt16>, Int32, UnsafeMutablePointer<UInt16>, Int32, UnsafeMutablePointer<Int32>) -> Int32) {
        // NFKC rarely more than triples a span (the worst single code point, U+FDFA, becomes 18).
        var capacity = source.count * 3 + 16
        while true {
            if result.count < capacity { result = [UInt16](repeating: 0, count: capacity) }
            var status: Int32 = 0
            let available = Int32(result.count)
            let written = source.withUnsafeBufferPointer { src in
                result.withUnsafeMutableBufferPointer { dst in
                    call(src.baseAddress!, Int32(src.count), dst.baseAddress!, available, &status)
                }
            }
            if status == 15 /* U_BUFFER_OVERFLOW_ERROR */ { capacity = Int(written) + 16; continue }
            // ICU fails here only for out-of-memory or corrupt data files: nothing a caller can fix.
            precondition(status <= 0, "ICU failed with \(String(cString: tm_normalize_error_name(status)))")
            resultCount = Int(written)
            return
        }
    }

    /// Runs `call` (an ICU UTF-16 → UTF-16 function) on `span`, valid UTF-8, and appends the
    /// result to `output` as UTF-8: `span` itself when ICU left it unchanged. Returns how many
    /// scalars changed (`changedScalars`), 0 when none did. The one path by which the normalizer
    /// and the lowercaser hand a span to ICU. O(n) plus the work of `call`.
    mutating func transform(_ span: UnsafeBufferPointer<UInt8>, appendingTo output: inout [UInt8],
                            _ call: (UnsafePointer<UInt16>, Int32, UnsafeMutablePointer<UInt16>, Int32, UnsafeMutablePointer<Int32>) -> Int32) -> Int {
        source.removeAll(keepingCapacity: true)
        UTF16Transcoding.appendUTF16(span, to: &source)
        run(call)
        if resultEqualsSource {
            output.append(contentsOf: span)
            return 0
        }
        result.withUnsafeBufferPointer {
            UTF16Transcoding.appendUTF8(UnsafeBufferPointer(rebasing: $0[0..<resultCount]), to: &output)
        }
        return changedScalars
    }

    /// Whether ICU's output equals its input (the span was already normalized).
    var resultEqualsSource: Bool {
        resultCount == source.count && source.withUnsafeBufferPointer { s in
            result.withUnsafeBufferPointer { r in
                memcmp16(s.baseAddress!, r.baseAddress!, resultCount)
            }
        }
    }

    /// Code points of `source` outside the common prefix and suffix of `source` and `result`:
    /// an O(n) estimate of how many input characters the step changed.
    var changedScalars: Int {
        source.withUnsafeBufferPointer { s in
            result.withUnsafeBufferPointer { r in
                var prefix = 0
                let limit = min(s.count, resultCount)
                while prefix < limit, s[prefix] == r[prefix] { prefix += 1 }
                var suffix = 0
                while suffix < limit - prefix, s[s.count - 1 - suffix] == r[resultCount - 1 - suffix] { suffix += 1 }
                let middle = UnsafeBufferPointer(rebasing: s[prefix..<(s.count - suffix)])
                return Swift.max(1, UTF16Transcoding.scalarCount(middle))
            }
        }
    }

    private func memcmp16(_ a: UnsafePointer<UInt16>, _ b: UnsafePointer<UInt16>, _ count: Int) -> Bool {
        for k in 0..<count where a[k] != b[k] { return false }
        return true
    }
}
