import ArgumentParser
struct TrainTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train-tokenizer", abstract: "(in progress)")
}
