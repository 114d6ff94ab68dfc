using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Messaging;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Step 2: activate the reserved box on the CAS with the plan's products, the vendor call OUTSIDE any database transaction:
/// (1) a short transaction checks box and order (<see cref="OnboardingSteps.BeforeActivation"/>) and records the call with a
/// lease in <c>sagas.cas_call</c>; (2) the CAS is called, bounded by <see cref="OnboardingOptions.CasCallTimeout"/>; (3) a
/// short transaction records the outcome and puts the reply in the outbox. The idempotency key is derived from order and
/// box, so a retry after an unanswered call has no second effect. A CAS that cannot be reached is waited out: the call is
/// recorded as unavailable and <see cref="OnboardingCasUnavailableException"/> reschedules the step on
/// <see cref="OnboardingOptions.CasOutageRetries"/> (≈ 10 min by default, inside the step timeout); an outage longer than the
/// step timeout is compensated by the saga (the retry that comes after the compensation started is skipped). The call goes
/// through <see cref="CasActivationBatcher"/>: activations asked for at about the same time reach the CAS as one batch.
/// </summary>
public static class ActivateStbHandler
{
    public static async Task Handle(ActivateStb command, IMessageContext context, NpgsqlDataSource dataSource, CasActivationBatcher cas, IPlanCatalog plans,
        IStbReservations stbs, IProductOrderLifecycle orders, OnboardingOptions options, TimeProvider clock, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(plans);
        ArgumentNullException.ThrowIfNull(stbs);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(options);
        var products = await plans.CasProductIdsForPlanAsync(command.PlanId, ct).ConfigureAwait(false);
        var key = OnboardingKeys.Activation(command.OrderId, command.DeviceId);

        // (1) Check and record the call: the box row is locked only for this short transaction.
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            var session = new DbSession(conn, tx);
            var box = await stbs.LockAsync(command.DeviceId, session, ct).ConfigureAwait(false);
            var state = await orders.StateAsync(command.OrderId, session, ct).ConfigureAwait(false);
            var calls = await CasCallLog.ForAsync(command.OrderId, command.DeviceId, session, ct).ConfigureAwait(false);
            var now = clock.GetUtcNow();
            var (action, why) = OnboardingSteps.BeforeActivation(command, box, state, calls, now);
            switch (action)
            {
                case StepAction.Skip:
                    logger.LogWarning("Order {OrderId}: activation of box {DeviceId} skipped: {Why}", command.OrderId, command.DeviceId, why);
                    await tx.RollbackAsync(ct).ConfigureAwait(false);
                    await AcknowledgeAsync(dataSource, context, clock, ct).ConfigureAwait(false);
                    return;
                case StepAction.Wait:
                    throw new CasCallInFlightException($"order {command.OrderId}: {why}; retrying later");
            }

            await CasCallLog.StartAsync(key, command.OrderId, command.DeviceId, CasCall.Activate, now, now + options.CasCallTimeout + options.CasLeaseMargin, session, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        // (2) The vendor call, no transaction open.
        var activation = new CasActivation(key, command.CasDeviceId, command.SmartCardNumber, products, command.ValidFrom, null);
        CasCommandResult result;
        try
        {
            result = await CasCalls.WithTimeoutAsync(t => cas.ActivateAsync(activation, t), options.CasCallTimeout, $"to the activation of {command.CasDeviceId}", ct)
                .ConfigureAwait(false);
        }
        catch (CasUnavailableException ex)
        {
            await RecordUnavailableAsync(dataSource, key, ex.Message, clock, CancellationToken.None).ConfigureAwait(false);
            throw new OnboardingCasUnavailableException($"order {command.OrderId}: CAS unavailable for the activation of {command.CasDeviceId}: {ex.Message}", ex);
        }

        // (3) The outcome and the reply, in one short transaction.
        await using var outbox = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        await CasCallLog.FinishAsync(key, result.Accepted ? CasCall.Accepted : CasCall.Rejected, result.VendorReference, result.RejectionReason, clock.GetUtcNow(),
            new DbSession(outbox.Connection, outbox.Transaction), ct).ConfigureAwait(false);
        await outbox.PublishAsync(OnboardingSteps.AfterActivation(command, result)).ConfigureAwait(false);
        await outbox.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Marks the message handled without changing anything (an empty outbox transaction).</summary>
    internal static async Task AcknowledgeAsync(NpgsqlDataSource dataSource, IMessageContext context, TimeProvider clock, CancellationToken ct)
    {
        await using var outbox = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false);
        await outbox.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The CAS could not be reached: the call is over (its lease need not run out), the message will be retried.</summary>
    internal static async Task RecordUnavailableAsync(NpgsqlDataSource dataSource, string key, string reason, TimeProvider clock, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await CasCallLog.FinishAsync(key, CasCall.Unavailable, null, reason, clock.GetUtcNow(), new DbSession(conn, null), ct).ConfigureAwait(false);
    }
}
