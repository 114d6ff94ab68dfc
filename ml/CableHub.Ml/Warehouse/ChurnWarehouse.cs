using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using CableHub.Ml.Data;
using CableHub.Ml.Registry;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Copy;
using ClickHouse.Driver.Utility;

namespace CableHub.Ml.Warehouse;

/// <summary>Outcome of a scoring run.</summary>
public sealed record ChurnScoringRun(int Customers, string Model, int Version, DateOnly ScoreDate, IReadOnlyDictionary<string, int> Bands);

/// <summary>
/// The warehouse side of churn: the point-in-time feature table (<c>Sql/churn_features.sql</c>) read at a cut-off,
/// and daily scoring into <c>marts.fact_churn_score</c> (<c>Sql/fact_churn_score.sql</c>). SQL lives in the files;
/// every value goes in as a ClickHouse parameter or through the binary insert, never into the query text.
/// </summary>
public static class ChurnWarehouse
{
    public const string ScoreTable = "marts.fact_churn_score";

    /// <summary>The label column of the feature table (1 = churned within the horizon, blank = not known yet).</summary>
    public const string LabelColumn = "churned";

    /// <summary>
    /// Identifier columns of the feature table. Pass them as <see cref="Training.TrainOptions.IdColumns"/>: a table
    /// stacked from several cut-offs repeats each customer, so they are not unique and inference alone cannot tell.
    /// </summary>
    public static IReadOnlyList<string> IdColumns { get; } = ["customer_id", "customer_number"];

    public static string FeatureSql { get; } = Resource("churn_features.sql");

    public static string ScoreTableSql { get; } = Resource("fact_churn_score.sql");

    /// <summary>
    /// Features (and the label when it is already known at <paramref name="asOf"/>) of every customer active at the
    /// cut-off, as a text table: NULL becomes a blank, which the encoder treats as missing. Identifier columns
    /// (customer_id, customer_number) and the label column (churned) come along; the cut-off column is constant.
    /// </summary>
    public static async Task<RawTable> ReadFeaturesAsync(string connectionString, DateTimeOffset cutoff, int horizonDays, DateTimeOffset asOf, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonDays, 1);
        using var client = new ClickHouseClient(connectionString);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("cutoff", cutoff.UtcDateTime);
        parameters.AddParameter("horizon_days", (uint)horizonDays);
        parameters.AddParameter("as_of", asOf.UtcDateTime);
        using var reader = await client.ExecuteReaderAsync(FeatureSql, parameters, null, ct).ConfigureAwait(false);
        var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<string[]>();
        while (reader.Read())
        {
            var row = new string[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                row[i] = Text(reader.IsDBNull(i) ? null : reader.GetValue(i));
            }

            rows.Add(row);
        }

        var table = new RawTable(columns, rows, $"churn_features(cutoff={cutoff.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}, horizon={horizonDays}d)");
        return new RawTable(table.Columns, table.Rows, table.Source) { Sha256 = Hash(table) };
    }

    /// <summary>Creates <c>marts.fact_churn_score</c> when it does not exist.</summary>
    public static async Task EnsureScoreTableAsync(string connectionString, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(connectionString);
        await client.ExecuteNonQueryAsync("CREATE DATABASE IF NOT EXISTS marts", null, null, ct).ConfigureAwait(false);
        await client.ExecuteNonQueryAsync(ScoreTableSql, null, null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Scores every customer active at <paramref name="cutoff"/> with a registered model and writes probability, band
    /// and top reasons into <c>marts.fact_churn_score</c> for the scoring day (in <paramref name="reportingTimeZone"/>).
    /// The features are checked against the model's schema first; a mismatch scores nothing.
    /// </summary>
    public static async Task<ChurnScoringRun> ScoreAsync(string connectionString, RegisteredModel model, DateTimeOffset cutoff, int horizonDays, TimeProvider time, string reportingTimeZone, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(time);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(reportingTimeZone);
        var now = time.GetUtcNow();
        var features = await ReadFeaturesAsync(connectionString, cutoff, horizonDays, now, ct).ConfigureAwait(false);
        var (scored, _) = ModelScoring.Score(model, features);
        await EnsureScoreTableAsync(connectionString, ct).ConfigureAwait(false);

        var scoreDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var idIndex = features.IndexOf("customer_id");
        var numberIndex = features.IndexOf("customer_number");
        var rows = new List<object?[]>(scored.Count);
        for (var r = 0; r < scored.Count; r++)
        {
            var s = scored[r];
            rows.Add([
                Guid.Parse(features.Rows[r][idIndex]),
                numberIndex >= 0 ? features.Rows[r][numberIndex] : "",
                scoreDate,
                now.UtcDateTime,
                cutoff.UtcDateTime,
                (ushort)horizonDays,
                model.Manifest.Name,
                (uint)model.Manifest.Version,
                (float)s.Probability,
                s.Band,
                s.Reasons.Select(x => $"{x.Column}={x.Value}").ToArray(),
                s.Reasons.Select(x => (float)x.Effect).ToArray(),
            ]);
        }

        if (rows.Count > 0)
        {
            using var client = new ClickHouseClient(connectionString);
            await client.InsertBinaryAsync(
                ScoreTable,
                ["customer_id", "customer_number", "score_date", "scored_at", "cutoff", "horizon_days", "model_name", "model_version", "probability", "risk_band", "top_reasons", "reason_effects"],
                rows,
                new InsertOptions { BatchSize = Math.Max(1, Math.Min(rows.Count, 100_000)) },
                ct).ConfigureAwait(false);
        }

        return new ChurnScoringRun(rows.Count, model.Manifest.Name, model.Manifest.Version, scoreDate,
            scored.GroupBy(s => s.Band).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        DateTime dt => dt.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Hash(RawTable table)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(string.Join('\u001f', table.Columns) + "\n"));
        foreach (var row in table.Rows)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(string.Join('\u001f', row) + "\n"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string Resource(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream($"CableHub.Ml.Warehouse.Sql.{name}") ?? throw new InvalidOperationException($"embedded SQL {name} missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
