using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace CableHub.Host.Cli;

/// <summary>
/// Help as a newcomer meets it: <c>./cablehub help [VERB…]</c> besides <c>--help</c>, usage lines that name
/// <c>./cablehub</c> (what users type, not the assembly), one example per verb, and the launcher script's own verbs.
/// System.CommandLine's help builder is internal, so its text is taken as it is and completed.
/// </summary>
public static class HubHelp
{
    /// <summary>The program as users call it.</summary>
    public const string Program = "./cablehub";

    /// <summary>One example line per verb, by its path ("edi parse"; "" is the program itself). Every verb has one (tested).</summary>
    public static IReadOnlyDictionary<string, string> Examples { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [""] = "./cablehub help edi parse",
        ["help"] = "./cablehub help inventory stock-take",
        ["up"] = "./cablehub up --Http:Urls=http://127.0.0.1:9080 --Demo:Subscribers=5000",
        ["serve"] = "./cablehub serve --Postgres:ConnectionString='Host=db1;Database=cablehub;Username=hub;Password=secret'",
        ["seed"] = "./cablehub seed --subscribers 10000 --seed 42",
        ["sql"] = "./cablehub sql \"SELECT state, seconds_to_complete FROM marts.fact_product_order\" --format tsv",
        ["bench"] = "./cablehub bench edi --mb 100",
        ["bench edi"] = "./cablehub bench edi --mb 100 --iterations 3",
        ["bench epg"] = "./cablehub bench epg --programmes 1000000 --details",
        ["bench pipeline"] = "./cablehub bench pipeline --subscribers 10000",
        ["bench cdc"] = "./cablehub bench cdc --changes 400000 --rate 20000 --seconds 20",
        ["epg"] = "./cablehub epg check tests/CableHub.Connectors.Xmltv.Tests/Fixtures/UK_Data.xml",
        ["epg check"] = "./cablehub epg check tests/CableHub.Connectors.Xmltv.Tests/Fixtures/UK_Data.xml --json",
        ["epg import"] = "./cablehub epg import tests/CableHub.Connectors.Xmltv.Tests/Fixtures/UK_Data.xml --time-zone Europe/London",
        ["epg export"] = "./cablehub epg export -o guide.xml",
        ["epg map"] = "./cablehub epg map --source default --set 1001=STARPLUSHD --set 1002=COLORSHD",
        ["edi"] = "./cablehub edi parse tests/CableHub.Connectors.Edi.Tests/Fixtures/x12-856/node-x12_856_v4060_S-O-I.edi",
        ["edi parse"] = "./cablehub edi parse tests/CableHub.Connectors.Edi.Tests/Fixtures/x12-856/node-x12_856_v4060_S-O-I.edi --json",
        ["edi import"] = "./cablehub edi import asn-0001.edi asn-0002.edi",
        ["inventory"] = "./cablehub inventory stock-levels --output stock.csv",
        ["inventory import-devices"] = "./cablehub inventory import-devices devices.csv",
        ["inventory stock-take"] = "./cablehub inventory stock-take counted.csv --location WH-MAIN",
        ["inventory export-devices"] = "./cablehub inventory export-devices --location WH-MAIN --status in_stock --output devices.csv",
        ["inventory stock-levels"] = "./cablehub inventory stock-levels --output stock.csv",
        ["ml"] = "./cablehub ml evaluate --csv tests/CableHub.Ml.Tests/Fixtures/churn/iranian_churn_UCI563.csv --label Churn --out ml-report",
        ["ml evaluate"] = "./cablehub ml evaluate --csv tests/CableHub.Ml.Tests/Fixtures/churn/iranian_churn_UCI563.csv --label Churn --out ml-report",
        ["ml train"] = "./cablehub ml train --csv tests/CableHub.Ml.Tests/Fixtures/churn/iranian_churn_UCI563.csv --label Churn --name churn",
        ["ml score"] = "./cablehub ml score --model churn --csv subscribers.csv --out scores.csv",
        ["ml models"] = "./cablehub ml models --registry .data/ml/registry",
        ["ml features"] = "./cablehub ml features --cutoff 2026-06-01T00:00:00Z --horizon 60 --out features.csv",
        ["ml score-warehouse"] = "./cablehub ml score-warehouse --model churn --horizon 60",
        ["bench ml"] = "./cablehub bench ml --rows 1000000",
        ["export"] = "./cablehub export --mart dim_customer --format parquet --out dim_customer.parquet",
        ["bench marts"] = "./cablehub bench marts --subscribers 200000 --snapshot-boxes 200000 --channels-per-box 40",
        ["bench export"] = "./cablehub bench export --rows 5000000",
        ["payments"] = "./cablehub payments camt054 tests/CableHub.Connectors.Payments.Tests/Fixtures/iso20022/genkgo_camt.054.001.08_batch-3tx-e2e-ustrd-isr-scor.xml --json",
        ["payments camt054"] = "./cablehub payments camt054 tests/CableHub.Connectors.Payments.Tests/Fixtures/iso20022/genkgo_camt.054.001.08_batch-3tx-e2e-ustrd-isr-scor.xml --json",
        ["payments camt053"] = "./cablehub payments camt053 statement.xml --json",
        ["payments pain008"] = "./cablehub payments pain008 --due-by 2026-12-20 --collection-date 2026-12-22 --out dd-batch.xml",
        ["payments mandate"] = "./cablehub payments mandate --account 0193a1c2-0000-7000-8000-000000000001 --mandate-id MND-000123 --name \"Asha Verma\" --iban DE89370400440532013000 --signed 2026-11-02",
        ["payments validate"] = "./cablehub payments validate pain008.xml",
        ["payments stripe-simulator"] = "./cablehub payments stripe-simulator --port 12111",
        ["users"] = "./cablehub users list",
        ["users add"] = "./cablehub users add asha --roles inventory-clerk,technician --email asha@example.net",
        ["users roles"] = "./cablehub users roles asha --set inventory-clerk",
        ["users reset-mfa"] = "./cablehub users reset-mfa admin",
        ["users disable"] = "./cablehub users disable asha",
        ["users list"] = "./cablehub users list --Postgres:Embedded:Port=55432",
        ["clients"] = "./cablehub clients list",
        ["clients add"] = "./cablehub clients add erp --scopes orders:write,catalog:read --name 'ERP (SAP)'",
        ["clients rotate"] = "./cablehub clients rotate erp",
        ["clients revoke"] = "./cablehub clients revoke erp",
        ["clients list"] = "./cablehub clients list --Postgres:Embedded:Port=55432",
        ["cas"] = "./cablehub cas reconcile --dry-run --json",
        ["cas reconcile"] = "./cablehub cas reconcile --Postgres:Embedded:Port=55432",
        ["cas log"] = "./cablehub cas log --customer C00000001 --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z --format csv,pdf --out reports/cas",
        ["cas-sim"] = "./cablehub cas-sim status --Postgres:Embedded:Port=55432",
        ["cas-sim down"] = "./cablehub cas-sim down --for 120 --reason 'outage drill'",
        ["cas-sim up"] = "./cablehub cas-sim up --Postgres:Embedded:Port=55432",
        ["cas-sim status"] = "./cablehub cas-sim status --Postgres:Embedded:Port=55432",
        ["cas-sim register"] = "./cablehub cas-sim register STB-0001=SC-0001 STB-0002",
        ["report"] = "./cablehub report msr --month 2026-11 --format csv,xlsx,pdf --out reports/2026-11",
        ["report msr"] = "./cablehub report msr --month 2026-11 --format pdf --out reports/2026-11 --broadcaster STAR",
        ["report subscribers"] = "./cablehub report subscribers --month 2026-11 --format xlsx --out reports/2026-11",
        ["report activations"] = "./cablehub report activations --month 2026-11 --format csv --out reports/2026-11 --as-of 2026-11-21T00:00:00+05:30",
        ["report revenue"] = "./cablehub report revenue --month 2026-11 --format csv --out reports/2026-11 --Compliance:Profile=US",
        ["report reconciliation"] = "./cablehub report reconciliation --month 2026-11 --format csv,pdf --out reports/2026-11",
        ["report allin"] = "./cablehub report allin --month 2026-11 --format xlsx --out reports/2026-11 --Compliance:Profile=US",
        ["report verify"] = "./cablehub report verify reports/2026-11/msr-2026-11-STAR.csv",
        ["bench msr"] = "./cablehub bench msr --rows 100000000",
        ["audit"] = "./cablehub audit verify",
        ["audit verify"] = "./cablehub audit verify --json",
        ["audit log"] = "./cablehub audit log --table subscription --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z",
        ["dsr"] = "./cablehub dsr list --overdue",
        ["dsr list"] = "./cablehub dsr list --json",
        ["dsr open"] = "./cablehub dsr open --customer 0193a5c2-7e1f-7a00-8000-000000000001 --kind access",
        ["dsr export"] = "./cablehub dsr export --request 0193a5c2-7e1f-7a00-8000-0000000000a1",
        ["dsr erase"] = "./cablehub dsr erase --request 0193a5c2-7e1f-7a00-8000-0000000000e1",
        ["dsr rectify"] = "./cablehub dsr rectify --request 0193a5c2-7e1f-7a00-8000-0000000000b1 --set familyName=Rao --set email=asha.rao@example.in",
        ["dsr rekey"] = "./cablehub dsr rekey --batch 1000",
        ["billrun"] = "./cablehub billrun --date 2026-02-05",
        ["bench billrun"] = "./cablehub bench billrun --accounts 1000000",
        ["bench onboarding"] = "./cablehub bench onboarding --orders 1000",
        ["openapi"] = "./cablehub openapi --out cablehub-openapi.json",
    };

