using System.CommandLine;
using CableHub.Connectors.Edi;

namespace CableHub.Host.Cli.Bench;

/// <summary><c>bench edi --mb N</c>: X12 856 parsing throughput on a generated interchange; <c>RESULT edi_mb_per_s</c> last.</summary>
public static class EdiBench
{
    public static Command Build()
    {
        var megabytes = new Option<int>("--mb") { Description = "size of the generated 856 interchange in MB", DefaultValueFactory = _ => 100 };
        var iterations = new Option<int>("--iterations") { Description = "timed runs (the best is reported)", DefaultValueFactory = _ => 3 };
        var command = new Command("edi", "X12 856 ship notice parsing throughput (tokenize, envelope, HL hierarchy, neutral ship notice)") { megabytes, iterations };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            var mb = parse.GetValue(megabytes);
            var runs = parse.GetValue(iterations);
            if (mb < 1 || runs < 1)
            {
                Console.Error.WriteLine("--mb and --iterations must be at least 1");
                return 2;
            }

            var result = EdiBenchmark.Run(mb, runs);
            Console.WriteLine(result.Describe());
            foreach (var line in result.ResultLines)
            {
                Console.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
