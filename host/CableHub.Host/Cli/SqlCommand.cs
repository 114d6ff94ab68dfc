using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using CableHub.Host.Configuration;
using CableHub.Host.Infrastructure;
using ClickHouse.Driver.ADO;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary>
/// <c>sql "SELECT …"</c>: a query on the warehouse through ClickHouse's HTTP interface — the running hub's
/// embedded engine, an external ClickHouse, or (when neither answers) the embedded engine opened here.
/// </summary>
public static class SqlCommand
{
    public static Command Build()
    {
        var query = new Argument<string>("query") { Description = "ClickHouse SQL, e.g. \"SELECT * FROM marts.active_subscribers_per_plan\"" };
        var format = new Option<string>("--format") { Description = "table | tsv | json", DefaultValueFactory = _ => "table" };
        var command = new Command("sql", "Run a query on the warehouse") { query, format };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var configuration = HubCli.Configuration(parse);
            var settings = HubConfiguration.Bind(configuration);
            using var serilog = Logging.CreateLogger(configuration);
            using var loggers = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog);
            var connectionString = !string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString)
                ? settings.ClickHouse.ConnectionString
                : $"Host=127.0.0.1;Port={settings.ClickHouse.Embedded.Port};Protocol=http;Username=default;Password=;Database=default";

            HubInfrastructure? local = null;
            try
            {
                if (string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString) && !await AnswersAsync(connectionString, ct).ConfigureAwait(false))
                {
                    // No hub running: open the embedded engine on the data path ourselves, on a free port.
                    settings.ClickHouse.Embedded.Port = 0;
                    local = await HubInfrastructure.StartAsync(settings, loggers, postgres: false, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
                    connectionString = local.ClickHouseConnectionString;
                }

                await using var connection = new ClickHouseConnection(connectionString);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // running the operator's own query is this verb's purpose
                command.CommandText = parse.GetValue(query)!;
#pragma warning restore CA2100
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await WriteAsync(reader, parse.GetValue(format)!, ct).ConfigureAwait(false);
                return 0;
            }
            catch (ClickHouse.Driver.ClickHouseServerException ex)
            {
                await Console.Error.WriteLineAsync($"query failed: {ex.Message}").ConfigureAwait(false);
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

    /// <summary>
    /// The warehouse to talk to: the configured ClickHouse, the running hub's embedded engine, or (when neither answers)
    /// the embedded engine opened here on a free port (handed to <paramref name="started"/>, to be disposed by the caller).
    /// </summary>
    internal static async Task<string> ConnectAsync(HubSettings settings, ILoggerFactory loggers, CancellationToken ct, Action<HubInfrastructure> started)
    {
        if (!string.IsNullOrWhiteSpace(settings.ClickHouse.ConnectionString))
        {
            return settings.ClickHouse.ConnectionString;
        }

        var connectionString = $"Host=127.0.0.1;Port={settings.ClickHouse.Embedded.Port};Protocol=http;Username=default;Password=;Database=default";
        if (await AnswersAsync(connectionString, ct).ConfigureAwait(false))
        {
            return connectionString;
        }

        settings.ClickHouse.Embedded.Port = 0;
        var local = await HubInfrastructure.StartAsync(settings, loggers, postgres: false, kafka: false, clickHouse: true, ct).ConfigureAwait(false);
        started(local);
        return local.ClickHouseConnectionString;
    }

    private static async Task<bool> AnswersAsync(string connectionString, CancellationToken ct)
    {
        try
        {
            await using var connection = new ClickHouseConnection(connectionString);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or DbException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task WriteAsync(DbDataReader reader, string format, CancellationToken ct)
    {
        var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        if (format == "table")
        {
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var name in names)
            {
                table.AddColumn(new TableColumn(Markup.Escape(name)));
            }

            var rows = 0;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                table.AddRow(names.Select((_, i) => Markup.Escape(Text(reader.GetValue(i)))).ToArray());
                rows++;
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"[grey]{rows} row(s)[/]");
            return;
        }

        if (format == "json")
        {
            var list = new List<Dictionary<string, object?>>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                list.Add(names.Select((n, i) => (n, v: reader.IsDBNull(i) ? null : reader.GetValue(i))).ToDictionary(x => x.n, x => x.v));
            }

            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(list, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));
            return;
        }

        Console.WriteLine(string.Join('\t', names));
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            Console.WriteLine(string.Join('\t', names.Select((_, i) => Text(reader.GetValue(i)))));
        }
    }

    private static string Text(object? value) => value switch
    {
        null or DBNull => "NULL",
        DateTime dt => dt.ToString("yyyy-MM-dd HH:mm:ss.FFF", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
