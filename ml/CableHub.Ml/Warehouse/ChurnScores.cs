using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace CableHub.Ml.Warehouse;

/// <summary>One reason of a score: the column, the customer's value and how much the probability would drop without it.</summary>
public sealed record ChurnReason(string Column, string Value, double Effect);

/// <summary>A customer's churn score as <c>marts.fact_churn_score</c> holds it (one scoring day, one model).</summary>
public sealed record ChurnScore(
    Guid CustomerId, string CustomerNumber, DateOnly ScoreDate, DateTimeOffset ScoredAt, DateTimeOffset Cutoff, int HorizonDays,
    string Model, int ModelVersion, double Probability, string RiskBand, IReadOnlyList<ChurnReason> Reasons);

/// <summary>Reads scores back from <c>marts.fact_churn_score</c> (the customer-service screen).</summary>
public sealed class ChurnScores(string connectionString)
{
    // The newest scoring day of the customer; FINAL applies a same-day re-run. Values go in as parameters.
    private const string LatestSql = """
        SELECT customer_id, customer_number, score_date, scored_at, cutoff, horizon_days, model_name, model_version, probability, risk_band,
               top_reasons, reason_effects
        FROM marts.fact_churn_score FINAL
        WHERE customer_id = {customer:UUID}
        ORDER BY score_date DESC, scored_at DESC
        LIMIT 1
        """;

    /// <summary>The customer's latest score, or null when the customer was never scored (or no scoring has run yet).</summary>
    public async Task<ChurnScore?> LatestAsync(Guid customerId, CancellationToken ct = default)
    {
        using var client = new ClickHouseClient(connectionString);
        using (var exists = await client.ExecuteReaderAsync("EXISTS TABLE marts.fact_churn_score", null, null, ct).ConfigureAwait(false))
        {
            if (!exists.Read() || Convert.ToInt32(exists.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return null;
            }
        }

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("customer", customerId);
        using var reader = await client.ExecuteReaderAsync(LatestSql, parameters, null, ct).ConfigureAwait(false);
        if (!reader.Read())
        {
            return null;
        }

        var reasons = (string[])reader.GetValue(10);
        var effects = (float[])reader.GetValue(11);
        return new ChurnScore(
            (Guid)reader.GetValue(0),
            (string)reader.GetValue(1),
            DateOnly.FromDateTime(Convert.ToDateTime(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture)),
            Utc(reader.GetValue(3)),
            Utc(reader.GetValue(4)),
            Convert.ToInt32(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
            (string)reader.GetValue(6),
            Convert.ToInt32(reader.GetValue(7), System.Globalization.CultureInfo.InvariantCulture),
            Math.Round(Convert.ToDouble(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture), 4),
            (string)reader.GetValue(9),
            [.. reasons.Select((r, i) => Reason(r, i < effects.Length ? effects[i] : 0))]);
    }

    private static ChurnReason Reason(string stored, float effect)
    {
        var eq = stored.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? new ChurnReason(stored, "", Math.Round(effect, 4)) : new ChurnReason(stored[..eq], stored[(eq + 1)..], Math.Round(effect, 4));
    }

    private static DateTimeOffset Utc(object value) => value switch
    {
        DateTimeOffset o => o.ToUniversalTime(),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        _ => throw new InvalidOperationException($"unexpected instant {value.GetType().Name}"),
    };
}
