using System.Runtime.CompilerServices;
using CableHub.Core;
using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Subscriptions;

/// <summary>Subscriptions (TMF637 products) and the device × channel entitlements they give: the one writer of both tables.</summary>
internal sealed class SubscriptionStore(NpgsqlDataSource dataSource, TimeProvider clock) : ISubscriptions
{
    private const string Columns = "id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at, end_at";

    /// <summary>Subscriptions that still concern the customer (price-change notices go to them).</summary>
    private const string LiveStatuses = "('active', 'pending_active', 'suspended')";

    public async Task<SubscriptionSummary?> GetByOrderAsync(Guid orderId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<SubscriptionSummary>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.subscription WHERE order_id = @orderId", new { orderId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the active subscription of an order and entitles the device to the given channels, valid from the command's
    /// instant. Idempotent per order: a second call returns the existing subscription.
    /// </summary>
    public async Task<Guid> CreateActiveAsync(CreateActiveSubscription command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (conn, tx) = (session.Connection, session.Transaction);
        var existing = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM hub.subscription WHERE order_id = @OrderId", new { command.OrderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (existing is { } id)
        {
            return id;
        }

        var subscriptionId = Ids.New(clock);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.subscription (id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at)
            VALUES (@subscriptionId, @CustomerId, @BillingAccountId, @PlanId, @OrderId, @DeviceId, 'active', @at);
            INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from)
            SELECT gen_random_uuid(), @DeviceId, ch, @subscriptionId, @at FROM (SELECT DISTINCT unnest(@channels) AS ch) c;
            """,
            new
            {
                subscriptionId, command.CustomerId, command.BillingAccountId, command.PlanId, command.OrderId, command.DeviceId,
                channels = command.ChannelIds.ToArray(), at = command.At.ToUniversalTime(),
            }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return subscriptionId;
    }

    public Task<bool> HasActiveSubscriptionAsync(Guid customerId, Guid planId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM hub.subscription WHERE customer_id = @customerId AND plan_id = @planId AND status = 'active')",
            new { customerId, planId }, session.Transaction, cancellationToken: ct));

    public async Task<IReadOnlyList<Guid>> EntitledChannelIdsAsync(EntitlementQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.CustomerId is null && query.DeviceIds is null)
        {
            throw new ArgumentException("an entitlement query names a customer or a device", nameof(query));
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT DISTINCT e.channel_id FROM hub.entitlement e JOIN hub.subscription s ON s.id = e.subscription_id
            WHERE s.status = ANY(@statuses) AND e.valid_from <= @at AND (e.valid_to IS NULL OR e.valid_to > @at)
              AND (@customerId::uuid IS NULL OR s.customer_id = @customerId) AND (@deviceIds::uuid[] IS NULL OR e.device_id = ANY(@deviceIds))
            """,
            new { statuses = query.SubscriptionStatuses.ToArray(), at = query.At, query.CustomerId, deviceIds = query.DeviceIds?.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return ids.ToList();
    }

    public Task<int> CountCustomersOnPlansAsync(IReadOnlyList<Guid> planIds, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            $"SELECT count(DISTINCT customer_id)::int FROM hub.subscription WHERE status IN {LiveStatuses} AND plan_id = ANY(@planIds)",
            new { planIds = planIds.ToArray() }, session.Transaction, cancellationToken: ct));

    public async IAsyncEnumerable<Guid> CustomersOnPlansAsync(IReadOnlyList<Guid> planIds, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var customers = conn.QueryUnbufferedAsync<Guid>(
            $"SELECT DISTINCT customer_id FROM hub.subscription WHERE status IN {LiveStatuses} AND plan_id = ANY(@planIds)", new { planIds = planIds.ToArray() });
        await foreach (var customer in customers.WithCancellation(ct).ConfigureAwait(false))
        {
            yield return customer;
        }
    }
}
