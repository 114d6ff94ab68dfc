using Spectre.Console;

namespace CableHub.Host.Cli.Bench;

/// <summary>
/// The throwaway folder of a bench run (embedded servers' data). Removing it never hides the run's own outcome: a
/// failure to stop the leftover PostgreSQL or to delete the folder is printed (with the folder's path, so it can be
/// removed by hand) and turns a successful run's exit code into 3, instead of replacing the run's exception.
/// </summary>
internal static class BenchScratch
{
    /// <summary>Stops what may still run in <paramref name="root"/> and deletes it; returns false (after saying why) when that failed.</summary>
    public static async Task<bool> RemoveAsync(string root)
    {
        var ok = true;
        try
        {
            await DevServers.Postgres.EmbeddedPostgres.StopLeftoverAsync(Path.Combine(root, "postgres"), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]cleanup: stopping the bench's PostgreSQL in {root} failed: {e.GetType().Name}: {e.Message}[/]");
            ok = false;
        }

        try
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]cleanup: deleting {root} failed ({e.Message}); remove it by hand[/]");
            ok = false;
        }

        return ok;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (other work shares the cores a bench measures); "?" where there are none.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>The exit code after cleanup: the run's own code, or 3 when the run succeeded and the cleanup did not.</summary>
    public static int ExitCode(int run, bool cleaned) => run == 0 && !cleaned ? 3 : run;
}
