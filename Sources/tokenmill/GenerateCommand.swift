import ArgumentParser
import BPE
import Foundation
import GPT
import Shards

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample text from a GPT checkpoint, streamed as it is decoded.")

    @Option(help: "A checkpoint directory (with model.safetensors) or a run folder (its latest checkpoint).") var checkpoint: String
    @Option(help: "The prompt (empty: start from <|endoftext|>).") var prompt = ""
    @Option(help: "Tokens to sample.") var maxTokens = 100
    @Option(help: "Softmax temperature (0: greedy).") var temperature: Float = 1.0
    @Option(help: "Sample among the k most likely tokens (0: all).") var topK = 0
    @Option(help: "Nucleus sampling: the most likely tokens covering probability p.") var topP: Float = 1.0
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = 2
    @Flag(help: "Keep sampling after <|endoftext|>.") var ignoreEot = false
    @Flag(help: "Do not echo the prompt.") var noEcho = false

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be ≥ 0") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be ≥ 0") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard topK >= 0 else { throw ValidationError("--top-k must be ≥ 0") }
    }

    func run() throws {
        GPTThreads.set(threads)
        let dir = try GPTCheckpoint.resolve(checkpoint)
        let model = try GPTCheckpoint.loadModel(from: dir)
        let tokPath = dir + "/tokenizer.json"
        guard FileManager.default.fileExists(atPath: tokPath) else {
            throw ValidationError("\(dir) has no tokenizer.json: generation needs the tokenizer the model was trained with")
        }
        let tokenizer = try Tokenizer.load(tokPath)
        if let info = try? GPTCheckpoint.loadInfo(from: dir) {
            let found = try ShardFingerprint.of(tokenizer).map { String(format: "%02x", $0) }.joined()
            guard found == info.tokenizerFingerprint else {
                throw ValidationError("\(tokPath) has fingerprint \(found.prefix(16))…, but the model was trained with \(info.tokenizerFingerprint.prefix(16))…: the token ids would mean different text")
            }
        }
        guard tokenizer.vocabularySize <= model.config.vocabSize else {
            throw ValidationError("the tokenizer has \(tokenizer.vocabularySize) ids, the model only \(model.config.vocabSize)")
        }
        let eot = tokenizer.specialTokenID("<|endoftext|>")
        var ids = try tokenizer.encode(prompt, specials: .allow).map { Int32($0) }
        if ids.isEmpty {
            guard let eot else { throw ValidationError("an empty --prompt needs an <|endoftext|> token to start from") }
            ids = [Int32(eot)]
        }
        var sampler = GPTSampler(model: model, options: SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed),
                                 allowedVocabulary: tokenizer.vocabularySize)
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        let stdout = FileHandle.standardOutput
        if !noEcho { stdout.write(Data(prompt.utf8)) }
        _ = try sampler.generate(prompt: ids, maxTokens: maxTokens) { id in
            if let eot, id == Int32(eot), !ignoreEot { return false }
            let text = try decoder.push(TokenID(id))
            if !text.isEmpty { stdout.write(Data(text.utf8)) }
            return true
        }
        stdout.write(Data((decoder.finish() + "\n").utf8))
    }
}
