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
/// Compensation: order → failed (unless it completed meanwhile — then nothing is undone), the box deactivated on the CAS
/// when it may have been activated, the box back in stock, <see cref="ProductOrderFailed"/> in the outbox. The CAS call
/// runs OUTSIDE any database transaction: (1) a short transaction decides (<see cref="OnboardingSteps.BeforeCompensation"/>:
/// it waits while an activation call for the box runs) and records the deactivation with a lease — from then on no
/// activation of the box for this order starts and completion waits; (2) the CAS is told; (3) a short transaction fails
/// the order, releases the box and publishes. The CAS is told before the box is released, so no other order can receive a
/// box that still descrambles. A CAS that cannot be reached changes nothing and the command is retried.
/// </summary>
public static class CompensateOnboardingHandler
{
    public static async Task Handle(CompensateOnboarding command, IMessageContext context, NpgsqlDataSource dataSource, IConditionalAccessSystem cas,
        IProductOrderLifecycle orders, IStbReservations stbs, OnboardingOptions options, TimeProvider clock, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(stbs);
        ArgumentNullException.ThrowIfNull(options);

        // (1) Decide, and record the deactivation call, in a short transaction.
        var (deviceId, casDeviceId) = (command.DeviceId, command.CasDeviceId);
        StepAction action;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            var session = new DbSession(conn, tx);
            if (deviceId is null && await stbs.ReservedForOrderAsync(command.OrderId, session, ct).ConfigureAwait(false) is { } reserved)
            {
                (deviceId, casDeviceId) = (reserved.DeviceId, reserved.CasDeviceId);
            }

            var box = deviceId is { } id ? await stbs.LockAsync(id, session, ct).ConfigureAwait(false) : null;
            var state = await orders.LockStateAsync(command.OrderId, session, ct).ConfigureAwait(false);
            var calls = deviceId is { } d ? await CasCallLog.ForAsync(command.OrderId, d, session, ct).ConfigureAwait(false) : [];
            var now = clock.GetUtcNow();
            string why;
            (action, why) = OnboardingSteps.BeforeCompensation(command, box?.IsReservedFor(command.OrderId) == true, casDeviceId, state, calls, now);
            switch (action)
            {
                case StepAction.Wait:
                    throw new CasCallInFlightException($"order {command.OrderId}: {why}; retrying later");
                case StepAction.AlreadyCompleted:
                    await tx.RollbackAsync(ct).ConfigureAwait(false);
                    logger.LogWarning("Order {OrderId} completed before it could be compensated; nothing undone", command.OrderId);
                    await using (var outbox = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false))
                    {
                        await outbox.PublishAsync(new OnboardingCompleted(command.OrderId)).ConfigureAwait(false);
                        await outbox.CommitAsync(ct).ConfigureAwait(false);
                    }

                    return;
                case StepAction.CallCas:
                    await CasCallLog.StartAsync(OnboardingKeys.Deactivation(command.OrderId, deviceId!.Value), command.OrderId, deviceId.Value, CasCall.Deactivate,
                        now, now + options.CasCallTimeout + options.CasLeaseMargin, session, ct).ConfigureAwait(false);
                    break;
            }

            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        // (2) The vendor call, no transaction open.
        CasCommandResult? result = null;
        if (action == StepAction.CallCas)
        {
            var key = OnboardingKeys.Deactivation(command.OrderId, deviceId!.Value);
            try
            {
                result = await CasCalls.WithTimeoutAsync(t => cas.DeactivateDeviceAsync(key, casDeviceId!, t), options.CasCallTimeout, $"to the deactivation of {casDeviceId}", ct)
                    .ConfigureAwait(false);
            }
            catch (CasUnavailableException ex)
            {
                await ActivateStbHandler.RecordUnavailableAsync(dataSource, key, ex.Message, clock, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            if (!result.Accepted)
            {
                logger.LogWarning("Order {OrderId}: the CAS refused to deactivate {CasDeviceId}: {Reason}", command.OrderId, casDeviceId, result.RejectionReason);
            }
        }

        // (3) Fail the order, release the box, publish: one short transaction.
        await using (var outbox = await OutboxTransaction.BeginAsync(dataSource, context, ct, clock).ConfigureAwait(false))
        {
            var session = new DbSession(outbox.Connection, outbox.Transaction);
            var now = clock.GetUtcNow();
            if (result is not null)
            {
                await CasCallLog.FinishAsync(OnboardingKeys.Deactivation(command.OrderId, deviceId!.Value), result.Accepted ? CasCall.Accepted : CasCall.Rejected,
                    result.VendorReference, result.RejectionReason, now, session, ct).ConfigureAwait(false);
            }

            var box = deviceId is { } id ? await stbs.LockAsync(id, session, ct).ConfigureAwait(false) : null;
            var state = await orders.LockStateAsync(command.OrderId, session, ct).ConfigureAwait(false);
            if (state == ProductOrderState.Completed)
            {
                logger.LogWarning("Order {OrderId} completed before it could be compensated; nothing undone", command.OrderId);
                await outbox.PublishAsync(new OnboardingCompleted(command.OrderId)).ConfigureAwait(false);
                await outbox.CommitAsync(ct).ConfigureAwait(false);
                return;
            }

            var failedNow = state is not null
                && await orders.SetStateAsync(command.OrderId, ProductOrderState.Failed, command.Reason, session, ct).ConfigureAwait(false);
            if (box?.IsReservedFor(command.OrderId) == true && !command.KeepDevice)
            {
                await stbs.ReleaseAsync(new ReleaseStbReservation(box.DeviceId, command.OrderId,
                    new MovementContext("onboarding", "onboarding compensated: " + command.Reason, command.OrderId.ToString())), session, ct).ConfigureAwait(false);
            }

            if (failedNow)
            {
                logger.LogWarning("Order {OrderId} failed: {Reason}", command.OrderId, command.Reason);
            }

            foreach (var message in OnboardingSteps.AfterCompensation(command.OrderId, command.Reason, failedNow, now))
            {
                await outbox.PublishAsync(message).ConfigureAwait(false);
            }

            await outbox.CommitAsync(ct).ConfigureAwait(false);
        }
    }
}
