using System.CommandLine;
using CableHub.Compliance.Reports;
using CableHub.Compliance.Reports.Signing;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>report msr|subscribers|activations|revenue|reconciliation|allin --month YYYY-MM --format csv,xlsx,pdf --out DIR</c>: compliance reports
/// of the configured regulatory profile (<c>Compliance:Profile</c>) from the warehouse, each file signed (manifest beside
/// it) and recorded through the export audit sink; <c>report verify FILE…</c> checks files against their manifests.
/// </summary>
public static class ReportCommand
{
    public static Command Build()
    {
        var command = new Command("report", "Compliance reports (signed CSV / XLSX / PDF) for a month, and their verification");
        foreach (var (name, description) in new[]
                 {
                     ("msr", "Monthly subscription report per broadcaster (TRAI): average of the 7th/14th/21st/28th subscriber counts, one file per broadcaster"),
                     ("subscribers", "Subscriber register: every subscription active at some time in the month"),
                     ("activations", "Activation and deactivation register: every entitlement start and end in the month"),
                     ("revenue", "Revenue register: revenue billed per currency, plan and tax rate (US, EU profiles)"),
                     ("reconciliation", "SMS-CAS reconciliation: the last reconciliation run by the as-of time, every difference with its age"),
                     ("allin", "US bills' all-in price check: every US bill of the month has the all-in video price as its first line"),
                 })
        {
            command.Subcommands.Add(ReportVerb(name, description));
        }

        var files = new Argument<string[]>("FILE") { Description = "exported files (their .manifest.json beside them)", Arity = ArgumentArity.OneOrMore };
        var verify = new Command("verify", "Check exported files against their signed manifests (SHA-256 and HMAC with this data directory's key)") { files };
        verify.TreatUnmatchedTokensAsErrors = false;
        verify.SetAction(parse =>
        {
            var configuration = HubCli.Configuration(parse);
            var signer = new ExportSigner(KeyPath(configuration, HubConfiguration.Bind(configuration)));
            var failed = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                var result = signer.Verify(Path.GetFullPath(file));
                if (result.Valid)
                {
                    AnsiConsole.MarkupLineInterpolated($"[green]valid[/]   {result.Reason}");
                }
                else
                {
                    failed++;
                    AnsiConsole.MarkupLineInterpolated($"[red]INVALID[/] {file}: {result.Reason}");
                }
            }

            return failed == 0 ? 0 : 1;
        });
        command.Subcommands.Add(verify);
        return command;
    }

    private static Command ReportVerb(string name, string description)
    {
        var month = new Option<string>("--month") { Description = "the month, YYYY-MM (reporting time zone)", Required = true };
        var format = new Option<string>("--format") { Description = "csv | xlsx | pdf, or several: csv,xlsx,pdf", DefaultValueFactory = _ => "csv" };
        var output = new Option<string>("--out") { Description = "output directory (files replaced)", Required = true };
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "registers: the instant the data is as of (default: end of the month, or now)" };
        var broadcaster = new Option<string?>("--broadcaster") { Description = "msr: only this broadcaster's file (its code)" };
        var command = new Command(name, description) { month, format, output, asOf, broadcaster };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            ReportPeriod period;
            IReadOnlyList<ReportFormat> formats;
            var configuration = HubCli.Configuration(parse);
            var settings = HubConfiguration.Bind(configuration);
            ComplianceOptions options;
            try
            {
                period = ReportPeriod.Parse(parse.GetValue(month)!);
                formats = ComplianceReporter.ParseFormats(parse.GetValue(format)!);
                options = Options(configuration, settings);
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync($"report {name}: {ex.Message}").ConfigureAwait(false);
                return 2;
            }

            using var serilog = Logging.CreateLogger(configuration);
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            HubInfrastructure? local = null;
            try
            {
                var connectionString = await SqlCommand.ConnectAsync(settings, loggers, ct, started => local = started).ConfigureAwait(false);
                await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false); // every export is recorded in the audit log
                var reporter = new ComplianceReporter(connectionString, options, new ExportSigner(options.SigningKeyPath),
                    new Audit.AuditLog(db.DataSource), TimeProvider.System, loggers.CreateLogger("Reports"), new Sagas.Lifecycle.CasReconciliationLog(db.DataSource));
                var directory = Path.GetFullPath(parse.GetValue(output)!);
                var files = await AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                    .StartAsync(async progress =>
                    {
                        var query = progress.AddTask($"{name} {period}: reading the warehouse", maxValue: 1);
                        query.IsIndeterminate = true;
                        var documents = await reporter.BuildAsync(ComplianceOptions.ParseReport(name), period, parse.GetValue(asOf),
                            new Progress<string>(stage => query.Description = $"{name} {period}: {Markup.Escape(stage)}"), ct).ConfigureAwait(false);
                        if (parse.GetValue(broadcaster) is { } code)
                        {
                            documents = [.. documents.Where(d => d.Parameters.TryGetValue("broadcaster", out var b) && string.Equals(b, code, StringComparison.OrdinalIgnoreCase))];
                            if (documents.Count == 0)
                            {
                                throw new ReportException($"no broadcaster '{code}' in the {period} report");
                            }
                        }

                        query.IsIndeterminate = false;
                        query.Value = 1;
                        query.Description = $"{name} {period}: {documents.Count} document(s), {documents.Sum(d => d.Rows.Count):N0} rows";
                        var writing = progress.AddTask("writing and signing", maxValue: Math.Max(1, documents.Count * formats.Count));
                        return await reporter.ExportAsync(documents, formats, directory, "cli:" + Environment.UserName,
                            new Progress<(int Done, int Total, string File)>(p =>
                            {
                                writing.Value = p.Done;
                                writing.Description = p.File.Length == 0 ? "written and signed" : $"writing {Markup.Escape(p.File)}";
                            }), ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);

                var table = new Table().Border(TableBorder.Rounded).AddColumns("file", "bytes", "sha256", "as of (UTC)");
                foreach (var f in files)
                {
                    table.AddRow(Markup.Escape(Path.GetFileName(f.Path)), f.Manifest.Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                        f.Manifest.Sha256[..16] + "…", f.Manifest.AsOf.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
                }

                AnsiConsole.Write(table);
                AnsiConsole.MarkupLineInterpolated($"[green]{files.Count} file(s)[/] in {directory}, each with a signed .manifest.json (check: ./cablehub report verify FILE)");
                return 0;
            }
            catch (ReportException ex)
            {
                await Console.Error.WriteLineAsync($"report {name}: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (ClickHouse.Driver.ClickHouseServerException ex)
            {
                await Console.Error.WriteLineAsync($"report {name}: the warehouse refused a query: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            finally
            {
                if (local is not null)
                {
                    await local.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }

    /// <summary>Compliance options from the host's settings: <c>Compliance:Profile</c>, <c>ReportingTimeZone</c>, <c>Marts:Snapshot*</c>, the key file.</summary>
    public static ComplianceOptions Options(IConfiguration configuration, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var marts = PipelineRoles.MartOptions(settings);
        return new ComplianceOptions
        {
            Profile = ComplianceOptions.ParseProfile(configuration["Compliance:Profile"]),
            ReportingTimeZone = settings.ReportingTimeZone,
            SnapshotDays = marts.SnapshotDays,
            SnapshotTime = marts.SnapshotTime,
            SigningKeyPath = KeyPath(configuration, settings),
            Topology = Warehouse.Ddl.ClickHouseTopology.For(settings.ClickHouse.Cluster),
        };
    }

    private static string KeyPath(IConfiguration configuration, HubSettings settings) => Composition.HubComposition.ReportSigningKeyPath(configuration, settings);
}
