using CableHub.Core.Contracts;
using CableHub.Core.Devices;
using CableHub.Core.Orders;
using CableHub.Core.Ports;
using CableHub.Sagas.Messaging;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Compensation, one transaction with the box row locked: order → failed (unless it completed meanwhile —
/// then nothing is undone), the box deactivated on the CAS when it may have been activated, the box back
/// in stock, <see cref="ProductOrderFailed"/> in the outbox. The CAS is told before the box is released, so
/// no other order can receive a box that still descrambles. A CAS that cannot be reached rolls everything
/// back and the command is retried.
/// </summary>
public static class CompensateOnboardingHandler
{
    public static async Task Handle(CompensateOnboarding command, IMessageContext context, NpgsqlDataSource dataSource, IConditionalAccessSystem cas,
        OnboardingOptions options, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(options);
        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct).ConfigureAwait(false);

        var (deviceId, casDeviceId) = (command.DeviceId, command.CasDeviceId);
        if (deviceId is null)
        {
            var reserved = await tx.Connection.QuerySingleOrDefaultAsync<(Guid Id, string CasId)?>(new CommandDefinition(
                OnboardingSql.DeviceReservedForOrder, new { orderId = command.OrderId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            (deviceId, casDeviceId) = (reserved?.Id, reserved?.CasId);
        }

        var ownsBox = false;
        if (deviceId is { } id)
        {
            var box = await tx.Connection.QuerySingleOrDefaultAsync<(string Status, Guid? ReservedFor)?>(new CommandDefinition(
                OnboardingSql.LockDevice, new { deviceId = id }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
            ownsBox = box is { Status: DeviceStatus.Reserved } && box.Value.ReservedFor == command.OrderId;
        }

        var state = await tx.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            OnboardingSql.LockOrder, new { orderId = command.OrderId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        if (state == ProductOrderState.Completed)
        {
            logger.LogWarning("Order {OrderId} completed before it could be compensated; nothing undone", command.OrderId);
            await tx.PublishAsync(new OnboardingCompleted(command.OrderId)).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        var failedNow = state is not null
            && await ProductOrderStore.SetStateAsync(command.OrderId, ProductOrderState.Failed, command.Reason, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);

        if (ownsBox && command.DeactivateOnCas && casDeviceId is not null)
        {
            var key = OnboardingKeys.Deactivation(command.OrderId, deviceId!.Value);
            var result = await CasCalls.WithTimeoutAsync(t => cas.DeactivateDeviceAsync(key, casDeviceId, t), options.CasCallTimeout, $"to the deactivation of {casDeviceId}", ct)
                .ConfigureAwait(false);
            if (!result.Accepted)
            {
                logger.LogWarning("Order {OrderId}: the CAS refused to deactivate {CasDeviceId}: {Reason}", command.OrderId, casDeviceId, result.RejectionReason);
            }
        }

        await tx.Connection.ExecuteAsync(new CommandDefinition(
            OnboardingSql.StockMovementContext, new { reason = "onboarding compensated: " + command.Reason, reference = command.OrderId.ToString() }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);

        if (ownsBox && !command.KeepDevice)
        {
            await DeviceStore.ReleaseReservationAsync(deviceId!.Value, command.OrderId, tx.Connection, tx.Transaction, ct).ConfigureAwait(false);
        }

        if (failedNow)
        {
            await tx.PublishAsync(new ProductOrderFailed(command.OrderId, command.Reason, DateTimeOffset.UtcNow)).ConfigureAwait(false);
            logger.LogWarning("Order {OrderId} failed: {Reason}", command.OrderId, command.Reason);
        }

        await tx.PublishAsync(new OnboardingCompensated(command.OrderId)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
