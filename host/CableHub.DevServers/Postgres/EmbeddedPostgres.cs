using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.DevServers.Postgres;

/// <summary>Where and how a local PostgreSQL cluster runs.</summary>
/// <param name="RootDirectory">Folder holding the cluster (<c>data/</c>), its log and the superuser password.</param>
/// <param name="Port">TCP port on 127.0.0.1.</param>
/// <param name="Database">Database created for the hub.</param>
/// <param name="Durable">false turns off fsync (throwaway clusters in tests only).</param>
/// <param name="BinDirectory">PostgreSQL server binaries; null finds the newest /usr/lib/postgresql/N/bin.</param>
public sealed record EmbeddedPostgresOptions(
    string RootDirectory,
    int Port,
    string Database = "cablehub",
    bool Durable = true,
    string? BinDirectory = null);

/// <summary>
/// A local PostgreSQL cluster with <c>wal_level=logical</c>: created on first use, reused afterwards
/// (also when a previous hub process was killed and left the server running). Dev and test only; in
/// production the hub is given a connection string instead.
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _bin;
    private bool _startedHere;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string bin, ILogger logger)
    {
        _options = options;
        _bin = bin;
        _logger = logger;
    }

    public string DataDirectory => Path.Combine(_options.RootDirectory, "data");

    public int Port { get; private set; }

    /// <summary>Connection string to the hub database as the superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken ct = default)
    {
        var bin = options.BinDirectory ?? FindBinDirectory()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin. " +
                "Run ./cablehub up (it installs Debian's postgresql package) or configure an external PostgreSQL connection string.");
        var pg = new EmbeddedPostgres(options, bin, logger);
        await pg.StartCoreAsync(ct).ConfigureAwait(false);
        return pg;
    }

    /// <summary>The newest installed server version's bin folder, or null.</summary>
    public static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (dir: Path.Combine(d, "bin"), version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.dir, "initdb")) && File.Exists(Path.Combine(x.dir, "pg_ctl")))
            .OrderByDescending(x => x.version)
            .Select(x => x.dir)
            .FirstOrDefault();
    }

    private string PasswordFile => Path.Combine(_options.RootDirectory, "superuser.password");

    private string LogFile => Path.Combine(_options.RootDirectory, "postgres.log");

    private async Task StartCoreAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_options.RootDirectory);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitAsync(ct).ConfigureAwait(false);
        }

        var runningPort = RunningPort();
        if (runningPort is { } port)
        {
            Port = port;
            _logger.LogInformation("Embedded PostgreSQL already running on 127.0.0.1:{Port} (data {DataDirectory}); reusing it", port, DataDirectory);
        }
        else
        {
            Port = _options.Port;
            var settings = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync={(_options.Durable ? "on" : "off")}";
            if (!_options.Durable)
            {
                settings += " -c synchronous_commit=off -c full_page_writes=off";
            }

            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", LogFile, "-o", settings], ct).ConfigureAwait(false);
            _startedHere = true;
            _logger.LogWarning("Embedded PostgreSQL (dev/test only) started on 127.0.0.1:{Port}, data {DataDirectory}", Port, DataDirectory);
        }

        var password = (await File.ReadAllTextAsync(PasswordFile, ct).ConfigureAwait(false)).Trim();
        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = Superuser,
            Password = password,
            Database = "postgres",
            Pooling = false,
        };
        await EnsureDatabaseAsync(admin.ConnectionString, _options.Database, ct).ConfigureAwait(false);
        admin.Database = _options.Database;
        admin.Pooling = true;
        ConnectionString = admin.ConnectionString;
    }

    private async Task InitAsync(CancellationToken ct)
    {
        _logger.LogInformation("Creating PostgreSQL cluster in {DataDirectory}", DataDirectory);
        Directory.CreateDirectory(DataDirectory);
        await File.WriteAllTextAsync(PasswordFile, Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), ct).ConfigureAwait(false);
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(_options.RootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (Environment.IsPrivilegedProcess)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres system user.
            await RunAsync("chown", ["-R", "postgres:postgres", _options.RootDirectory], ct).ConfigureAwait(false);
        }

        await RunAsync(Path.Combine(_bin, "initdb"),
            ["-D", DataDirectory, "-U", Superuser, "--pwfile", PasswordFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], ct).ConfigureAwait(false);
        File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["root:root", PasswordFile], ct).ConfigureAwait(false);
        }

        var conf = string.Join('\n',
            "",
            "# --- CableHub embedded cluster ---",
            "wal_level = logical",
            "max_replication_slots = 16",
            "max_wal_senders = 16",
            "max_connections = 300",
            "shared_buffers = 256MB",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "");
        var confPath = Path.Combine(DataDirectory, "postgresql.conf");
        await File.AppendAllTextAsync(confPath, conf, ct).ConfigureAwait(false);
    }

    private int? RunningPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return null;
        }

        var lines = File.ReadAllLines(pidFile);
        if (lines.Length < 4 || !int.TryParse(lines[0], CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return null;
            }
        }
        catch (ArgumentException)
        {
            return null; // stale pid file: pg_ctl start removes it
        }

        return int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    private static async Task EnsureDatabaseAsync(string adminConnectionString, string database, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(adminConnectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", conn);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
        {
#pragma warning disable CA2100 // an identifier cannot be a parameter; it is quoted
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", conn);
#pragma warning restore CA2100
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server if this instance started it.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!_startedHere)
        {
            return;
        }

        _startedHere = false;
        NpgsqlConnection.ClearAllPools();
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], ct).ConfigureAwait(false);
        _logger.LogInformation("Embedded PostgreSQL stopped");
    }

    /// <summary>Stops a server left running on <paramref name="rootDirectory"/> (e.g. by a killed hub).</summary>
    public static async Task StopLeftoverAsync(string rootDirectory, CancellationToken ct = default)
    {
        var data = Path.Combine(rootDirectory, "data");
        var bin = FindBinDirectory();
        if (bin is null || !File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            return;
        }

        await RunAsync(Path.Combine(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w", "-t", "60"], ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var runAsPostgres = Environment.IsPrivilegedProcess && file != "chown";
        psi.FileName = runAsPostgres ? "runuser" : file;
        if (runAsPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()} {(await stdout.ConfigureAwait(false)).Trim()}");
        }
    }
}
