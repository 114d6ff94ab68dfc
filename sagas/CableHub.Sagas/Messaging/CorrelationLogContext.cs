using Serilog.Context;
using Wolverine;

namespace CableHub.Sagas.Messaging;

/// <summary>
/// Wolverine middleware: while a handler runs, Serilog's <see cref="LogContext"/> carries the message's
/// correlation id as <c>CorrelationId</c> (the HTTP layer sets it from <c>X-Correlation-Id</c>; Wolverine copies
/// it onto every message a handler sends, scheduled timeouts included).
/// </summary>
public static class CorrelationLogContext
{
    public const string PropertyName = "CorrelationId";

    public static CorrelationLogScope Before(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        // Serilog's context for the logs, the core's for adapters that send the id to outside systems.
        return new CorrelationLogScope(LogContext.PushProperty(PropertyName, envelope.CorrelationId),
            CableHub.Core.Diagnostics.CorrelationContext.Begin(envelope.CorrelationId));
    }

    public static void Finally(CorrelationLogScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope.Dispose();
    }
}

/// <summary>The pushed <c>CorrelationId</c> property; disposing pops it (once).</summary>
public sealed class CorrelationLogScope(IDisposable pushed, IDisposable? ambient = null) : IDisposable
{
    private IDisposable? _pushed = pushed;
    private IDisposable? _ambient = ambient;

    public void Dispose()
    {
        Interlocked.Exchange(ref _ambient, null)?.Dispose();
        Interlocked.Exchange(ref _pushed, null)?.Dispose();
    }
}
