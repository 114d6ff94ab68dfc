using Microsoft.Extensions.Logging;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>Sends the embedded web server's own log (Kestrel) to the logger the host gave us.</summary>
internal sealed class ForwardingLoggerProvider(ILogger target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target;

    public void Dispose()
    {
    }
}
