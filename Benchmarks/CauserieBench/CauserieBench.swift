import ArgumentParser

/// `causerie-bench NAME`: one subcommand per benchmark. Each prints progress on standard error
/// and its figures as one JSON object on the last line of standard output.
@main
struct CauserieBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causerie-bench",
        abstract: "Causerie's benchmarks (build with -c release).",
        subcommands: [
            AppendBenchmark.self, ReplayBenchmark.self, TimeRangeBenchmark.self, FanoutBenchmark.self, MixBenchmark.self,
            ConnectionsBenchmark.self, StartupBenchmark.self, ExportBenchmark.self, BackupBenchmark.self,
            LMDBFloorBenchmark.self, TLSStartupBenchmark.self, FilesBenchmark.self, SmallFilesBenchmark.self, SearchBenchmark.self,
            BoardsBenchmark.self, VoiceBenchmark.self,
        ]
    )
}
