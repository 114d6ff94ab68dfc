using System.CommandLine;
using System.Globalization;
using CableHub.Billing;
using CableHub.Billing.BillRuns;
using Spectre.Console;

namespace CableHub.Host.Cli;

/// <summary><c>billrun --date YYYY-MM-DD</c>: the bill run of a date (idempotent, resumable), with a progress bar.</summary>
public static class BillRunCommand
{
    public static Command Build()
    {
        var date = new Option<string?>("--date") { Description = "the run date (local date in ReportingTimeZone, YYYY-MM-DD); default today" };
        var command = new Command("billrun", "Bill every account whose period starts on the date (re-running bills nothing twice; a killed run resumes)") { date };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            await using var db = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            var options = db.Services.GetRequiredService<BillingOptions>();
            DateOnly runDate;
            if (parse.GetValue(date) is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out runDate))
                {
                    await Console.Error.WriteLineAsync($"--date: '{text}' is not a date (YYYY-MM-DD)").ConfigureAwait(false);
                    return 2;
                }
            }
            else
            {
                runDate = options.LocalDate(TimeProvider.System.GetUtcNow());
            }

            var status = await RunWithProgressAsync(db.Services.GetRequiredService<BillRunner>(), runDate, ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]Bill run {runDate:yyyy-MM-dd} {status.Status}[/]: {status.AccountsDue:N0} accounts due, {status.Invoices:N0} invoices, {status.Lines:N0} lines (attempt {status.Attempts})");
            return 0;
        });
        return command;
    }

    /// <summary>Runs with a Spectre.Console progress bar (invoices of accounts due).</summary>
    internal static async Task<BillRunStatus> RunWithProgressAsync(BillRunner runner, DateOnly runDate, CancellationToken ct)
    {
        BillRunStatus? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"bill run {runDate:yyyy-MM-dd}", maxValue: 1);
                result = await runner.RunAsync(runDate, new SyncProgress<BillRunStatus>(s =>
                {
                    task.MaxValue = Math.Max(1, s.AccountsDue);
                    task.Value = s.AccountsBilled;
                }), ct).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result!;
    }
}
