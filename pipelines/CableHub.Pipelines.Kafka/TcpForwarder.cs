using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace CableHub.Pipelines.Kafka;

/// <summary>
/// Accepts TCP connections on a fixed address and pipes each one, byte for byte, to a target port on loopback.
/// It does not look into the Kafka protocol: the broker behind it advertises the proxy's address itself.
/// </summary>
internal sealed partial class TcpForwarder : IAsyncDisposable
{
    private const int BufferSize = 128 * 1024;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<TcpClient> _clients = [];
    private readonly Task _acceptLoop;

    private TcpForwarder(TcpListener listener, IPEndPoint target, ILogger logger)
    {
        _listener = listener;
        _target = target;
        _logger = logger;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static TcpForwarder Start(IPAddress listenAddress, int port, IPEndPoint target, ILogger logger)
    {
        var listener = new TcpListener(listenAddress, port);
        try
        {
            listener.Start(backlog: 512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException(
                $"The embedded Kafka cannot listen on {listenAddress}:{port}: {e.Message}. Another process (a real Kafka, a second hub) may hold the port; configure another one.",
                e);
        }

        return new TcpForwarder(listener, target, logger);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.Message);
                continue;
            }

            _ = Task.Run(() => PipeAsync(client));
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        lock (_gate)
        {
            _clients.Add(client);
            _clients.Add(upstream);
        }

        try
        {
            client.NoDelay = true;
            upstream.NoDelay = true;
            await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var a = client.GetStream();
            var b = upstream.GetStream();
            var up = CopyAsync(a, b, connection.Token);
            var down = CopyAsync(b, a, connection.Token);
            await Task.WhenAny(up, down).ConfigureAwait(false);
            await connection.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // a closed connection on either side ends the pipe
        }
        finally
        {
            lock (_gate)
            {
                _clients.Remove(client);
                _clients.Remove(upstream);
            }

            client.Dispose();
        }
    }

    private static async Task CopyAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        TcpClient[] open;
        lock (_gate)
        {
            open = [.. _clients];
        }

        foreach (var c in open)
        {
            c.Dispose();
        }

        await _acceptLoop.ConfigureAwait(false);
        _listener.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded Kafka proxy: accepting a connection failed: {Reason}")]
    private partial void LogAcceptFailed(string reason);
}
