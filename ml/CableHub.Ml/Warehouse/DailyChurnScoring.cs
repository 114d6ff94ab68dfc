using System.Globalization;
using CableHub.Ml.Registry;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging;

namespace CableHub.Ml.Warehouse;

/// <summary>What the daily scoring run uses: the registered model, its horizon, the local time of day and where things are.</summary>
public sealed record DailyChurnScoringOptions
{
    public required string ConnectionString { get; init; }

    public required string RegistryRoot { get; init; }

    /// <summary>Registered model: NAME (the latest version at each run) or NAME@VERSION.</summary>
    public required string Model { get; init; }

    public int HorizonDays { get; init; } = 60;

    /// <summary>Local time of day (in <see cref="ReportingTimeZone"/>) after which the day's scores are due.</summary>
    public TimeOnly At { get; init; } = new(2, 0);

    public string ReportingTimeZone { get; init; } = "Asia/Kolkata";
}

/// <summary>
/// The daily scoring run: once per local day, after <see cref="DailyChurnScoringOptions.At"/>, every active customer is
/// scored into <c>marts.fact_churn_score</c> at that instant. A day is due when it has no rows of the model yet, so a hub
/// that was down at the time scores on start, and a second process (or a restart) does not score a day twice — a re-run
/// would only replace the day's rows anyway (ReplacingMergeTree).
/// </summary>
public sealed partial class DailyChurnScoring(DailyChurnScoringOptions options, TimeProvider time, ILogger logger)
{
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);

    /// <summary>The local day whose scores are due at <paramref name="now"/>: today once the time has passed, else yesterday.</summary>
    public DateOnly DueDay(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, _zone);
        var today = DateOnly.FromDateTime(local.DateTime);
        return TimeOnly.FromDateTime(local.DateTime) >= options.At ? today : today.AddDays(-1);
    }

    /// <summary>The next instant the scoring time comes round after <paramref name="now"/>.</summary>
    public DateTimeOffset NextRun(DateTimeOffset now)
    {
        var day = DueDay(now).AddDays(1);
        var local = day.ToDateTime(options.At, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, _zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>Scores the due day when it has no scores of this model yet; null when it has (nothing to do).</summary>
    public async Task<ChurnScoringRun?> RunIfDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var registered = new ModelRegistry(options.RegistryRoot).Load(options.Model);
        var day = DueDay(now);
        if (DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, _zone).DateTime) != day
            || await HasScoresAsync(registered.Manifest.Name, day, ct).ConfigureAwait(false))
        {
            // Yesterday's slot (before today's time) is only caught up on the day itself: scores are "as of" the run.
            return null;
        }

        var run = await ChurnWarehouse.ScoreAsync(options.ConnectionString, registered, now, options.HorizonDays, time, options.ReportingTimeZone, ct).ConfigureAwait(false);
        LogScored(run.Model, run.Version, run.Customers, run.ScoreDate);
        return run;
    }

    /// <summary>Runs until cancelled: a due run now, then at each day's time. A failed run is logged and tried again in 10 minutes.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wait = TimeSpan.FromMinutes(10);
            try
            {
                await RunIfDueAsync(ct).ConfigureAwait(false);
                wait = NextRun(time.GetUtcNow()) - time.GetUtcNow();
            }
            catch (Exception ex) when (ex is ClickHouse.Driver.ClickHouseServerException or HttpRequestException or IOException or InvalidDataException or ArgumentException or InvalidOperationException)
            {
                LogFailed(ex.Message);
            }

            await Task.Delay(wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, time, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> HasScoresAsync(string model, DateOnly day, CancellationToken ct)
    {
        using var client = new ClickHouseClient(options.ConnectionString);
        using (var exists = await client.ExecuteReaderAsync("EXISTS TABLE marts.fact_churn_score", null, null, ct).ConfigureAwait(false))
        {
            if (!exists.Read() || Convert.ToInt32(exists.GetValue(0), CultureInfo.InvariantCulture) == 0)
            {
                return false;
            }
        }

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("model", model);
        parameters.AddParameter("day", day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified));
        using var reader = await client.ExecuteReaderAsync(
            "SELECT count() FROM marts.fact_churn_score WHERE model_name = {model:String} AND score_date = {day:Date}", parameters, null, ct).ConfigureAwait(false);
        return reader.Read() && Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture) > 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Churn scores: {Model} v{Version} scored {Customers} customers for {Day}")]
    private partial void LogScored(string model, int version, int customers, DateOnly day);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Churn scoring failed ({Reason}); next try in 10 minutes")]
    private partial void LogFailed(string reason);
}
