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

    /// <summary>
    /// CPU seconds used so far by one PostgreSQL server — the postmaster that is the parent of backend <paramref name="backendPid"/>
    /// and its children (user + system time of the live ones, plus what ended backends left in the postmaster's child counters);
    /// null where /proc cannot be read. Other databases of that cluster count too.
    /// </summary>
    public static double? PostgresCpuSeconds(int backendPid)
    {
        try
        {
            var backend = File.ReadAllText($"/proc/{backendPid.ToString(System.Globalization.CultureInfo.InvariantCulture)}/stat");
            var postmaster = backend[(backend.LastIndexOf(')') + 2)..].Split(' ')[1];
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out _))
                {
                    continue;
                }

                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(dir, "stat"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // the process ended
                }

                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != "postgres")
                {
                    continue;
                }

                // Fields after the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
                var fields = stat[(close + 2)..].Split(' ');
                if (Path.GetFileName(dir) != postmaster && fields[1] != postmaster)
                {
                    continue; // another cluster on this machine
                }

                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)
                    + long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
            }

            return ticks / 100.0; // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The exit code after cleanup: the run's own code, or 3 when the run succeeded and the cleanup did not.</summary>
    public static int ExitCode(int run, bool cleaned) => run == 0 && !cleaned ? 3 : run;
}
