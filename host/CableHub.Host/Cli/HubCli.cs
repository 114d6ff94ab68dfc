using System.CommandLine;
using CableHub.Host.Configuration;

namespace CableHub.Host.Cli;

/// <summary>
/// The hub's verbs. Every verb accepts configuration overrides as <c>--Section:Key=value</c>
/// (e.g. <c>--Http:Urls=http://127.0.0.1:9080</c>); they win over appsettings.json and CABLEHUB_* variables.
/// </summary>
public static class HubCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CableHub — integration hub and data warehouse for a cable-TV operator");
        root.Subcommands.Add(ServeCommand("up", "Start the hub with embedded servers and demo data (what ./cablehub up runs)", seedDemo: true));
        root.Subcommands.Add(ServeCommand("serve", "Start the hub without seeding demo data", seedDemo: false));
        root.Subcommands.Add(SeedCommand.Build());
        root.Subcommands.Add(SqlCommand.Build());
        root.Subcommands.Add(BenchCommand.Build());
        root.Subcommands.Add(EpgCommand.Build());
        root.Subcommands.Add(EdiCommand.Build());
        root.Subcommands.Add(InventoryCommand.Build());
        root.Subcommands.Add(PaymentsCommand.Build());
        root.Subcommands.Add(CasSimulatorCommand.Build());
        root.Subcommands.Add(CasCommand.Build());
        root.Subcommands.Add(ExportCommand.Build());
        root.Subcommands.Add(MlCommand.Build());
        root.Subcommands.Add(ReportCommand.Build());
        root.Subcommands.Add(AuditCommand.Build());
        root.Subcommands.Add(DsrCommand.Build());
        root.Subcommands.Add(AccessCommand.Users());
        root.Subcommands.Add(AccessCommand.Clients());
        root.Subcommands.Add(BillRunCommand.Build());
        root.Subcommands.Add(OpenApiCommand.Build());
        HubHelp.Install(root); // last: help for every verb above
        return root;
    }

    /// <summary>Configuration from files, environment and the verb's <c>--Key=value</c> overrides.</summary>
    public static IConfigurationRoot Configuration(ParseResult parse) => HubConfiguration.Build(parse.UnmatchedTokens);

    private static Command ServeCommand(string name, string description, bool seedDemo)
    {
        var command = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        command.SetAction((parse, ct) => HubServer.RunAsync(Configuration(parse), seedDemo, ct));
        return command;
    }
}
