using CableHub.Core.Ports;

namespace CableHub.Sagas.Onboarding;

/// <summary>Bounds a CAS call in time: no answer within the limit counts as the CAS being unavailable (retried).</summary>
internal static class CasCalls
{
    public static async Task<CasCommandResult> WithTimeoutAsync(Func<CancellationToken, Task<CasCommandResult>> call, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return await call(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CasUnavailableException($"the CAS did not answer {what} within {timeout}", e);
        }
    }
}
