import ArgumentParser
struct ShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "shard", abstract: "(in progress)")
}
