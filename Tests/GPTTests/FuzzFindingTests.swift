import Foundation
import GPTModule
import Pipeline
import Shards
import TestSupport
import Testing

/// Checkpoint files found by fuzzing to crash or to allocate without bound (docs/fuzzing.md,
/// targets `safetensors` and `checkpoint`). The checkpoint is a real one written by
/// `GPTCheckpoint.save`; each test changes one file and rewrites `SHA256SUMS` to match, as a
/// crafted or carelessly edited checkpoint would have it, and expects an error naming the file.
@Suite struct FuzzFindingTests {
    /// A tiny checkpoint (config.json, model.safetensors, trainer.json, SHA256SUMS).
    static func checkpoint(_ name: String) throws -> String {
        let dir = try CLI.temporaryDirectory("fuzz-" + name) + "/step-000001"
        let config = GPTConfig(vocabSize: 300, contextLength: 16, layers: 1, heads: 2, channels: 8)
        let info = CheckpointInfo(step: 1, config: config, options: PretrainOptions(), tokenizerFingerprint: "0", endOfText: nil, tokensSeen: 0, threads: 1)
        try GPTCheckpoint.save(to: dir, model: try GPT(config: config, seed: 1), optimizer: nil, loaderStateJSON: nil, info: info, tokenizerJSON: nil)
        return dir
    }

