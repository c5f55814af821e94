import BPE
import Crypto

/// The fingerprint that shards carry: SHA-256 of the tokenizer's canonical `tokenizer.json` (the
/// bytes `shard` writes as the set's tokenizer copy, so that readers can check the copy against
/// it). The one place it is computed: `ShardJob`, the importer, `cat` and text generation call it.
public enum ShardFingerprint {
    public static func of(_ tokenizer: Tokenizer) throws -> [UInt8] { Array(SHA256.hash(data: try tokenizer.huggingFaceJSON())) }
}
