using System.Diagnostics;
using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CableHub.Connectors.Common.Http;

/// <summary>
/// Outermost handler of an adapter's HttpClient (before the resilience handler): sends the current
/// correlation id as <c>X-Correlation-Id</c>, opens a log scope with it, counts the logical call and its
/// failure in the connector's health, and logs each call with its outcome and time.
/// </summary>
public sealed class ConnectorCallHandler(ConnectorHealthTracker health, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var correlationId = CorrelationContext.Current;
        if (correlationId is not null && !request.Headers.Contains(CorrelationContext.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(CorrelationContext.HeaderName, correlationId);
        }

        request.Headers.TryGetValues("Idempotency-Key", out var keys);
        var key = keys?.FirstOrDefault();
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            [CorrelationContext.LogPropertyName] = correlationId,
            ["Connector"] = health.Name,
            ["IdempotencyKey"] = key,
        });
        health.CallStarted();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if ((int)response.StatusCode >= 500 || (int)response.StatusCode is 408 or 429)
            {
                health.CallFailed($"HTTP {(int)response.StatusCode} from {request.Method} {request.RequestUri?.AbsolutePath}");
                logger.LogWarning("{Connector} {Method} {Path} → {Status} after retries ({Ms:0} ms, key {IdempotencyKey}, correlation {CorrelationId})",
                    health.Name, request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, ms, key, correlationId);
            }
            else
            {
                logger.LogDebug("{Connector} {Method} {Path} → {Status} ({Ms:0} ms, key {IdempotencyKey}, correlation {CorrelationId})",
                    health.Name, request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, ms, key, correlationId);
            }

            return response;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            health.CallFailed($"{e.GetType().Name}: {e.Message}");
            logger.LogWarning("{Connector} {Method} {Path} failed: {Error} (key {IdempotencyKey}, correlation {CorrelationId})",
                health.Name, request.Method, request.RequestUri?.AbsolutePath, e.Message, key, correlationId);
            throw;
        }
    }
}
