using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using CableHub.DevServers.Postgres;
using CableHub.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Npgsql;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// The real hub, started the way <c>./cablehub up</c> starts it (the built CableHub.Host.dll, verb <c>up</c>), in its
/// own temp data folder on free ports, with embedded PostgreSQL, Kafka and ClickHouse. Can be killed (SIGKILL) and
/// started again on the same data.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly int _pgPort = Network.FreePort();
    private readonly int _kafkaPort = Network.FreePort();
    private readonly int _clickHousePort = Network.FreePort();
    private readonly int _httpPort = Network.FreePort();
    private readonly StringBuilder _output = new();
    private Process? _process;

    private HubProcess(TempDirectory dir) => _dir = dir;

    public Uri Api => new($"http://127.0.0.1:{_httpPort}");

    public string KafkaBootstrapServers => $"127.0.0.1:{_kafkaPort}";

    /// <summary>The hub's data folder (embedded servers, the dev field-encryption key).</summary>
    public string DataDirectory => Path.Combine(_dir.Path, "data");

    public string ClickHouseConnectionString => $"Host=127.0.0.1;Port={_clickHousePort};Protocol=http;Username=default;Password=;Database=default";

    public string PostgresConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _pgPort,
        Username = "postgres",
        Password = File.ReadAllText(Path.Combine(_dir.Path, "data", "postgres", "superuser.password")).Trim(),
        Database = "cablehub",
        Pooling = false,
    }.ConnectionString;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Starts a hub on a fresh data folder and waits until every dependency is ok and the marts exist.</summary>
    public static async Task<HubProcess> StartAsync(params string[] extraArguments)
    {
        var hub = new HubProcess(new TempDirectory("cablehub-e2e"));
        try
        {
            await hub.LaunchAsync(extraArguments);
            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the hub again on the same data (after <see cref="Kill"/>).</summary>
    public Task RestartAsync(params string[] extraArguments) => LaunchAsync(extraArguments);

    /// <summary>SIGKILL: no shutdown code runs. The embedded PostgreSQL (a child server) keeps running, as after a real crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: false);
            p.WaitForExit(30_000);
        }
    }

    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private async Task LaunchAsync(string[] extraArguments)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            HostDll(), "up",
            $"--DataDirectory={Path.Combine(_dir.Path, "data")}",
            $"--Http:Urls=http://127.0.0.1:{_httpPort}",
            $"--Postgres:Embedded:Port={_pgPort}",
            "--Postgres:Embedded:Durable=false",
            $"--Kafka:Embedded:Port={_kafkaPort}",
            $"--ClickHouse:Embedded:Port={_clickHousePort}",
            "--Demo:Subscribers=200",
            "--Demo:Channels=40",
            "--Demo:Packages=6",
            $"--Demo:ClientSecret={ClientSecret}",
            "--Authentication:AccessTokenMinutes=240",
            $"--Authentication:CorsOrigins={CorsOrigin}",
            "--Authentication:MaxRequestBodyMegabytes=4",
        }.Concat(extraArguments))
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the hub");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(TimeSpan.FromMinutes(4));
        await AuthenticateAsync();
    }

    /// <summary>The one origin this hub's CORS policy admits.</summary>
    public const string CorsOrigin = "https://portal.operator.example";

    /// <summary>What a CLI verb needs to reach this hub's database (the running hub's embedded PostgreSQL is used, not started).</summary>
    public IReadOnlyList<string> VerbArguments =>
        [$"--DataDirectory={Path.Combine(_dir.Path, "data")}", $"--Postgres:Embedded:Port={_pgPort}", "--Postgres:Embedded:Durable=false"];

    /// <summary>Runs an operator verb (the built host, as <c>./cablehub</c> runs it) against this running hub; asserts it exits 0 and returns its standard output.</summary>
    public async Task<string> VerbAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { HostDll() }.Concat(arguments).Concat(VerbArguments))
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.ShouldBe(0, $"{string.Join(' ', arguments)}: {await errors}");
        return await output;
    }

    /// <summary>The demo back-office client's secret (<c>up</c> creates <c>demo-backoffice</c> with every scope on an empty database).</summary>
    public const string ClientSecret = "e2e-demo-backoffice-secret";

    /// <summary>Every request of <see cref="Http"/> carries a real access token of the demo back-office client (client credentials).</summary>
    private async Task AuthenticateAsync()
    {
        Http.DefaultRequestHeaders.Authorization = null;
        using var response = await Http.PostAsync(new Uri(Api, "/connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-backoffice",
            ["client_secret"] = ClientSecret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the hub refused the demo client's token request: {(int)response.StatusCode} {body}");
        }

        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"the hub exited with {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(Api, "/health"));
                var health = await response.Content.ReadFromJsonAsync<JsonElement>();
                last = health.ToString();
                var ready = health.GetProperty("status").GetString() == "ok"
                    && health.GetProperty("dependencies").GetProperty("ingest").GetProperty("martsInstalled").GetBoolean()
                    && health.GetProperty("dependencies").GetProperty("ingest").GetProperty("lag").GetInt64() == 0;
                if (ready)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"the hub was not ready within {timeout}; last health: {last}\n{Tail()}");
    }

    public string Tail(int lines = 60) => string.Join('\n', Log.Split('\n').TakeLast(lines));

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(PostgresConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        var result = await cmd.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task<object?> WarehouseScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        using var client = new ClickHouseClient(ClickHouseConnectionString);
        var bound = new ClickHouseParameterCollection();
        foreach (var (name, value) in parameters)
        {
            bound.AddParameter(name, value);
        }

        using var reader = await client.ExecuteReaderAsync(sql, bound);
        return reader.Read() ? reader.GetValue(0) : null;
    }

    internal static string HostDll()
    {
        var configuration = typeof(HubProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CableHub.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("CableHub.sln not found above " + AppContext.BaseDirectory);
        }

        var dll = Path.Combine(dir.FullName, "host", "CableHub.Host", "bin", configuration, "net10.0", "CableHub.Host.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the host first", dll);
    }

    /// <summary>The embedded PostgreSQL's root folder (its cluster may be linked from there).</summary>
    public string PostgresRootDirectory => Path.Combine(_dir.Path, "data", "postgres");

    /// <summary>SIGTERM, as Ctrl-C or a service manager stops the hub; true when it exited within 90 s (a loaded CI machine).</summary>
    public async Task<bool> StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return true;
        }

        using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }

        return p.WaitForExit(90_000);
    }

    public async ValueTask DisposeAsync()
    {
        // A graceful stop first (SIGTERM lets the hub stop its PostgreSQL), then the hard way.
        if (!await StopAsync())
        {
            _process!.Kill(entireProcessTree: true);
        }

        _process?.Dispose();
        await EmbeddedPostgres.DeleteClusterAsync(PostgresRootDirectory);
        Http.Dispose();
        _dir.Dispose();
    }
}
