using System.CommandLine;
using System.Diagnostics;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using CableHub.Warehouse.Export;
using CableHub.Warehouse.Marts;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>export --query SQL | --mart NAME --format parquet|arrow|csv --out FILE</c>: streams a warehouse query to a file
/// (constant memory, progress shown) — the running hub's warehouse, an external ClickHouse, or the embedded engine
/// opened here when neither answers.
/// </summary>
public static class ExportCommand
{
    public static Command Build()
    {
        var query = new Option<string?>("--query") { Description = "ClickHouse SQL to export" };
        var mart = new Option<string?>("--mart") { Description = "a mart to export whole (e.g. dim_customer; versioned marts are read with FINAL)" };
        var format = new Option<string>("--format") { Description = "parquet | arrow | csv", DefaultValueFactory = _ => "parquet" };
        var output = new Option<string>("--out") { Description = "output file (replaced)", Required = true };
        var command = new Command("export", "Export a query or a mart to Parquet, Arrow IPC or CSV") { query, mart, format, output };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var sql = parse.GetValue(query);
            var martName = parse.GetValue(mart);
            if (string.IsNullOrWhiteSpace(sql) == string.IsNullOrWhiteSpace(martName))
            {
                await Console.Error.WriteLineAsync("export: give exactly one of --query SQL or --mart NAME").ConfigureAwait(false);
                return 2;
            }

            if (!Enum.TryParse<ExportFormat>(parse.GetValue(format), ignoreCase: true, out var fileFormat))
            {
                await Console.Error.WriteLineAsync($"export: --format '{parse.GetValue(format)}' is not parquet, arrow or csv").ConfigureAwait(false);
                return 2;
            }

            var configuration = HubCli.Configuration(parse);
            var settings = HubConfiguration.Bind(configuration);
            using var serilog = Logging.CreateLogger(configuration);
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var path = Path.GetFullPath(parse.GetValue(output)!);
            var partial = path + ".partial";
            HubInfrastructure? local = null;
            try
            {
                var connectionString = await SqlCommand.ConnectAsync(settings, loggers, ct, started => local = started).ConfigureAwait(false);
                if (martName is not null)
                {
                    if (!System.Text.RegularExpressions.Regex.IsMatch(martName, "^[A-Za-z_][A-Za-z0-9_]*$"))
                    {
                        await Console.Error.WriteLineAsync($"export: --mart '{martName}' is not a table name").ConfigureAwait(false);
                        return 2;
                    }

                    var versioned = MartCatalog.Load(settings.ReportingTimeZone).Any(m => m.Name == martName && m.Kind != MartKind.Snapshot);
                    sql = WarehouseExporter.MartQuery(martName, versioned);
                }

                var clock = Stopwatch.StartNew();
                ExportSummary summary;
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    summary = await AnsiConsole.Status().StartAsync($"exporting to {Markup.Escape(path)}", async status =>
                    {
                        var progress = new Progress<ExportProgress>(p => status.Status(
                            $"{p.Rows:N0} rows, {p.Bytes / 1048576.0:N1} MB, {p.Rows / Math.Max(clock.Elapsed.TotalSeconds, 0.001):N0} rows/s"));
                        return await WarehouseExporter.ExportAsync(connectionString, sql!, fileFormat, file, progress, ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }

                File.Move(partial, path, overwrite: true);
                AnsiConsole.MarkupLineInterpolated($"[green]{summary.Rows:N0} rows[/], {summary.Columns.Count} columns, {summary.Bytes / 1048576.0:N1} MB → {path} in {clock.Elapsed.TotalSeconds:0.0} s");
                return 0;
            }
            catch (ClickHouse.Driver.ClickHouseServerException ex)
            {
                await Console.Error.WriteLineAsync($"export failed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (ClickHouseHttpException ex)
            {
                await Console.Error.WriteLineAsync($"export failed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (NotSupportedException ex)
            {
                await Console.Error.WriteLineAsync($"export failed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            finally
            {
                if (File.Exists(partial))
                {
                    File.Delete(partial);
                }

                if (local is not null)
                {
                    await local.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return command;
    }
}
