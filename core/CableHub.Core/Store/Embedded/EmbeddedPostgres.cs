using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Core.Store.Embedded;

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
/// A local PostgreSQL cluster with <c>wal_level=logical</c>: created on first use, reused afterwards. Dev and test
/// only; in production the hub is given a connection string instead.
/// <para>
/// Where it lives. As an ordinary user the cluster is in <see cref="EmbeddedPostgresOptions.RootDirectory"/>
/// (<c>data/</c>, <c>postgres.log</c>, <c>superuser.password</c>). As root, <c>initdb</c> and the server refuse to run as
/// root and run as the <c>postgres</c> system user, which must be able to reach the data directory. When it can (every
/// folder above the root directory is traversable, e.g. a clone under /work or /tmp), the cluster stays in the root
/// directory, owned by postgres. When it cannot (a clone in /root or in a <c>mktemp -d</c> folder, mode 700), the cluster
/// goes to postgres's home, <c>/var/lib/postgresql/cablehub/&lt;hash of the root directory's path&gt;</c> — where Debian
/// keeps its own clusters, persistent (unlike /tmp or /run) and reachable by postgres by construction — and the root
/// directory keeps a <c>cluster</c> symlink to it and the superuser password (readable by the hub's user only). The
/// permissions of the user's folders are never changed.
/// </para>
/// <para>
/// Who stops it. The instance that starts the server, or adopts one left running by a process that died (kill -9),
/// holds <c>owner.lock</c> in the root directory (an advisory lock the kernel releases when its holder dies) and stops
/// the server on dispose. An instance that finds the server running while another live process holds the lock uses it
/// and leaves it running (e.g. a CLI verb next to a running hub).
/// </para>
/// </summary>
public sealed class EmbeddedPostgres : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private const string SystemUser = "postgres";
    private const string ClusterLinkName = "cluster";
    private const string OwnerLockName = "owner.lock";
    private static readonly TimeSpan OwnerWait = TimeSpan.FromSeconds(90);
    private readonly EmbeddedPostgresOptions _options;
    private readonly ILogger _logger;
    private readonly string _bin;
    private FileStream? _ownerLock;
    private bool _owned;

    private EmbeddedPostgres(EmbeddedPostgresOptions options, string bin, string clusterDirectory, ILogger logger)
    {
        _options = options;
        _bin = bin;
        ClusterDirectory = clusterDirectory;
        _logger = logger;
    }

    /// <summary>Folder holding <c>data/</c> and <c>postgres.log</c>: the root directory, or the postgres-owned folder the cluster was placed in (see the class remarks).</summary>
    public string ClusterDirectory { get; }

    public string DataDirectory => Path.Combine(ClusterDirectory, "data");

    public int Port { get; private set; }

    /// <summary>Connection string to the hub database as the superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Whether this instance stops the server on dispose: it started it, or adopted it from a process that died.</summary>
    public bool OwnsServer => _owned;

    public static async Task<EmbeddedPostgres> StartAsync(EmbeddedPostgresOptions options, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var bin = options.BinDirectory ?? FindBinDirectory()
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin. " +
                "Run ./cablehub up (it installs Debian's postgresql package) or configure an external PostgreSQL connection string.");
        options = options with { RootDirectory = Path.GetFullPath(options.RootDirectory) };
        Directory.CreateDirectory(options.RootDirectory);
        var cluster = await PlaceClusterAsync(options.RootDirectory, logger, ct).ConfigureAwait(false);
        var pg = new EmbeddedPostgres(options, bin, cluster, logger);
        try
        {
            await pg.StartCoreAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await pg.DisposeAsync().ConfigureAwait(false);
            throw;
        }

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

    /// <summary>Where the cluster of <paramref name="rootDirectory"/> lives (its <c>cluster</c> link, else the root directory itself).</summary>
    public static string ClusterDirectoryOf(string rootDirectory)
    {
        var root = Path.GetFullPath(rootDirectory);
        var link = new DirectoryInfo(Path.Combine(root, ClusterLinkName));
        return link.LinkTarget is { } target ? Path.GetFullPath(target, root) : root;
    }

    /// <summary>Whether a server runs on the cluster of <paramref name="rootDirectory"/>.</summary>
    public static bool IsRunning(string rootDirectory) => RunningPort(Path.Combine(ClusterDirectoryOf(rootDirectory), "data")) is not null;

    private string PasswordFile => Path.Combine(_options.RootDirectory, "superuser.password");

    private string LogFile => Path.Combine(ClusterDirectory, "postgres.log");

    private string OwnerLockFile => Path.Combine(_options.RootDirectory, OwnerLockName);

    private async Task StartCoreAsync(CancellationToken ct)
    {
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            _ownerLock ??= TryLockOwner();
            var initialized = File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
            if (!initialized && _ownerLock is not null)
            {
                await InitAsync(ct).ConfigureAwait(false);
                initialized = true;
            }

            if (initialized && RunningPort(DataDirectory) is { } port)
            {
                Port = port;
                _owned = _ownerLock is not null;
                if (_owned)
                {
                    _logger.LogWarning("Embedded PostgreSQL left running on 127.0.0.1:{Port} (data {DataDirectory}) by a process that ended; adopting it (stopped when this process stops)", port, DataDirectory);
                }
                else
                {
                    _logger.LogInformation("Embedded PostgreSQL already running on 127.0.0.1:{Port} (data {DataDirectory}) for another live process; using it (that process stops it)", port, DataDirectory);
                }

                break;
            }

            if (_ownerLock is not null)
            {
                Port = _options.Port;
                var settings = $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync={(_options.Durable ? "on" : "off")}";
                if (!_options.Durable)
                {
                    settings += " -c synchronous_commit=off -c full_page_writes=off";
                }

                await RunAsync(Path.Combine(_bin, "pg_ctl"), ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", LogFile, "-o", settings], ct).ConfigureAwait(false);
                _owned = true;
                _logger.LogWarning("Embedded PostgreSQL (dev/test only) started on 127.0.0.1:{Port}, data {DataDirectory}", Port, DataDirectory);
                break;
            }

            if (waiting.Elapsed > OwnerWait)
            {
                throw new InvalidOperationException(
                    $"another process holds {OwnerLockFile} but the PostgreSQL server of {DataDirectory} has not come up within {OwnerWait.TotalSeconds:0} s; is a hub starting or stopping it?");
            }

            await Task.Delay(200, ct).ConfigureAwait(false); // the other process is starting (or stopping) the server
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

    /// <summary>The owner lock (an flock the kernel drops when this process dies), or null when another live process holds it.</summary>
    private FileStream? TryLockOwner()
    {
        try
        {
            var stream = new FileStream(OwnerLockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            return stream;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void ReleaseOwner()
    {
        _owned = false;
        _ownerLock?.Dispose();
        _ownerLock = null;
    }

    /// <summary>
    /// Decides where the cluster of <paramref name="root"/> lives (see the class remarks): the root directory, unless
    /// this process is root and the postgres user cannot reach it; then a postgres-owned folder linked from it.
    /// </summary>
    private static async Task<string> PlaceClusterAsync(string root, ILogger logger, CancellationToken ct)
    {
        var linked = ClusterDirectoryOf(root);
        if (linked != root && !Directory.Exists(linked))
        {
            File.Delete(Path.Combine(root, ClusterLinkName)); // the folder it pointed to was removed: place the cluster anew
            linked = root;
        }

        if (!Environment.IsPrivilegedProcess || linked != root || File.Exists(Path.Combine(root, "data", "PG_VERSION")))
        {
            return linked;
        }

        var parent = Path.GetDirectoryName(root) ?? "/";
        if (await RunAsync("test", ["-x", parent], ct, throwOnError: false).ConfigureAwait(false) == 0)
        {
            return root; // postgres can reach the root directory: the cluster stays in it
        }

        var home = PostgresHome();
        var cluster = Path.Combine(home, "cablehub", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..16]);
        if (Directory.Exists(cluster) && !File.Exists(Path.Combine(root, "superuser.password")))
        {
            // Its root directory was deleted (and with it the password): nothing can use this cluster any more.
            logger.LogWarning("Removing the PostgreSQL cluster {Cluster} of a deleted data directory {Root}", cluster, root);
            await StopAsync(FindBinDirectory(), Path.Combine(cluster, "data"), "immediate", ct).ConfigureAwait(false);
            Directory.Delete(cluster, recursive: true);
        }

        foreach (var dir in new[] { Path.Combine(home, "cablehub"), cluster })
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await RunAsync("chown", [$"{SystemUser}:{SystemUser}", dir], ct).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(Path.Combine(cluster, "ORIGIN"), $"PostgreSQL cluster of the CableHub data directory {root} (linked from there as '{ClusterLinkName}')\n", ct).ConfigureAwait(false);
        File.CreateSymbolicLink(Path.Combine(root, ClusterLinkName), cluster);
        logger.LogInformation("The postgres user cannot reach {Root}; its PostgreSQL cluster lives in {Cluster} (linked as {Link})", root, cluster, Path.Combine(root, ClusterLinkName));
        return cluster;
    }

    /// <summary>The postgres system user's home (Debian: /var/lib/postgresql).</summary>
    private static string PostgresHome()
    {
        const string fallback = "/var/lib/postgresql";
        if (!File.Exists("/etc/passwd"))
        {
            return fallback;
        }

        var entry = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length >= 7 && f[0] == SystemUser);
        return entry is not null && Path.IsPathRooted(entry[5]) && entry[5] != "/" ? entry[5] : fallback;
    }

    private async Task InitAsync(CancellationToken ct)
    {
        _logger.LogInformation("Creating PostgreSQL cluster in {DataDirectory}", DataDirectory);
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true); // what an interrupted initdb left (no PG_VERSION)
        }

        File.SetUnixFileMode(ClusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Environment.IsPrivilegedProcess)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres system user.
            await RunAsync("chown", [$"{SystemUser}:{SystemUser}", ClusterDirectory], ct).ConfigureAwait(false);
        }

        // initdb reads the password from a file it can open: a transient one inside the cluster folder.
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var pwfile = Path.Combine(ClusterDirectory, ".initdb-password");
        await WritePrivateAsync(pwfile, password, ct).ConfigureAwait(false);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", [$"{SystemUser}:{SystemUser}", pwfile], ct).ConfigureAwait(false);
            }

            await RunAsync(Path.Combine(_bin, "initdb"),
                ["-D", DataDirectory, "-U", Superuser, "--pwfile", pwfile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(pwfile);
        }

        await WritePrivateAsync(PasswordFile, password, ct).ConfigureAwait(false);
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

    /// <summary>Writes a file only its owner (this process's user) can read.</summary>
    private static async Task WritePrivateAsync(string path, string text, CancellationToken ct)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        await using var stream = new FileStream(path, options);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct).ConfigureAwait(false);
    }

    private static int? RunningPort(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
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

    /// <summary>Stops the server if this instance owns it (started or adopted it); a guest leaves it running.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!_owned)
        {
            ReleaseOwner();
            return;
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            await StopAsync(_bin, DataDirectory, "fast", ct).ConfigureAwait(false);
            _logger.LogInformation("Embedded PostgreSQL stopped");
        }
        finally
        {
            ReleaseOwner();
        }
    }

    /// <summary>Stops a server left running on <paramref name="rootDirectory"/> (e.g. by a killed hub).</summary>
    public static Task StopLeftoverAsync(string rootDirectory, CancellationToken ct = default) =>
        StopAsync(FindBinDirectory(), Path.Combine(ClusterDirectoryOf(rootDirectory), "data"), "immediate", ct);

    /// <summary>Stops the server of <paramref name="rootDirectory"/> if one runs and deletes the cluster, also when it lives outside the root directory, and the root directory.</summary>
    public static async Task DeleteClusterAsync(string rootDirectory, CancellationToken ct = default)
    {
        var cluster = ClusterDirectoryOf(rootDirectory);
        await StopAsync(FindBinDirectory(), Path.Combine(cluster, "data"), "immediate", ct).ConfigureAwait(false);
        if (Directory.Exists(cluster))
        {
            Directory.Delete(cluster, recursive: true);
        }

        if (Directory.Exists(rootDirectory))
        {
            Directory.Delete(rootDirectory, recursive: true);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static async Task StopAsync(string? bin, string dataDirectory, string mode, CancellationToken ct)
    {
        if (bin is null || RunningPort(dataDirectory) is null)
        {
            return;
        }

        await RunAsync(Path.Combine(bin, "pg_ctl"), ["stop", "-D", dataDirectory, "-m", mode, "-w", "-t", "60"], ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a PostgreSQL tool (as the postgres user when this process is root; <c>chown</c> stays root) from <c>/</c>,
    /// a working directory every user can enter (initdb and pg_ctl fail on one they cannot).
    /// </summary>
    private static async Task<int> RunAsync(string file, IReadOnlyList<string> args, CancellationToken ct, bool throwOnError = true)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        var runAsPostgres = Environment.IsPrivilegedProcess && file != "chown";
        psi.FileName = runAsPostgres ? "runuser" : file;
        if (runAsPostgres)
        {
            foreach (var a in new[] { "-u", SystemUser, "--", file })
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
        if (process.ExitCode != 0 && throwOnError)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', args)} exited with {process.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim()} {(await stdout.ConfigureAwait(false)).Trim()}");
        }

        return process.ExitCode;
    }
}