    static func safetensors(_ header: String) -> [UInt8] {
        let json = Array(header.utf8)
        return (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json + [UInt8](repeating: 0, count: 64)
    }

    /// Before: `shape.reduce(1, *)` trapped with "arithmetic overflow" (Safetensors.swift).
    @Test(arguments: [#"[4294967296, 4294967296]"#, #"[-2, -1]"#, #"[9223372036854775807, 2]"#])
    func aSafetensorsShapeWhoseProductOverflowsOrIsNegativeIsRefused(shape: String) throws {
        let bytes = Self.safetensors(#"{"wte.weight": {"dtype": "F32", "shape": \#(shape), "data_offsets": [0, 8]}}"#)
        let error = #expect(throws: GPTError.self) { try Safetensors.decode(bytes) }
        #expect(error.map { "\($0)".contains("wte.weight has data offsets [0, 8] inconsistent with shape") } == true, "\(String(describing: error))")
    }

    /// Before: `dataStart + e.end` could overflow for an end offset near Int.max.
    @Test func aSafetensorsOffsetNearIntMaxIsRefused() throws {
        let end = Int.max - 1
        let bytes = Self.safetensors(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [\#(end - 8), \#(end)]}}"#)
        #expect(throws: GPTError.self) { try Safetensors.decode(bytes) }
    }

    /// Before: GPTParameterLayout trapped ("arithmetic overflow", GPT.swift) on n_embd 2^40 or
    /// n_layer 2^62, and `loadModel` allocated 1.6 GB for a config.json of vocab_size 50,000,000
    /// beside a 50 KB model.safetensors (libFuzzer: out-of-memory, malloc(1600126976)).
    @Test(arguments: [("n_embd", 1 << 40), ("n_layer", 1 << 62), ("vocab_size", 50_000_000), ("n_layer", 10_000_000_000)])
    func aConfigJSONLargerThanItsWeightsIsRefusedBeforeAllocating(field: String, value: Int) throws {
        let dir = try Self.checkpoint("config-\(field)")
        var config = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))) as! [String: Any]
        config[field] = value
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        try CheckpointFaultTests.resum(dir)
        let error = #expect(throws: PipelineError.self) { try GPTCheckpoint.loadModel(from: dir) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains(dir + "/config.json") && message.contains("parameters"), "\(message)")
        // The place is a field: the checkpoint folder, or config.json when GPTConfig itself refuses it.
        switch error {
        case .checkpointConfigExceedsWeights(let directory, _, let parameters, let weightsBytes)?:
            #expect(directory == dir && parameters > weightsBytes / 4, "\(message)")
        case .invalidCheckpointFile(let path, _)?:
            #expect(path == dir + "/config.json", "\(message)")
        default:
            Issue.record("expected a checkpoint error naming config.json, found \(message)")
        }
    }

    /// Run-folder failures are `PipelineError` cases with the place as fields (they were
    /// `GPTError.invalidState` with the place only in the text, printed as "invalid model state").
    @Test func aChangedCheckpointFileIsAChecksumMismatchNamingTheFileAndBothDigests() throws {
        let dir = try Self.checkpoint("checksum")
        let trainer = dir + "/trainer.json"
        var text = try String(contentsOfFile: trainer, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"step\" : 1", with: "\"step\" : 7")
        try text.write(toFile: trainer, atomically: true, encoding: .utf8)
        let error = #expect(throws: PipelineError.self) { try GPTCheckpoint.loadInfo(from: dir) }
        guard case .checksumMismatch(let path, let found, let expected)? = error else {
            Issue.record("expected checksumMismatch, found \(String(describing: error))"); return
        }
        #expect(path == trainer && found != expected && found.count == 64 && expected.count == 64)
        #expect("\(error!)".hasPrefix(trainer + ": SHA-256 \(found.prefix(16))… differs from \(expected.prefix(16))… in SHA256SUMS"))
    }

    @Test func aNonFiniteWeightIsRefusedNamingTheFileTheTensorAndTheElement() throws {
        let dir = try CLI.temporaryDirectory("fuzz-nan") + "/step-000001"
        let config = GPTConfig(vocabSize: 300, contextLength: 16, layers: 1, heads: 2, channels: 8)
        let model = try GPT(config: config, seed: 1)
        let tensor = model.parameterTensors[1]
        model.withParameters { $0[tensor.offset + 5] = -.infinity }
        let info = CheckpointInfo(step: 1, config: config, options: PretrainOptions(), tokenizerFingerprint: "0", endOfText: nil, tokensSeen: 0, threads: 1)
        try GPTCheckpoint.save(to: dir, model: model, optimizer: nil, loaderStateJSON: nil, info: info, tokenizerJSON: nil)
        let error = #expect(throws: PipelineError.self) { try GPTCheckpoint.loadModel(from: dir) }
        #expect(error == .nonFiniteCheckpointValue(path: dir + "/" + GPTCheckpoint.modelFile, tensor: HFGPT2.exportName(tensor).name, element: 5, value: .negativeInfinity))
        #expect(error.map { "\($0)" }?.contains("holds -inf at element 5") == true)
    }

    @Test func aFolderWithoutACheckpointIsNamedAsSuch() throws {
        let dir = try CLI.temporaryDirectory("fuzz-empty")
        #expect(throws: PipelineError.notACheckpoint(path: dir)) { try GPTCheckpoint.resolve(dir) }
        #expect(throws: PipelineError.notATrainingCheckpoint(directory: dir)) { try GPTCheckpoint.loadInfo(from: dir) }
    }

    /// The model's own file errors carry which file and which tensor or key as fields (before,
    /// `GPTError.invalidState` held only a string); their text is unchanged.
    @Test func modelFileErrorsNameTheFileKindAndTheTensorOrKey() throws {
        let short = #expect(throws: GPTError.self) { try Safetensors.decode([1, 2, 3]) }
        #expect(short == .malformedFile(.safetensors, item: nil, message: "safetensors: file shorter than its 8-byte header length"))
        #expect(short.map { "\($0)" } == "invalid model state: safetensors: file shorter than its 8-byte header length")

        let config = GPTConfig(vocabSize: 300, contextLength: 16, layers: 1, heads: 2, channels: 8)
        let model = try GPT(config: config, seed: 1)
        let tensors = HFGPT2.tensors(of: model)
        let missing = tensors[1].name
        let partial = try Safetensors.encode(tensors.filter { $0.name != missing })
        let error = #expect(throws: GPTError.self) { try HFGPT2.load(safetensors: partial, into: try GPT(config: config, seed: 2)) }
        guard case .malformedFile(.safetensors, let item, let message)? = error else {
            Issue.record("expected a safetensors error, found \(String(describing: error))"); return
        }
        #expect(item == missing && message.contains("checkpoint has no tensor \(missing)"), "\(message)")

        var object = try JSONSerialization.jsonObject(with: try HFGPT2.configJSON(config)) as! [String: Any]
        object.removeValue(forKey: "n_layer")
        let json = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: GPTError.malformedFile(.huggingFaceConfig, item: "n_layer", message: "config.json lacks the integer field n_layer")) {
            try HFGPT2.config(fromJSON: json)
        }
    }

    /// The checks leave a real checkpoint alone.
    @Test func anIntactCheckpointStillLoads() throws {
        let model = try GPTCheckpoint.loadModel(from: try Self.checkpoint("intact"))
        #expect(model.config.vocabSize == 300 && model.parameterCount == model.config.parameterCount)
    }
}
