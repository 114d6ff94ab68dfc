using Polly;

namespace CableHub.Connectors.Common.Resilience;

/// <summary>Runs every request of an HttpClient through a Polly pipeline (timeouts, retries, circuit breaker).</summary>
public sealed class ResilienceHttpHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        await pipeline.ExecuteAsync(
            static async (state, ct) => await state.Self.SendInnerAsync(state.Request, ct).ConfigureAwait(false),
            (Self: this, Request: request),
            cancellationToken).ConfigureAwait(false);

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
