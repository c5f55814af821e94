import BPE
import Foundation
import GPTModule
import TokenmillSupport

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
        try DurableFiles.write(try JSONOutput.encode(info, .checkpoint), to: tmp + "/trainer.json")
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
        try FileIO.rename(tmp, to: directory)
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
        throw PipelineError.notACheckpoint(path: path)
    }

    /// Loads the model of a checkpoint directory (config.json + model.safetensors).
    /// Checks the directory's `SHA256SUMS`, and refuses weights that are not finite.
    public static func loadModel(from directory: String) throws -> GPT {
        try verify(directory)
        let config = try decodeJSON(directory + "/config.json", HFGPT2.config(fromJSON:))
        let bytes = try readBytes(directory + "/" + modelFile)
        // The weights must be in the file before the model is allocated for them: a config.json
        // of vocab_size 50,000,000 allocated 1.6 GB for a 50 KB checkpoint (docs/fuzzing.md).
        guard config.parameterCount <= bytes.count / 4 else {
            throw PipelineError.checkpointConfigExceedsWeights(directory: directory, config: config, parameters: config.parameterCount, weightsBytes: bytes.count)
        }
        let model = try GPT(config: config, seed: 0)
        do { try HFGPT2.load(safetensors: bytes, into: model) } catch let error as GPTError {
            throw PipelineError.invalidCheckpointFile(path: directory + "/" + modelFile, error: error)
        }
        try model.withParameters { p in
            for t in model.parameterTensors {
                try requireFinite(UnsafeBufferPointer(rebasing: p[t.offset..<(t.offset + t.count)]), directory + "/" + modelFile, HFGPT2.exportName(t).name)
            }
        }
        return model
    }

    public static func loadInfo(from directory: String) throws -> CheckpointInfo {
        guard FileManager.default.fileExists(atPath: directory + "/trainer.json") else {
            throw PipelineError.notATrainingCheckpoint(directory: directory)
        }
        try verify(directory)
        return try decodeJSON(directory + "/trainer.json") { try JSONDecoder().decode(CheckpointInfo.self, from: $0) }
    }

    /// Restores AdamW moments and step from `optimizer.safetensors`.
    public static func loadOptimizer(from directory: String, into optimizer: AdamW) throws {
        try verify(directory)
        let (t, meta) = try Safetensors.decode(try readBytes(directory + "/optimizer.safetensors"))
        guard let m = t["m"], let v = t["v"], let step = meta["step"].flatMap(Int.init) else {
            throw PipelineError.optimizerStateIncomplete(path: directory + "/optimizer.safetensors")
        }
        guard m.values.count == optimizer.m.count, v.values.count == optimizer.v.count else {
            throw PipelineError.optimizerStateSizeMismatch(path: directory + "/optimizer.safetensors", moments: m.values.count, parameters: optimizer.m.count)
        }
        try m.values.withUnsafeBufferPointer { try requireFinite($0, directory + "/optimizer.safetensors", "m") }
        try v.values.withUnsafeBufferPointer { try requireFinite($0, directory + "/optimizer.safetensors", "v") }
        optimizer.restore(step: step, m: m.values, v: v.values)
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: path) else { throw PipelineError.checkpointFileUnreadable(path: path) }
        return Array(d)
    }
}
