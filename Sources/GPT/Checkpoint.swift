import BPE
import Foundation

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
                    throw GPTError.invalidState("checkpoint has no tensor \(name) (expected shape \(transposed ? [t.shape[1], t.shape[0]] : t.shape)); it does not match \(model.config)")
                }
                let expected = transposed ? [t.shape[1], t.shape[0]] : t.shape
                guard found.shape == expected else {
                    throw GPTError.invalidState("checkpoint tensor \(name) has shape \(found.shape), expected \(expected) for \(model.config)")
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
        return try JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])
    }

    /// Reads a GPTConfig from an HF GPT-2 `config.json`.
    public static func config(fromJSON data: Data) throws -> GPTConfig {
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GPTError.invalidState("config.json is not a JSON object")
        }
        if let t = o["model_type"] as? String, t != "gpt2" {
            throw GPTError.invalidState("config.json has model_type \"\(t)\", expected \"gpt2\"")
        }
        func int(_ k: String) throws -> Int {
            guard let v = o[k] as? Int else { throw GPTError.invalidState("config.json lacks the integer field \(k)") }
            return v
        }
        if let inner = o["n_inner"] as? Int, inner != 4 * (try int("n_embd")) {
            throw GPTError.invalidState("config.json has n_inner \(inner); this model supports only 4·n_embd")
        }
        let c = GPTConfig(vocabSize: try int("vocab_size"), contextLength: try int("n_positions"), layers: try int("n_layer"),
                          heads: try int("n_head"), channels: try int("n_embd"))
        try c.validate()
        return c
    }
}

