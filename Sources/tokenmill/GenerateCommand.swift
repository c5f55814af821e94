import ArgumentParser
import Foundation
import GPTModule
import Pipeline

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
        // The generator's own failures (no tokenizer beside the checkpoint, another tokenizer,
        // an empty prompt without <|endoftext|>) are `PipelineError`s: printed as they are, exit 1
        // (not as usage errors with the usage text: the arguments were well formed).
        let generator = try TextGenerator.load(checkpoint: checkpoint)
        let stdout = FileHandle.standardOutput
        if !noEcho { stdout.write(Data(prompt.utf8)) }
        try generator.generate(prompt: prompt, maxTokens: maxTokens,
                               options: SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed),
                               stopAtEndOfText: !ignoreEot) { stdout.write(Data($0.utf8)) }
        stdout.write(Data("\n".utf8))
    }
}
