using System.Diagnostics;
using CableHub.Core.Store.Embedded;
using CableHub.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CableHub.Core.Tests;

public sealed class EmbeddedPostgresTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Fact]
    public async Task Cluster_is_created_with_logical_wal_and_reused_after_restart()
    {
        using var dir = new TempDirectory();
        var options = new EmbeddedPostgresOptions(dir.Path, Network.FreePort(), Durable: false);
        await using (var pg = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            (await ScalarAsync(pg.ConnectionString, "SHOW wal_level")).ShouldBe("logical");
            await ScalarAsync(pg.ConnectionString, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (42)");
        }

        EmbeddedPostgres.IsRunning(dir.Path).ShouldBeFalse("the instance that started the server stops it");
        await using (var again = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            (await ScalarAsync(again.ConnectionString, "SELECT x FROM kept")).ShouldBe(42);
        }
    }

    /// <summary>
    /// A clone in /root or a <c>mktemp -d</c> folder (mode 700): as root the postgres user cannot enter it, so the
    /// cluster is placed in a postgres-owned folder linked from the data directory; the private folder stays private.
    /// </summary>
    [Fact]
    public async Task A_data_directory_under_a_mode_700_folder_works_without_loosening_it()
    {
        using var dir = new TempDirectory();
        var home = dir.Sub("home");
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, Private);
        var root = Path.Combine(home, "clone", ".data", "postgres");
        var options = new EmbeddedPostgresOptions(root, Network.FreePort(), Durable: false);
        string cluster;
        try
        {
            await using (var pg = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
            {
                cluster = pg.ClusterDirectory;
                (await ScalarAsync(pg.ConnectionString, "SHOW wal_level")).ShouldBe("logical");
                await ScalarAsync(pg.ConnectionString, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (7)");
                if (Environment.IsPrivilegedProcess)
                {
                    cluster.ShouldNotStartWith(home, Case.Sensitive, "the postgres user cannot reach the private folder");
                    EmbeddedPostgres.ClusterDirectoryOf(root).ShouldBe(cluster);
                    (await Stat("%U %a", cluster)).ShouldBe("postgres 700");
                }
                else
                {
                    cluster.ShouldBe(root);
                }
            }

            File.GetUnixFileMode(home).ShouldBe(Private);
            File.GetUnixFileMode(Path.Combine(root, "superuser.password")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            EmbeddedPostgres.IsRunning(root).ShouldBeFalse();

            await using (var again = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
            {
                again.ClusterDirectory.ShouldBe(cluster);
                (await ScalarAsync(again.ConnectionString, "SELECT x FROM kept")).ShouldBe(7);
            }
        }
        finally
        {
            await EmbeddedPostgres.DeleteClusterAsync(root, CancellationToken.None);
        }

        Directory.Exists(cluster).ShouldBeFalse();
        Directory.Exists(root).ShouldBeFalse();
    }

    /// <summary>What a hub killed with SIGKILL leaves: a server started by pg_ctl whose owner is gone. The next instance adopts and stops it.</summary>
    [Fact]
    public async Task A_server_left_running_by_a_killed_process_is_adopted_and_stopped_on_dispose()
    {
        using var dir = new TempDirectory();
        var port = Network.FreePort();
        var options = new EmbeddedPostgresOptions(dir.Path, port, Durable: false);
        string data;
        await using (var first = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken))
        {
            data = first.DataDirectory;
        }

        await PgCtlStartAsync(data, port);
        EmbeddedPostgres.IsRunning(dir.Path).ShouldBeTrue();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

        var adopter = await EmbeddedPostgres.StartAsync(options with { Port = Network.FreePort() }, NullLogger.Instance, TestContext.Current.CancellationToken);
        try
        {
            adopter.Port.ShouldBe(port, "the running server is reused, not a second one started");
            adopter.OwnsServer.ShouldBeTrue();
            (await ScalarAsync(adopter.ConnectionString, "SELECT 1")).ShouldBe(1);
        }
        finally
        {
            await adopter.DisposeAsync();
        }

        EmbeddedPostgres.IsRunning(dir.Path).ShouldBeFalse("the adopting instance owns the server and stops it");
        (await ExitsAsync(postmaster)).ShouldBeTrue("the postmaster process ends");
    }

    /// <summary>A second user while the owner lives (a CLI verb next to a running hub) uses the server and leaves it running.</summary>
    [Fact]
    public async Task A_second_instance_next_to_a_live_owner_uses_the_server_and_leaves_it_running()
    {
        using var dir = new TempDirectory();
        var options = new EmbeddedPostgresOptions(dir.Path, Network.FreePort(), Durable: false);
        var owner = await EmbeddedPostgres.StartAsync(options, NullLogger.Instance, TestContext.Current.CancellationToken);
        try
        {
            owner.OwnsServer.ShouldBeTrue();
            await using (var guest = await EmbeddedPostgres.StartAsync(options with { Port = Network.FreePort() }, NullLogger.Instance, TestContext.Current.CancellationToken))
            {
                guest.Port.ShouldBe(owner.Port);
                guest.OwnsServer.ShouldBeFalse();
                (await ScalarAsync(guest.ConnectionString, "SELECT 1")).ShouldBe(1);
            }

            EmbeddedPostgres.IsRunning(dir.Path).ShouldBeTrue();
            (await ScalarAsync(owner.ConnectionString, "SELECT 2")).ShouldBe(2);
        }
        finally
        {
            await owner.DisposeAsync();
        }

        EmbeddedPostgres.IsRunning(dir.Path).ShouldBeFalse();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>pg_ctl stop returns when the pid file is gone; the process itself ends (and is reaped) a moment later.</summary>
    private static async Task<bool> ExitsAsync(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var status = $"/proc/{pid}/status";
            if (!File.Exists(status) || File.ReadLines(status).Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains("zombie", StringComparison.Ordinal)))
            {
                return true;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return false;
    }

    /// <summary>Starts the server the way pg_ctl does it, outside any <see cref="EmbeddedPostgres"/> instance.</summary>
    private static async Task PgCtlStartAsync(string data, int port)
    {
        var pgCtl = Path.Combine(EmbeddedPostgres.FindBinDirectory()!, "pg_ctl");
        string[] args = ["start", "-D", data, "-w", "-t", "60", "-l", Path.Combine(Path.GetDirectoryName(data)!, "postgres.log"),
            "-o", $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off"];
        await RunAsync(Environment.IsPrivilegedProcess ? "runuser" : pgCtl, Environment.IsPrivilegedProcess ? ["-u", "postgres", "--", pgCtl, .. args] : args);
    }

    private static async Task<string> Stat(string format, string path) => (await RunAsync("stat", ["-c", format, path])).Trim();

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/" };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        process.ExitCode.ShouldBe(0, $"{file} {string.Join(' ', args)}: {error}");
        return output;
    }
}