/// Durable file-system helpers: write + fsync, atomic publish by rename.
public enum DurableFiles {
    /// Writes `data` to `path` and fsyncs it.
    public static func write(_ data: some Collection<UInt8>, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw GPTError.invalidState("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(data)
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GPTError.invalidState("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
        guard fsync(fd) == 0 else { throw GPTError.invalidState("fsync \(path) failed: \(String(cString: strerror(errno)))") }
    }

    /// fsyncs a directory (so renames inside it are durable).
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { _ = fsync(fd); close(fd) }
    }

    /// Atomically replaces the file at `path` with `data` (temp file, fsync, rename, fsync dir).
    public static func replace(_ path: String, with data: some Collection<UInt8>) throws {
        let tmp = path + ".tmp-\(getpid())"
        try write(data, to: tmp)
        guard rename(tmp, path) == 0 else { throw GPTError.invalidState("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))") }
        syncDirectory((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent)
    }
}

/// What a training checkpoint holds beside the weights (`trainer.json`).
public struct CheckpointInfo: Codable, Sendable, Equatable {
    public var format = "tokenmill-gpt-checkpoint"
    public var version = 1
    /// Optimizer updates done.
    public var step: Int
    public var config: GPTConfig
    public var options: PretrainOptions
    /// Hex SHA-256 of the tokenizer (as in the shard manifest).
    public var tokenizerFingerprint: String
    public var endOfText: Int?
    /// Training tokens consumed so far.
    public var tokensSeen: Int
    public var threads: Int

    public init(step: Int, config: GPTConfig, options: PretrainOptions, tokenizerFingerprint: String, endOfText: Int?, tokensSeen: Int, threads: Int) {
        self.step = step; self.config = config; self.options = options
        self.tokenizerFingerprint = tokenizerFingerprint; self.endOfText = endOfText
        self.tokensSeen = tokensSeen; self.threads = threads
    }
}

/// A checkpoint directory:
///
///     model.safetensors   HF GPT-2 names and layout (float32)
///     config.json         HF GPT2Config
///     optimizer.safetensors  AdamW moments `m`, `v` (arena layout, 1-D) + metadata step, betas, eps, wd
///     loader.json         the training DataLoader's LoaderState (absent for a weights-only export)
///     trainer.json        CheckpointInfo (step, config, options, tokenizer fingerprint)
///     tokenizer.json      the tokenizer of the shard set
///     tokenizer_config.json, special_tokens_map.json   beside it, for transformers' AutoTokenizer
///
/// Written into `NAME.tmp-PID` (each file fsynced), then renamed to `NAME` and the parent
/// directory fsynced: a checkpoint directory either exists complete or not at all.
public enum GPTCheckpoint {
    public static let modelFile = "model.safetensors"

    public static func save(to directory: String, model: GPT, optimizer: AdamW?, loaderStateJSON: Data?,
                            info: CheckpointInfo, tokenizerJSON: Data?) throws {
        let fm = FileManager.default
        let tmp = directory + ".tmp-\(getpid())"
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try DurableFiles.write(try HFGPT2.safetensors(of: model), to: tmp + "/" + modelFile)
        try DurableFiles.write(try HFGPT2.configJSON(model.config, endOfText: info.endOfText), to: tmp + "/config.json")
        if let optimizer {
            let meta = ["step": String(optimizer.step), "beta1": "\(optimizer.beta1)", "beta2": "\(optimizer.beta2)",
                        "eps": "\(optimizer.eps)", "weight_decay": "\(optimizer.weightDecay)"]
            let bytes = try Safetensors.encode([("m", [optimizer.m.count], optimizer.m), ("v", [optimizer.v.count], optimizer.v)], metadata: meta)
            try DurableFiles.write(bytes, to: tmp + "/optimizer.safetensors")
        }
        if let loaderStateJSON { try DurableFiles.write(loaderStateJSON, to: tmp + "/loader.json") }
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try DurableFiles.write(try enc.encode(info), to: tmp + "/trainer.json")
        if let tokenizerJSON {
            try DurableFiles.write(tokenizerJSON, to: tmp + "/tokenizer.json")
            // What transformers' AutoTokenizer reads beside it (same end-of-text rule as config.json).
            for file in HuggingFaceCompanionFiles.files(endOfText: info.endOfText == nil ? nil : HuggingFaceCompanionFiles.endOfText,
                                                        modelMaxLength: model.config.contextLength) {
                try DurableFiles.write(file.contents, to: tmp + "/" + file.name)
            }
        }
        try writeChecksums(in: tmp)   // last: covers every file above
        checked.withLock { _ = $0.remove(directory) }
        DurableFiles.syncDirectory(tmp)
        if fm.fileExists(atPath: directory) { try fm.removeItem(atPath: directory) }
        guard rename(tmp, directory) == 0 else {
            throw GPTError.invalidState("cannot rename \(tmp) to \(directory): \(String(cString: strerror(errno)))")
        }
        DurableFiles.syncDirectory((directory as NSString).deletingLastPathComponent)
    }

    /// Resolves a run directory (its `latest` file) or a checkpoint directory to the checkpoint directory.
    public static func resolve(_ path: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: path + "/" + modelFile) { return path }
        if let latest = fm.contents(atPath: path + "/latest").map({ String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }),
           !latest.isEmpty, fm.fileExists(atPath: path + "/" + latest + "/" + modelFile) {
            return path + "/" + latest
        }
        throw GPTError.invalidState("\(path) is neither a checkpoint directory (with \(modelFile)) nor a run directory with a `latest` checkpoint; pass the directory `tokenmill pretrain --out` wrote, or one of its step-NNNNNN folders")
    }

    /// Loads the model of a checkpoint directory (config.json + model.safetensors).
    /// Checks the directory's `SHA256SUMS`, and refuses weights that are not finite.
    public static func loadModel(from directory: String) throws -> GPT {
        try verify(directory)
        let config = try decodeJSON(directory + "/config.json", HFGPT2.config(fromJSON:))
        let model = try GPT(config: config, seed: 0)
        let bytes = try readBytes(directory + "/" + modelFile)
        do { try HFGPT2.load(safetensors: bytes, into: model) } catch { throw GPTError.invalidState("\(directory)/\(modelFile): \(error)") }
        try model.withParameters { p in
            for t in model.parameterTensors {
                try requireFinite(UnsafeBufferPointer(rebasing: p[t.offset..<(t.offset + t.count)]), directory + "/" + modelFile, HFGPT2.exportName(t).name)
            }
        }
        return model
    }

    public static func loadInfo(from directory: String) throws -> CheckpointInfo {
        guard FileManager.default.fileExists(atPath: directory + "/trainer.json") else {
            throw GPTError.invalidState("\(directory)/trainer.json is missing: not a Tokenmill training checkpoint")
        }
        try verify(directory)
        return try decodeJSON(directory + "/trainer.json") { try JSONDecoder().decode(CheckpointInfo.self, from: $0) }
    }

    /// Restores AdamW moments and step from `optimizer.safetensors`.
    public static func loadOptimizer(from directory: String, into optimizer: AdamW) throws {
        try verify(directory)
        let (t, meta) = try Safetensors.decode(try readBytes(directory + "/optimizer.safetensors"))
        guard let m = t["m"], let v = t["v"], let step = meta["step"].flatMap(Int.init) else {
            throw GPTError.invalidState("\(directory)/optimizer.safetensors lacks m, v or the step")
        }
        guard m.values.count == optimizer.m.count, v.values.count == optimizer.v.count else {
            throw GPTError.invalidState("optimizer state has \(m.values.count) moments, the model \(optimizer.m.count) parameters")
        }
        try m.values.withUnsafeBufferPointer { try requireFinite($0, directory + "/optimizer.safetensors", "m") }
        try v.values.withUnsafeBufferPointer { try requireFinite($0, directory + "/optimizer.safetensors", "v") }
        optimizer.restore(step: step, m: m.values, v: v.values)
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw GPTError.invalidState("cannot read \(path)") }
        return Array(d)
    }
}
