using System.Reflection;
using System.Text.RegularExpressions;
using CableHub.Warehouse.Sql;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Marts;

/// <summary>
/// Creates (or replaces) the analyst marts: the <c>.sql</c> files in <c>Marts/</c>, applied in file-name order on
/// every start (<c>CREATE OR REPLACE VIEW</c>), so the marts always match the code. They read the <c>hub.*</c>
/// current-state views, which must exist first (the host creates the raw tables of every published table at start).
/// </summary>
public static partial class MartInstaller
{
    private const string ResourcePrefix = "CableHub.Warehouse.Marts.";

    /// <summary>Applies every mart; returns the number of statements run.</summary>
    /// <param name="reportingTimeZone">IANA zone reports use (e.g. <c>Asia/Kolkata</c>); storage stays UTC.</param>
    public static async Task<int> InstallAsync(string connectionString, string reportingTimeZone, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (!TimeZoneName().IsMatch(reportingTimeZone))
        {
            throw new ArgumentException($"'{reportingTimeZone}' is not an IANA time zone name", nameof(reportingTimeZone));
        }

        using var client = new ClickHouseClient(connectionString);
        var count = 0;
        foreach (var (name, sql) in Scripts())
        {
            foreach (var statement in ClickHouseSqlScanner.SplitStatements(sql.Replace("{reporting_tz}", reportingTimeZone, StringComparison.Ordinal)))
            {
                await client.ExecuteNonQueryAsync(statement.Text, cancellationToken: ct).ConfigureAwait(false);
                count++;
            }

            logger.LogInformation("Installed warehouse marts from {Script}", name);
        }

        return count;
    }

    /// <summary>The mart scripts, in the order they apply.</summary>
    public static IReadOnlyList<(string Name, string Sql)> Scripts()
    {
        var assembly = typeof(MartInstaller).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n[ResourcePrefix.Length..^4], Read(assembly, n)))];
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")]
    private static partial Regex TimeZoneName();
}