    /// <summary>Verbs only the launcher script has (it also prepares and builds before <c>up</c>).</summary>
    public static IReadOnlyList<(string Verb, string Description, string Example)> LauncherVerbs { get; } =
    [
        ("build", "Install what is missing (Debian packages, the ClickHouse engine) and build the solution", "./cablehub build"),
        ("test", "Install what is missing, build, and run the whole test suite (dotnet test options pass through)", "./cablehub test --filter FullyQualifiedName~Edi"),
    ];

    /// <summary>Adds the <c>help</c> verb, completes every help text, and shows help when no verb is given.</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var option = root.Options.OfType<HelpOption>().Single();
        option.Action = new CompletedHelpAction((HelpAction)option.Action!);

        var verb = new Argument<string[]>("verb") { Description = "the verb (and sub-verb) to explain; none: all verbs", Arity = ArgumentArity.ZeroOrMore };
        var help = new Command("help", "Show what a verb does, its options and an example") { verb };
        help.SetAction(parse => Help(root, parse.GetValue(verb) ?? [], parse.InvocationConfiguration));
        root.Subcommands.Add(help);
        root.SetAction(parse => Help(root, [], parse.InvocationConfiguration));
    }

    private static int Help(RootCommand root, string[] path, InvocationConfiguration configuration)
    {
        var output = configuration.Output;
        Command command = root;
        foreach (var name in path)
        {
            var next = command.Subcommands.FirstOrDefault(c => c.Name == name || c.Aliases.Contains(name));
            if (next is null)
            {
                if (command == root && LauncherVerbs.FirstOrDefault(v => v.Verb == name) is { Verb: not null } launcher)
                {
                    output.WriteLine($"{Program} {launcher.Verb}: {launcher.Description} (handled by the launcher script).");
                    output.WriteLine();
                    output.WriteLine("Example:");
                    output.WriteLine("  " + launcher.Example);
                    return 0;
                }

                var known = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                configuration.Error.WriteLine($"{Program} help: no verb '{string.Join(' ', path)}'; {(command == root ? "verbs" : $"'{Path(command)}' has")}: {known}");
                return 1;
            }

            command = next;
        }

        // The same text as VERB --help: parse it and let the (completed) help action write it.
        return root.Parse([.. path, "--help"]).Invoke(configuration);
    }

    /// <summary>The verb path of a command ("edi parse"; "" for the root).</summary>
    public static string Path(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (var c = command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>System.CommandLine's help text with the program named as users call it, the example and, at the top, the launcher's verbs.</summary>
    private sealed class CompletedHelpAction(HelpAction inner) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var configuration = parseResult.InvocationConfiguration;
            var output = configuration.Output;
            var captured = new StringWriter();
            configuration.Output = captured;
            try
            {
                inner.Invoke(parseResult);
            }
            finally
            {
                configuration.Output = output;
            }

            var command = parseResult.CommandResult.Command;
            var executable = parseResult.RootCommandResult.Command.Name;
            var text = new StringBuilder(captured.ToString())
                .Replace("  " + executable + " ", "  " + Program + " ")
                .Replace("[[--] <additional arguments>...]]", "[--Section:Key=value ...]")
                .Replace("Additional Arguments:", "Configuration overrides:")
                .Replace("Arguments passed to the application that is being run.",
                    "--Section:Key=value settings that win over appsettings.json and CABLEHUB_Section__Key variables, e.g. --Http:Urls=http://127.0.0.1:9080")
                .ToString().TrimEnd();
            output.WriteLine(text);
            output.WriteLine();
            if (command is RootCommand)
            {
                output.WriteLine("Launcher verbs (the ./cablehub script):");
                var width = LauncherVerbs.Max(v => v.Verb.Length) + 2;
                foreach (var (verb, description, _) in LauncherVerbs)
                {
                    output.WriteLine($"  {verb.PadRight(width)}{description}");
                }

                output.WriteLine();
                output.WriteLine($"{Program} help VERB (or {Program} VERB --help) explains one verb.");
                output.WriteLine();
            }

            if (Examples.TryGetValue(Path(command), out var example))
            {
                output.WriteLine("Example:");
                output.WriteLine("  " + example);
                output.WriteLine();
            }

            return 0;
        }
    }
}
