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
        return new CorrelationLogScope(LogContext.PushProperty(PropertyName, envelope.CorrelationId));
    }

    public static void Finally(CorrelationLogScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope.Dispose();
    }
}

/// <summary>The pushed <c>CorrelationId</c> property; disposing pops it (once).</summary>
public sealed class CorrelationLogScope(IDisposable pushed) : IDisposable
{
    private IDisposable? _pushed = pushed;

    public void Dispose() => Interlocked.Exchange(ref _pushed, null)?.Dispose();
}
