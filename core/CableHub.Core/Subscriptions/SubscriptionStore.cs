using Dapper;
using Npgsql;

namespace CableHub.Core.Subscriptions;

public static class SubscriptionStatus
{
    public const string Created = "created";
    public const string PendingActive = "pending_active";
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Terminated = "terminated";
    public const string Cancelled = "cancelled";
}

public sealed record Subscription(Guid Id, Guid CustomerId, Guid BillingAccountId, Guid PlanId, Guid? OrderId, Guid? DeviceId, string Status, DateTimeOffset? StartAt, DateTimeOffset? EndAt);

/// <summary>Subscriptions (TMF637 products) and the device × channel entitlements they give.</summary>
public sealed class SubscriptionStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at, end_at";

    public async Task<Subscription?> GetByOrderAsync(Guid orderId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<Subscription>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.subscription WHERE order_id = @orderId", new { orderId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the active subscription of an order and entitles the device to every channel of the plan,
    /// valid from <paramref name="at"/>. Idempotent per order: a second call returns the existing subscription.
    /// Also marks the customer active.
    /// </summary>
    public static async Task<Guid> CreateActiveAsync(Guid orderId, Guid customerId, Guid billingAccountId, Guid planId, Guid deviceId, DateTimeOffset at,
        NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default)
    {
        var existing = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM hub.subscription WHERE order_id = @orderId", new { orderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (existing is { } id)
        {
            return id;
        }

        var subscriptionId = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.subscription (id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at)
            VALUES (@subscriptionId, @customerId, @billingAccountId, @planId, @orderId, @deviceId, 'active', @at);
            INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from)
            SELECT gen_random_uuid(), @deviceId, ch.channel_id, @subscriptionId, @at
            FROM (SELECT DISTINCT pc.channel_id
                  FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id
                  WHERE pp.plan_id = @planId) ch;
            UPDATE hub.customer SET status = 'active', updated_at = now() WHERE id = @customerId AND status <> 'active';
            """,
            new { subscriptionId, customerId, billingAccountId, planId, orderId, deviceId, at = at.ToUniversalTime() }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return subscriptionId;
    }
}
