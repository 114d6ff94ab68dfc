using Polly;

namespace CableHub.Connectors.Common.Resilience;

/// <summary>Runs every request of an HttpClient through a Polly pipeline (timeouts, retries, circuit breaker).</summary>
public sealed class ResilienceHttpHandler(ResiliencePipeline<HttpResponseMessage> pipeline) : DelegatingHandler
{
    /// <summary>The request being sent, for the pipeline's predicates.</summary>
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("cablehub.request");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestKey, request);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Self.SendInnerAsync(state.Request, ctx.CancellationToken).ConfigureAwait(false),
                context,
                (Self: this, Request: request)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken ct) => base.SendAsync(request, ct);
}
