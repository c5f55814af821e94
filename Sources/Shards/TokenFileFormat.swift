/// The token-file formats other trainers read, which `tokenmill export` writes and `tokenmill
/// import` reads (layouts in docs/shard-format.md, "Export and import").
public enum TokenFileFormat: String, Sendable, CaseIterable {
    /// Megatron-LM's indexed dataset: `PREFIX.bin` (each document's tokens, then end-of-text) and
    /// `PREFIX.idx` (`MMIDIDX` header, dtype code, sequence lengths, byte pointers, document indices).
    case megatron
    /// llm.c's `.bin`: a 256 × int32 header (magic, version, token count), then the tokens, with
    /// end-of-text *before* each document (dev/data/fineweb.py).
    case llmc
    /// nanoGPT's `train.bin` / `val.bin`: raw uint16 tokens, end-of-text *after* each document
    /// (data/openwebtext/prepare.py).
    case nanogpt

    /// Megatron's `MMIDIDX` header (9 bytes) and index version.
    public static let megatronMagic: [UInt8] = Array("MMIDIDX".utf8) + [0, 0]
    public static let megatronVersion: UInt64 = 1

    /// Megatron's `DType` codes (megatron.core.datasets.indexed_dataset) and their widths.
    public static func megatronDTypeWidth(_ code: UInt8) -> (bytes: Int, signed: Bool)? {
        switch code {
        case 1: return (1, false)   // uint8
        case 2: return (1, true)    // int8
        case 3: return (2, true)    // int16
        case 4: return (4, true)    // int32
        case 5: return (8, true)    // int64
        case 8: return (2, false)   // uint16
        default: return nil         // 6 float64, 7 float32: not token ids
        }
    }

    /// llm.c's header: 256 int32; `[0]` magic, `[1]` version, `[2]` token count.
    public static let llmcHeaderBytes = 1024
    /// llm.c's GPT-2 files (uint16 tokens) and its Llama-3 files (uint32 tokens), as
    /// dev/data/data_common.py writes them.
    public static let llmcMagic16: Int32 = 20240520, llmcVersion16: Int32 = 1
    public static let llmcMagic32: Int32 = 20240801, llmcVersion32: Int32 = 7
}
