import GPTModule
import Testing

/// Names of the model module can be qualified by the module: this file compiles only because the
/// module is not named like its `GPT` class (`GPT.GPTConfig` looked inside the class and failed).
@Suite struct GPTModuleQualification {
    @Test func theModuleQualifiesItsTypesBesideTheGPTClass() throws {
        let config: GPTModule.GPTConfig = GPTModule.GPTConfig(vocabSize: 64, contextLength: 8, layers: 1, heads: 2, channels: 16)
        let model: GPTModule.GPT = try GPTModule.GPT(config: config)
        #expect(model.config == config)
        #expect(throws: GPTModule.GPTError.self) { try GPTModule.GPT(config: GPTModule.GPTConfig(vocabSize: 10, contextLength: 4, layers: 1, heads: 3, channels: 8)) }
    }
}
