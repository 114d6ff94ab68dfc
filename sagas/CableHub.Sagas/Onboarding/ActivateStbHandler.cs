using CableHub.Core.Catalog;
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
/// Step 2: activate the reserved box on the CAS with the plan's products. The box row stays locked during
/// the call, and the call is skipped when the order was failed meanwhile (a compensation won). The
/// idempotency key is derived from order and box, so a retry after an unanswered call has no second effect.
/// <see cref="CasUnavailableException"/> is left to the retry policy (exponential back-off, then the
/// dead-letter queue; the saga's step timeout then compensates).
/// </summary>
public static class ActivateStbHandler
{
    public static async Task Handle(ActivateStb command, IMessageContext context, NpgsqlDataSource dataSource, IConditionalAccessSystem cas,
        OnboardingOptions options, ILogger<OnboardingSaga> logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(options);
        var products = await new CatalogStore(dataSource).CasProductIdsForPlanAsync(command.PlanId, ct).ConfigureAwait(false);

        await using var tx = await OutboxTransaction.BeginAsync(dataSource, context, ct).ConfigureAwait(false);
        var box = await tx.Connection.QuerySingleOrDefaultAsync<(string Status, Guid? ReservedFor)?>(new CommandDefinition(
            OnboardingSql.LockDevice, new { deviceId = command.DeviceId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        var state = await tx.Connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT state FROM hub.product_order WHERE id = @orderId", new { orderId = command.OrderId }, tx.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        if (box is not { Status: DeviceStatus.Reserved } || box.Value.ReservedFor != command.OrderId || state is null || ProductOrderState.IsFinal(state))
        {
            logger.LogWarning("Order {OrderId} is {State} and box {DeviceId} is {Status}; activation skipped", command.OrderId, state, command.DeviceId, box?.Status);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return;
        }

        var activation = new CasActivation(
            OnboardingKeys.Activation(command.OrderId, command.DeviceId), command.CasDeviceId, command.SmartCardNumber, products, command.ValidFrom, null);
        var result = await CasCalls.WithTimeoutAsync(t => cas.ActivateDeviceAsync(activation, t), options.CasCallTimeout, $"to the activation of {command.CasDeviceId}", ct)
            .ConfigureAwait(false);
        if (result.Accepted)
        {
            await tx.PublishAsync(new StbActivated(command.OrderId, command.DeviceId, result.VendorReference ?? "")).ConfigureAwait(false);
        }
        else
        {
            await tx.PublishAsync(new StbActivationRejected(command.OrderId, command.DeviceId, result.RejectionReason ?? "refused by the CAS")).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }
}
