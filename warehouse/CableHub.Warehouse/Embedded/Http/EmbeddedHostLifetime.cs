using Microsoft.Extensions.Hosting;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>
/// The embedded web server lives inside someone else's process: it must not take over Ctrl-C/SIGTERM
/// (the default console lifetime would swallow them and stop only this server). The host disposes it.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
