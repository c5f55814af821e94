import Foundation
import TokenmillSupport

/// Hugging Face GPT-2 interchange: `model.safetensors` with GPT-2's names and layout plus a
/// `config.json` in the fields of `transformers.GPT2Config`, so that
/// `GPT2LMHeadModel.from_pretrained(dir)` loads a Tokenmill checkpoint.
///
/// Names drop our `transformer.` prefix (`wte.weight`, `h.0.attn.c_attn.weight`, …, as the
/// published `gpt2` checkpoint). HF's `Conv1D` stores linear weights as `[in, out]`; the arena
/// stores `[out, in]`, so `c_attn`, `c_proj` and `c_fc` weights are transposed both ways. The
/// output head is tied to `wte` and not stored.
public enum HFGPT2 {
    /// The HF name of an arena tensor and whether it is stored transposed.
    public static func exportName(_ t: ParameterTensor) -> (name: String, transposed: Bool) {
        let name = t.name.hasPrefix("transformer.") ? String(t.name.dropFirst("transformer.".count)) : t.name
        let transposed = t.shape.count == 2 && name.hasPrefix("h.") && name.hasSuffix(".weight")
        return (name, transposed)
    }

    /// The tensors as Hugging Face GPT-2 lays them out (arena order).
    public static func tensors(of model: GPT) -> [(name: String, shape: [Int], values: [Float])] {
        model.withParameters { p in
            model.parameterTensors.map { t in
                let (name, transposed) = exportName(t)
                let src = UnsafeBufferPointer(rebasing: p[t.offset..<(t.offset + t.count)])
                if !transposed { return (name, t.shape, Array(src)) }
                let rows = t.shape[0], cols = t.shape[1]   // [out, in] → [in, out]
                var out = [Float](repeating: 0, count: t.count)
                for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = src[r * cols + c] } }
                return (name, [cols, rows], out)
            }
        }
    }

    public static func safetensors(of model: GPT) throws -> [UInt8] {
        try Safetensors.encode(tensors(of: model), metadata: ["format": "pt"])
    }

    /// Loads HF GPT-2 tensors (with or without the `transformer.` prefix) into `model`. Every
    /// tensor must be present with the expected shape; `lm_head.weight`, if present, must equal `wte`.
    public static func load(safetensors bytes: [UInt8], into model: GPT) throws {
        let (tensors, _) = try Safetensors.decode(bytes)
        var byName: [String: (shape: [Int], values: [Float])] = [:]
        for (k, v) in tensors { byName[k.hasPrefix("transformer.") ? String(k.dropFirst("transformer.".count)) : k] = v }
        try model.withParameters { p in
            for t in model.parameterTensors {
                let (name, transposed) = exportName(t)
                guard let found = byName[name] else {
                    throw GPTError.malformedFile(.safetensors, item: name, message: "checkpoint has no tensor \(name) (expected shape \(transposed ? [t.shape[1], t.shape[0]] : t.shape)); it does not match \(model.config)")
                }
                let expected = transposed ? [t.shape[1], t.shape[0]] : t.shape
                guard found.shape == expected else {
                    throw GPTError.malformedFile(.safetensors, item: name, message: "checkpoint tensor \(name) has shape \(found.shape), expected \(expected) for \(model.config)")
                }
                let dst = p.baseAddress! + t.offset
                if !transposed {
                    found.values.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: t.count) }
                } else {
                    let rows = t.shape[0], cols = t.shape[1]   // stored [cols, rows]
                    for r in 0..<rows { for c in 0..<cols { dst[r * cols + c] = found.values[c * rows + r] } }
                }
            }
        }
    }

    /// `config.json` for `transformers.GPT2Config`.
    public static func configJSON(_ c: GPTConfig, endOfText: Int? = nil) throws -> Data {
        var o: [String: Any] = [
            "model_type": "gpt2",
            "architectures": ["GPT2LMHeadModel"],
            "vocab_size": c.vocabSize,
            "n_positions": c.contextLength,
            "n_ctx": c.contextLength,
            "n_embd": c.channels,
            "n_layer": c.layers,
            "n_head": c.heads,
            "n_inner": NSNull(),
            "activation_function": "gelu_new",
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0,
            "layer_norm_epsilon": 1e-5,
            "initializer_range": 0.02,
            "scale_attn_weights": true,
            "tie_word_embeddings": true,
            "torch_dtype": "float32",
        ]
        // Explicit nulls without an end-of-text token: GPT2Config's defaults (50256) would name
        // a token this vocabulary may not have, or another one.
        o["bos_token_id"] = endOfText ?? NSNull()
        o["eos_token_id"] = endOfText ?? NSNull()
        return try JSONOutput.serialize(o, .checkpoint)
    }

    /// Reads a GPTConfig from an HF GPT-2 `config.json`.
    public static func config(fromJSON data: Data) throws -> GPTConfig {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GPTError.malformedFile(.huggingFaceConfig, item: nil, message: "config.json is not a JSON object")
        }
        if let t = o["model_type"] as? String, t != "gpt2" {
            throw GPTError.malformedFile(.huggingFaceConfig, item: "model_type", message: "config.json has model_type \"\(t)\", expected \"gpt2\"")
        }
        func int(_ k: String) throws -> Int {
            guard let v = o[k] as? Int else { throw GPTError.malformedFile(.huggingFaceConfig, item: k, message: "config.json lacks the integer field \(k)") }
            return v
        }
        if let inner = o["n_inner"] as? Int, inner != 4 * (try int("n_embd")) {
            throw GPTError.malformedFile(.huggingFaceConfig, item: "n_inner", message: "config.json has n_inner \(inner); this model supports only 4·n_embd")
        }
        let c = GPTConfig(vocabSize: try int("vocab_size"), contextLength: try int("n_positions"), layers: try int("n_layer"),
                          heads: try int("n_head"), channels: try int("n_embd"))
        try c.validate()
        return c
    }
}
