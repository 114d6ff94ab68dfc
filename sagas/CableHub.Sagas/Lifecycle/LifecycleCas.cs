using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using CableHub.Sagas.Onboarding;
using Npgsql;

namespace CableHub.Sagas.Lifecycle;

/// <summary>Sends the CAS commands of a lifecycle change, each recorded with a lease before the call and its answer after it.</summary>
internal static class LifecycleCas
{
    /// <summary>
    /// Runs <paramref name="ops"/> in order, skipping those already answered; returns the first definitive refusal (null: all
    /// accepted). A command in flight elsewhere throws <see cref="LifecycleBusyException"/>; an unreachable CAS throws
    /// <see cref="LifecycleCasUnavailableException"/> (the step runs again later with the same keys).
    /// </summary>
    public static async Task<(LifecycleCasOp Op, string Reason)?> RunAsync(IReadOnlyList<LifecycleCasOp> ops, IConditionalAccessSystem cas, NpgsqlDataSource dataSource,
        DateTimeOffset validFrom, LifecycleOptions options, TimeProvider clock, bool stopOnRefusal, CancellationToken ct)
    {
        foreach (var op in ops)
        {
            if (op.Outcome is LifecycleCasOp.Accepted)
            {
                continue;
            }

            if (op.Outcome is LifecycleCasOp.Rejected)
            {
                if (stopOnRefusal && op.Op != LifecycleCasOp.Message)
                {
                    return (op, op.Reason ?? "refused by the CAS");
                }

                continue;
            }

            var now = clock.GetUtcNow();
            if (op.InFlight(now))
            {
                throw new LifecycleBusyException($"CAS command {op.IdempotencyKey} is still running");
            }

            await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
            {
                await LifecycleOpLog.StartAsync(op.IdempotencyKey, now, now + options.CasCallTimeout + TimeSpan.FromSeconds(5), new DbSession(conn, null), ct).ConfigureAwait(false);
            }

            CasCommandResult result;
            try
            {
                result = await CasCalls.WithTimeoutAsync(t => CallAsync(cas, op, validFrom, options, t), options.CasCallTimeout, $"to {op.Op} on {op.CasDeviceId}", ct).ConfigureAwait(false);
            }
            catch (CasUnavailableException e)
            {
                await FinishAsync(dataSource, op.IdempotencyKey, LifecycleCasOp.Unavailable, e.Message, clock).ConfigureAwait(false);
                throw new LifecycleCasUnavailableException($"CAS unavailable for {op.IdempotencyKey}: {e.Message}", e);
            }

            await FinishAsync(dataSource, op.IdempotencyKey, result.Accepted ? LifecycleCasOp.Accepted : LifecycleCasOp.Rejected, result.RejectionReason, clock).ConfigureAwait(false);
            if (!result.Accepted && stopOnRefusal && op.Op != LifecycleCasOp.Message)
            {
                return (op, result.RejectionReason ?? "refused by the CAS");
            }
        }

        return null;
    }

    private static Task<CasCommandResult> CallAsync(IConditionalAccessSystem cas, LifecycleCasOp op, DateTimeOffset validFrom, LifecycleOptions options, CancellationToken ct)
    {
        var box = CasTarget.Box(op.CasDeviceId);
        return op.Op switch
        {
            LifecycleCasOp.Add => cas.AddProductsAsync(new CasProductGrant(op.IdempotencyKey, box, op.Products.Select(p => new CasEntitlement(p, validFrom, null)).ToList()), ct),
            LifecycleCasOp.Remove => cas.RemoveProductsAsync(new CasProductRevocation(op.IdempotencyKey, box, op.Products), ct),
            LifecycleCasOp.Deactivate => cas.DeactivateDeviceAsync(op.IdempotencyKey, op.CasDeviceId, ct),
            LifecycleCasOp.Activate => cas.ActivateDeviceAsync(new CasActivation(op.IdempotencyKey, op.CasDeviceId, op.SmartCard, op.Products, validFrom, null), ct),
            LifecycleCasOp.Message => cas.SendOnScreenMessageAsync(new CasOnScreenMessage(op.IdempotencyKey, box, options.SuspensionMessage, TimeSpan.FromMinutes(2),
                CasMessagePriority.High), ct),
            _ => throw new InvalidOperationException($"unknown CAS op {op.Op}"),
        };
    }

    private static async Task FinishAsync(NpgsqlDataSource dataSource, string key, string outcome, string? reason, TimeProvider clock)
    {
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        await LifecycleOpLog.FinishAsync(key, outcome, reason, clock.GetUtcNow(), new DbSession(conn, null), CancellationToken.None).ConfigureAwait(false);
    }
}
