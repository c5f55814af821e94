import ArgumentParser
import GPTModule

@main
struct Tokenmill: ParsableCommand {
    /// The release this source tree is (`tokenmill --version`); raised with each tagged release.
    static let version = "0.7.0"

    static let configuration = CommandConfiguration(
        commandName: "tokenmill",
        abstract: "Turn raw text into pretraining data: normalize, tokenize, shard, load, train.",
        version: version,
        subcommands: [EncodeCommand.self, DecodeCommand.self, NormalizeCommand.self, SplitCommand.self, ConvertCommand.self,
                      TrainTokenizerCommand.self, ShardCommand.self, CleanCommand.self, InspectCommand.self, VerifyCommand.self, CatCommand.self,
                      LoaderBenchCommand.self, ExportCommand.self, ImportCommand.self, PretrainCommand.self, GenerateCommand.self, QuickstartCommand.self]
    )

    /// Stops the worker threads OpenBLAS started before `main` (they would spin ~0.1 s of CPU
    /// in every command; GPTThreads.releaseBLASWorkers), then parses and runs the command.
    static func main() {
        GPTThreads.releaseBLASWorkers()
        main(nil)
    }
}
