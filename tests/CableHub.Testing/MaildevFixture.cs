using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Xunit;

namespace CableHub.Testing;

/// <summary>
/// A real SMTP server for tests: MailDev (npm, pinned by <c>tests/tools/maildev/package-lock.json</c>, installed by
/// <c>tests/tools/fetch-maildev.sh</c>, which the launcher's test path runs and this fixture runs when needed) on
/// free loopback ports. Received mail is read back over MailDev's HTTP API.
/// </summary>
public sealed class MaildevFixture : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("cablehub-maildev");
    private Process? _process;
    private HttpClient? _http;

    public string SmtpHost => "127.0.0.1";

    public int SmtpPort { get; private set; }

    public Uri WebAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var entry = await LocateAsync();
        SmtpPort = Network.FreePort();
        var webPort = Network.FreePort();
        WebAddress = new Uri($"http://127.0.0.1:{webPort}/");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { entry, "--ip", "127.0.0.1", "--smtp", SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--web", webPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mail-directory", _dir.Path })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _http = new HttpClient { BaseAddress = WebAddress, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"maildev exited with {_process.ExitCode}");
            }

            try
            {
                if ((await _http.GetAsync(new Uri("api/healthz", UriKind.Relative))).IsSuccessStatusCode && await SmtpAcceptsAsync())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("maildev did not come up within 60 s");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Every mail received, oldest first.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> MailAsync()
    {
        var mails = await _http!.GetFromJsonAsync<List<ReceivedMail>>(new Uri("api/email", UriKind.Relative), Json);
        return mails ?? [];
    }

    /// <summary>Mail received for <paramref name="address"/> (envelope recipient).</summary>
    public async Task<IReadOnlyList<ReceivedMail>> MailToAsync(string address) =>
        (await MailAsync()).Where(m => m.Envelope.To.Any(t => string.Equals(t.Address, address, StringComparison.OrdinalIgnoreCase))).ToList();

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        _dir.Dispose();
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private async Task<bool> SmtpAcceptsAsync()
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(SmtpHost, SmtpPort);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task<string> LocateAsync()
    {
        if (Environment.GetEnvironmentVariable("CABLEHUB_MAILDEV") is { Length: > 0 } configured && File.Exists(configured))
        {
            return configured;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "tools", "fetch-maildev.sh")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("tests/tools/fetch-maildev.sh not found above " + AppContext.BaseDirectory);
        }

        var script = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        script.ArgumentList.Add(Path.Combine(dir.FullName, "tests", "tools", "fetch-maildev.sh"));
        using var process = Process.Start(script)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("fetch-maildev.sh failed: " + await errors);
        }

        return (await output).Trim();
    }
}

/// <summary>A mail as MailDev's API returns it (the parts the tests read).</summary>
public sealed record ReceivedMail(
    string Id,
    string Subject,
    string? Text,
    string? Html,
    IReadOnlyList<MailAddress> To,
    IReadOnlyList<MailAddress> From,
    Dictionary<string, JsonElement> Headers,
    MailEnvelope Envelope)
{
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString() : null;
}

public sealed record MailAddress(string Address, string? Name);

public sealed record MailEnvelope(MailEnvelopeAddress From, IReadOnlyList<MailEnvelopeAddress> To);

public sealed record MailEnvelopeAddress(string Address);
