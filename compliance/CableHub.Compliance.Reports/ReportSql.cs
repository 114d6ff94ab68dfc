using System.Data.Common;
using System.Globalization;
using System.Text;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace CableHub.Compliance.Reports;

/// <summary>The report queries (<c>Sql/*.sql</c>, embedded) and a small reader over ClickHouse.Driver. Values are always parameters.</summary>
internal static class ReportSql
{
    public static string Load(string name, string reportingTimeZone)
    {
        using var stream = typeof(ReportSql).Assembly.GetManifestResourceStream($"CableHub.Compliance.Reports.Sql.{name}.sql")
                           ?? throw new InvalidOperationException($"report query {name}.sql is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        MartCatalog.CheckTimeZone(reportingTimeZone);
        var lines = text.ReplaceLineEndings("\n").Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal));
        return string.Join('\n', lines).Replace("{reporting_tz}", reportingTimeZone, StringComparison.Ordinal).Trim();
    }

    public static async Task<List<T>> QueryAsync<T>(ClickHouseClient client, string sql, ClickHouseParameterCollection parameters, Func<DbDataReader, T> map, CancellationToken ct)
    {
        var rows = new List<T>();
#pragma warning disable CA2100 // SQL embedded in the assembly; values are parameters
        using var reader = await client.ExecuteReaderAsync(sql, parameters, null, ct).ConfigureAwait(false);
#pragma warning restore CA2100
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    public static ClickHouseParameterCollection Parameters(params (string Name, object Value)[] values)
    {
        var parameters = new ClickHouseParameterCollection();
        foreach (var (name, value) in values)
        {
            parameters.AddParameter(name, value);
        }

        return parameters;
    }

    public static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Str(DbDataReader r, int i) => r.IsDBNull(i) ? string.Empty : Convert.ToString(r.GetValue(i), CultureInfo.InvariantCulture) ?? string.Empty;

    public static long Long(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
}
