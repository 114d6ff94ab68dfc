using CableHub.Connectors.Common.Resilience;
using CableHub.Core.Diagnostics;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CableHub.Connectors.Cas;

/// <summary>
/// Timeouts, retries and circuit breaking (the same recipe as the HTTP adapter's) around a CAS that is not
/// reached over HTTP — the in-process simulator — so both modes behave alike for the sagas and both show
/// their circuit in <c>/health</c>. Retries reuse the command's idempotency key.
/// </summary>
public sealed class ResilientConditionalAccessSystem : IConditionalAccessSystem
{
    private readonly IConditionalAccessSystem _inner;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConnectorHealthTracker _health;
    private readonly ILogger _logger;

    public ResilientConditionalAccessSystem(IConditionalAccessSystem inner, ConnectorResilienceOptions options, ConnectorHealthTracker health, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(logger);
        _inner = inner;
        _health = health;
        _logger = logger;
        _pipeline = ConnectorResilience.BuildPipeline(options, health, logger, e => e is CasUnavailableException);
    }

    public Task<CasCommandResult> ActivateDeviceAsync(CasActivation activation, CancellationToken ct) =>
        RunAsync(activation?.IdempotencyKey, t => _inner.ActivateDeviceAsync(activation!, t), ct);

    public Task<IReadOnlyList<CasCommandResult>> ActivateDevicesAsync(IReadOnlyList<CasActivation> activations, CancellationToken ct) =>
        RunAsync(null, t => _inner.ActivateDevicesAsync(activations, t), ct);

    public Task<CasCommandResult> DeactivateDeviceAsync(string idempotencyKey, string casDeviceId, CancellationToken ct) =>
        RunAsync(idempotencyKey, t => _inner.DeactivateDeviceAsync(idempotencyKey, casDeviceId, t), ct);

    public Task<CasCommandResult> UpdateEntitlementsAsync(string idempotencyKey, string casDeviceId, IReadOnlyList<string> productIds, CancellationToken ct) =>
        RunAsync(idempotencyKey, t => _inner.UpdateEntitlementsAsync(idempotencyKey, casDeviceId, productIds, t), ct);

    public Task<CasCommandResult> AddProductsAsync(CasProductGrant grant, CancellationToken ct) =>
        RunAsync(grant?.IdempotencyKey, t => _inner.AddProductsAsync(grant!, t), ct);

    public Task<CasCommandResult> RemoveProductsAsync(CasProductRevocation revocation, CancellationToken ct) =>
        RunAsync(revocation?.IdempotencyKey, t => _inner.RemoveProductsAsync(revocation!, t), ct);

    public Task<CasCommandResult> PairAsync(CasPairing pairing, CancellationToken ct) =>
        RunAsync(pairing?.IdempotencyKey, t => _inner.PairAsync(pairing!, t), ct);

    public Task<CasCommandResult> UnpairAsync(CasPairing pairing, CancellationToken ct) =>
        RunAsync(pairing?.IdempotencyKey, t => _inner.UnpairAsync(pairing!, t), ct);

    public Task<CasCommandResult> SendOnScreenMessageAsync(CasOnScreenMessage message, CancellationToken ct) =>
        RunAsync(message?.IdempotencyKey, t => _inner.SendOnScreenMessageAsync(message!, t), ct);

    public Task<CasCommandResult> ForceTuneAsync(CasForcedTune tune, CancellationToken ct) =>
        RunAsync(tune?.IdempotencyKey, t => _inner.ForceTuneAsync(tune!, t), ct);

    public Task<CasDeviceSnapshot?> GetDeviceAsync(string casDeviceId, CancellationToken ct) =>
        RunAsync(null, t => _inner.GetDeviceAsync(casDeviceId, t), ct);

    public Task<CasDevicePage> ListDevicesAsync(CasDeviceListRequest request, CancellationToken ct) =>
        RunAsync(null, t => _inner.ListDevicesAsync(request, t), ct);

    private async Task<T> RunAsync<T>(string? idempotencyKey, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        using var scope = _logger.BeginScope(new Dictionary<string, object?>
        {
            [CorrelationContext.LogPropertyName] = CorrelationContext.Current,
            ["Connector"] = _health.Name,
            ["IdempotencyKey"] = idempotencyKey,
        });
        _health.CallStarted();
        try
        {
            return await _pipeline.ExecuteAsync(static async (state, c) => await state(c).ConfigureAwait(false), call, ct).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            _health.CallFailed("circuit open");
            throw new CasUnavailableException("CAS circuit is open; failing fast", e);
        }
        catch (TimeoutRejectedException e)
        {
            _health.CallFailed("timeout");
            throw new CasUnavailableException("the CAS did not answer in time", e);
        }
        catch (CasUnavailableException e)
        {
            _health.CallFailed(e.Message);
            throw;
        }
    }
}
