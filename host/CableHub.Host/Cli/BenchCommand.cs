using System.CommandLine;
using CableHub.Host.Cli.Bench;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>bench NAME [options]</c>: benchmarks. Each prints its human-readable output first and then one line per
/// figure, <c>RESULT &lt;name&gt; &lt;value&gt; &lt;unit&gt;</c>, last.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var command = new Command("bench", "Run a benchmark; figures are printed last as RESULT <name> <value> <unit>");
        // One line per benchmark (each in Cli/Bench/):
        command.Subcommands.Add(EdiBench.Build());
        command.Subcommands.Add(EpgBenchmark.Build());
        command.Subcommands.Add(PipelineBench.Build());
        command.Subcommands.Add(CdcBench.Build());
        command.Subcommands.Add(MartsBench.Build());
        command.Subcommands.Add(ExportBench.Build());
        command.Subcommands.Add(MlBench.Build());
        command.Subcommands.Add(MsrBench.Build());
        command.Subcommands.Add(BillRunBench.Build());
        command.Subcommands.Add(OnboardingBench.Build());
        return command;
    }
}
