namespace CableHub.Core.Diagnostics;

/// <summary>
/// The correlation id of the work in progress (an HTTP request, a saga message), flowing with the async
/// call chain. Adapters read it to send <c>X-Correlation-Id</c> to outside systems and to tag their logs;
/// whoever starts a unit of work sets it with <see cref="Begin"/>.
/// </summary>
public static class CorrelationContext
{
    public const string HeaderName = "X-Correlation-Id";
    public const string LogPropertyName = "CorrelationId";

    private static readonly AsyncLocal<string?> CurrentId = new();

    /// <summary>The current correlation id, or null outside any unit of work.</summary>
    public static string? Current => CurrentId.Value;

    /// <summary>Makes <paramref name="correlationId"/> current until the returned scope is disposed.</summary>
    public static IDisposable Begin(string? correlationId)
    {
        var previous = CurrentId.Value;
        CurrentId.Value = correlationId;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                CurrentId.Value = previous;
            }
        }
    }
}
