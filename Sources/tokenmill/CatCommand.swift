import ArgumentParser
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cat", abstract: "(in progress)")
}
