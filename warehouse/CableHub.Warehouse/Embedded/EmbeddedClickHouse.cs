using System.Net;
using CableHub.Warehouse.Embedded.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// A ClickHouse engine (chDB, ClickHouse 26.7 as a library) on a persistent data path, served through
/// ClickHouse's HTTP interface on 127.0.0.1, so ClickHouse.Driver and curl talk to it exactly as to a
/// ClickHouse server. DEV/TEST ONLY: production points the ClickHouse connection string at a real server.
/// </summary>
public sealed class EmbeddedClickHouse : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly ClickHouseHttpEndpoint _endpoint;
    private readonly ILogger _logger;
    private bool _disposed;

    private EmbeddedClickHouse(ChdbEngine engine, WebApplication web, ClickHouseHttpEndpoint endpoint, int port, ILogger logger)
    {
        Engine = engine;
        _web = web;
        _endpoint = endpoint;
        Port = port;
        _logger = logger;
        HttpAddress = new Uri($"http://127.0.0.1:{port}/");
        ConnectionString = $"Host=127.0.0.1;Port={port};Protocol=http;Username=default;Password=;Database=default";
    }

    /// <summary>The engine itself, for in-process use (the HTTP interface is the way for everything else).</summary>
    public ChdbEngine Engine { get; }

    public string DataPath => Engine.DataPath;

    public int Port { get; }

    /// <summary>The HTTP interface, e.g. <c>http://127.0.0.1:8123/</c>.</summary>
    public Uri HttpAddress { get; }

    /// <summary>A ClickHouse.Driver connection string to this engine (database <c>default</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>Loads chDB, opens the data path and starts serving ClickHouse's HTTP interface.</summary>
    /// <exception cref="FileNotFoundException">libchdb.so is missing (run <c>warehouse/engine/fetch-chdb.sh</c>).</exception>
    /// <exception cref="InvalidOperationException">The path is in use, or another engine is open in this process.</exception>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<EmbeddedClickHouse> StartAsync(EmbeddedClickHouseOptions options, ILogger logger, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var engine = await Task.Factory.StartNew(
            () =>
            {
                ChdbLibrary.Load(options.LibraryPath);
                return ChdbEngine.Open(options.DataPath);
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);

        ClickHouseHttpEndpoint? endpoint = null;
        WebApplication? web = null;
        try
        {
            string timezone;
            using (var connection = engine.OpenConnection())
            {
                timezone = connection.QueryText("SELECT timezone()").Trim();
            }

            endpoint = new ClickHouseHttpEndpoint(engine, logger, timezone);
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(EmbeddedClickHouse).Assembly.GetName().Name });
            builder.Logging.AddProvider(new ForwardingLoggerProvider(logger)).SetMinimumLevel(LogLevel.Warning);
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
            builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
            // A flush returns only when the transport has sent every byte (see MaxResponseBufferSize below).
            builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 1);
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.Protocols = HttpProtocols.Http1);
                kestrel.AddServerHeader = false;
                // Requests run on threads of their own and use blocking reads/writes around the blocking engine.
                kestrel.AllowSynchronousIO = true;
                kestrel.Limits.MaxRequestBodySize = null;
                kestrel.Limits.MaxRequestLineSize = 1024 * 1024;
                kestrel.Limits.MaxRequestBufferSize = 4 * 1024 * 1024;
                // Writes return once Kestrel handed the bytes to the socket: a flushed mid-stream exception
                // block is then on its way before the connection is cut (an abort drops queued bytes).
                kestrel.Limits.MaxResponseBufferSize = 0;
            });
            web = builder.Build();
            var handler = endpoint;
            web.Run(handler.HandleAsync);
            try
            {
                await web.StartAsync(ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"The embedded ClickHouse cannot listen on 127.0.0.1:{options.Port}: {e.Message} (is a ClickHouse server or another hub running?)", e);
            }

            var port = options.Port;
            if (port == 0)
            {
                var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                port = new Uri(address).Port;
            }

            var server = new EmbeddedClickHouse(engine, web, endpoint, port, logger);
            logger.LogWarning(
                "EMBEDDED ClickHouse engine for dev/test (chDB {Version}, not a ClickHouse server): HTTP interface on {Address}, data in {DataPath}. Production must point ClickHouse:ConnectionString at a real ClickHouse",
                engine.Version,
                server.HttpAddress,
                engine.DataPath);
            return server;
        }
        catch
        {
            if (web is not null)
            {
                await web.DisposeAsync().ConfigureAwait(false);
            }

            endpoint?.Dispose();
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Stops serving, waits for running requests, closes the engine (the data stays).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var drained = await _endpoint.DrainAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await _web.StopAsync().ConfigureAwait(false);
        await _web.DisposeAsync().ConfigureAwait(false);
        if (!drained)
        {
            // Closing the engine under a running native call would crash the process: leave it open.
            _logger.LogError("Embedded ClickHouse: requests still running after 30 s; the engine on {DataPath} stays open until the process exits", DataPath);
            return;
        }

        _endpoint.Dispose();
        Engine.Dispose();
        _logger.LogInformation("Embedded ClickHouse on {DataPath} stopped", DataPath);
    }
}
