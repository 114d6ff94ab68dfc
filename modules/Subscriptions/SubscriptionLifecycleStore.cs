using CableHub.Core;
using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Subscriptions;

/// <summary>
/// <see cref="ISubscriptionLifecycle"/>: the one writer of subscription status, add-ons, the change history and the entitlement
/// rows a change ends or starts. Every command is idempotent per change id (<c>hub.subscription_change</c>).
/// </summary>
internal sealed class SubscriptionLifecycleStore(NpgsqlDataSource dataSource) : ISubscriptionLifecycle
{
    private const string Columns =
        "id, customer_id, billing_account_id, plan_id, order_id, device_id, status, start_at, end_at, suspended_at, suspension_reason";

    public async Task<SubscriptionDetail?> GetAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadAsync(new DbSession(conn, null), "WHERE id = @id", new { id = subscriptionId }, ct).ConfigureAwait(false) is [var one] ? one : null;
    }

    public async Task<SubscriptionDetail?> LockAsync(Guid subscriptionId, DbSession session, CancellationToken ct) =>
        await ReadAsync(session, "WHERE id = @id FOR UPDATE", new { id = subscriptionId }, ct).ConfigureAwait(false) is [var one] ? one : null;

    public async Task<IReadOnlyList<SubscriptionDetail>> ForCustomerAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await ReadAsync(new DbSession(conn, null), "WHERE customer_id = @customerId ORDER BY created_at DESC, id", new { customerId }, ct).ConfigureAwait(false);
    }

    public async Task<SubscriptionDetail?> ForDeviceAsync(Guid deviceId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var found = await ReadAsync(new DbSession(conn, null), "WHERE device_id = @deviceId AND status IN ('active', 'suspended') ORDER BY created_at DESC LIMIT 1",
            new { deviceId }, ct).ConfigureAwait(false);
        return found.Count == 1 ? found[0] : null;
    }

    public async Task<IReadOnlyList<Guid>> EntitledChannelsAsync(Guid subscriptionId, DbSession? session, CancellationToken ct)
    {
        const string sql = """
            SELECT e.channel_id FROM hub.entitlement e JOIN hub.subscription s ON s.id = e.subscription_id
            WHERE e.subscription_id = @subscriptionId AND e.valid_to IS NULL ORDER BY 1
            """;
        if (session is { } open)
        {
            return (await open.Connection.QueryAsync<Guid>(new CommandDefinition(sql, new { subscriptionId }, open.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<Guid>(new CommandDefinition(sql, new { subscriptionId }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    public async Task<SubscriptionProductsChanged> ChangeProductsAsync(ChangeSubscriptionProducts command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (conn, tx) = (session.Connection, session.Transaction);
        if (await AppliedAsync(command.ChangeId, session, ct).ConfigureAwait(false))
        {
            return new SubscriptionProductsChanged(false, [], []);
        }

        var sub = await LockAsync(command.SubscriptionId, session, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"subscription {command.SubscriptionId} does not exist");
        if (sub.DeviceId is not { } device)
        {
            throw new InvalidOperationException($"subscription {command.SubscriptionId} has no box");
        }

        var current = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT channel_id FROM hub.entitlement WHERE subscription_id = @id AND device_id = @device AND valid_to IS NULL",
            new { id = sub.Id, device }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToHashSet();
        var desired = command.ChannelIds.ToHashSet();
        var added = desired.Except(current).Order().ToList();
        var removed = current.Except(desired).Order().ToList();
        var at = command.At.ToUniversalTime();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.entitlement SET valid_to = greatest(valid_from, @at)
            WHERE subscription_id = @id AND device_id = @device AND valid_to IS NULL AND channel_id = ANY(@removed);
            INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from)
            SELECT gen_random_uuid(), @device, ch, @id, @at FROM unnest(@added) AS ch
            ON CONFLICT (device_id, channel_id, subscription_id, valid_from) DO UPDATE SET valid_to = NULL;
            UPDATE hub.subscription SET plan_id = @planId, updated_at = @at WHERE id = @id;
            """, new { id = sub.Id, device, at, removed = removed.ToArray(), added = added.ToArray(), planId = command.PlanId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (command.AddOn is { } addOn)
        {
            await conn.ExecuteAsync(new CommandDefinition(addOn.Add
                ? """
                  INSERT INTO hub.subscription_addon (id, subscription_id, kind, offering_id, price, currency, valid_from)
                  VALUES (gen_random_uuid(), @id, @kind, @offering, @price, @currency, @at)
                  ON CONFLICT (subscription_id, kind, offering_id) WHERE valid_to IS NULL DO NOTHING
                  """
                : "UPDATE hub.subscription_addon SET valid_to = greatest(valid_from, @at) WHERE subscription_id = @id AND kind = @kind AND offering_id = @offering AND valid_to IS NULL",
                new { id = sub.Id, kind = addOn.Kind, offering = addOn.OfferingId, price = addOn.Price?.Amount, currency = addOn.Price?.Currency, at }, tx, cancellationToken: ct))
                .ConfigureAwait(false);
        }

        await RecordAsync(command.ChangeId, sub.Id, command.OrderId, command.Kind, sub.PlanId, command.PlanId, command.AddOn?.Kind, command.AddOn?.OfferingId, null, at,
            added.Count, removed.Count, session, ct).ConfigureAwait(false);
        return new SubscriptionProductsChanged(true, added, removed);
    }

    public async Task<bool> ChangeStatusAsync(ChangeSubscriptionStatus command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (await AppliedAsync(command.ChangeId, session, ct).ConfigureAwait(false))
        {
            return false;
        }

        var at = command.At.ToUniversalTime();
        var sql = command.Kind switch
        {
            SubscriptionChangeKind.Suspend =>
                "UPDATE hub.subscription SET status = 'suspended', suspended_at = @at, suspension_reason = @reason, updated_at = @at WHERE id = @id AND status = 'active'",
            SubscriptionChangeKind.Restore =>
                "UPDATE hub.subscription SET status = 'active', suspended_at = NULL, suspension_reason = NULL, updated_at = @at WHERE id = @id AND status = 'suspended'",
            SubscriptionChangeKind.Disconnect =>
                "UPDATE hub.subscription SET status = 'terminated', end_at = @at, updated_at = @at WHERE id = @id AND status IN ('active', 'suspended', 'pending_active', 'created')",
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "suspend, restore or disconnect"),
        };
        var changed = await session.Connection.ExecuteAsync(new CommandDefinition(sql, new { id = command.SubscriptionId, at, reason = command.Reason },
            session.Transaction, cancellationToken: ct)).ConfigureAwait(false) > 0;
        if (!changed)
        {
            return false;
        }

        var removed = 0;
        if (command.Kind == SubscriptionChangeKind.Disconnect)
        {
            removed = await session.Connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE hub.entitlement SET valid_to = greatest(valid_from, @at) WHERE subscription_id = @id AND valid_to IS NULL;
                UPDATE hub.subscription_addon SET valid_to = greatest(valid_from, @at) WHERE subscription_id = @id AND valid_to IS NULL;
                """, new { id = command.SubscriptionId, at }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        }

        var planId = await session.Connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
            "SELECT plan_id FROM hub.subscription WHERE id = @id", new { id = command.SubscriptionId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        await RecordAsync(command.ChangeId, command.SubscriptionId, command.OrderId, command.Kind, planId, planId, null, null, command.Reason, at, 0, removed, session, ct)
            .ConfigureAwait(false);
        return true;
    }

    public async Task<bool> MoveDeviceAsync(MoveSubscriptionDevice command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (await AppliedAsync(command.ChangeId, session, ct).ConfigureAwait(false))
        {
            return false;
        }

        var at = command.At.ToUniversalTime();
        var moved = await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            WITH ended AS (
                UPDATE hub.entitlement SET valid_to = greatest(valid_from, @at)
                WHERE subscription_id = @id AND device_id = @from AND valid_to IS NULL
                RETURNING channel_id)
            INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from)
            SELECT gen_random_uuid(), @to, channel_id, @id, @at FROM ended
            ON CONFLICT (device_id, channel_id, subscription_id, valid_from) DO UPDATE SET valid_to = NULL
            """, new { id = command.SubscriptionId, from = command.FromDeviceId, to = command.ToDeviceId, at }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        var planId = await session.Connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
            "UPDATE hub.subscription SET device_id = @to, updated_at = @at WHERE id = @id RETURNING plan_id",
            new { id = command.SubscriptionId, to = command.ToDeviceId, at }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        await RecordAsync(command.ChangeId, command.SubscriptionId, null, SubscriptionChangeKind.DeviceSwap, planId, planId, null, null,
            $"box {command.FromDeviceId} → {command.ToDeviceId}", at, moved, moved, session, ct).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<DeviceEntitlements>> DesiredEntitlementsAsync(Guid? afterDeviceId, int limit, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<DesiredRow>(new CommandDefinition(
            """
            WITH d AS (
                SELECT device_id FROM hub.entitlement WHERE (@after::uuid IS NULL OR device_id > @after)
                GROUP BY device_id ORDER BY device_id LIMIT @limit),
            changed AS (
                SELECT e.device_id, greatest(max(e.valid_from), max(e.valid_to), max(s.updated_at)) AS last_changed_at
                FROM hub.entitlement e JOIN hub.subscription s ON s.id = e.subscription_id
                WHERE e.device_id IN (SELECT device_id FROM d) GROUP BY e.device_id)
            SELECT d.device_id, c.last_changed_at, e.channel_id, e.valid_from, e.valid_to
            FROM d JOIN changed c ON c.device_id = d.device_id
            LEFT JOIN (hub.entitlement e JOIN hub.subscription s ON s.id = e.subscription_id AND s.status = 'active')
                   ON e.device_id = d.device_id AND e.valid_to IS NULL
            ORDER BY d.device_id, e.channel_id
            """, new { after = afterDeviceId, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.GroupBy(r => r.DeviceId).Select(g => new DeviceEntitlements(g.Key,
                g.Where(r => r.ChannelId is not null).Select(r => new ChannelEntitlement(r.ChannelId!.Value, r.ValidFrom!.Value, r.ValidTo)).ToList(),
                g.First().LastChangedAt))
            .ToList();
    }

    public Task<bool> ChangeRecordedAsync(Guid changeId, DbSession session, CancellationToken ct) => AppliedAsync(changeId, session, ct);

    private static Task<bool> AppliedAsync(Guid changeId, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM hub.subscription_change WHERE id = @changeId)", new { changeId }, session.Transaction, cancellationToken: ct));

    private static Task RecordAsync(Guid changeId, Guid subscriptionId, Guid? orderId, string kind, Guid fromPlan, Guid toPlan, string? offeringKind, Guid? offeringId,
        string? reason, DateTimeOffset at, int added, int removed, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.subscription_change (id, subscription_id, order_id, kind, from_plan_id, to_plan_id, offering_kind, offering_id, reason, effective_at,
                channels_added, channels_removed)
            VALUES (@changeId, @subscriptionId, @orderId, @kind, @fromPlan, @toPlan, @offeringKind, @offeringId, @reason, @at, @added, @removed)
            """, new { changeId, subscriptionId, orderId, kind, fromPlan, toPlan, offeringKind, offeringId, reason, at, added, removed }, session.Transaction, cancellationToken: ct));

    private static async Task<IReadOnlyList<SubscriptionDetail>> ReadAsync(DbSession session, string where, object args, CancellationToken ct)
    {
        var heads = (await session.Connection.QueryAsync<Head>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.subscription {where}", args, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        if (heads.Count == 0)
        {
            return [];
        }

        var addOns = (await session.Connection.QueryAsync<AddOnRow>(new CommandDefinition(
            "SELECT subscription_id, kind, offering_id, price, currency, valid_from, valid_to FROM hub.subscription_addon WHERE subscription_id = ANY(@ids) ORDER BY valid_from, id",
            new { ids = heads.Select(h => h.Id).ToArray() }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToLookup(a => a.SubscriptionId);
        return heads.Select(h => new SubscriptionDetail(h.Id, h.CustomerId, h.BillingAccountId, h.PlanId, h.OrderId, h.DeviceId, h.Status, h.StartAt, h.EndAt,
                h.SuspendedAt, h.SuspensionReason,
                addOns[h.Id].Select(a => new SubscriptionAddOn(a.Kind, a.OfferingId, a.Price is { } p ? new Money(p, a.Currency!.Trim()) : null, a.ValidFrom, a.ValidTo)).ToList()))
            .ToList();
    }

    private sealed record Head(Guid Id, Guid CustomerId, Guid BillingAccountId, Guid PlanId, Guid? OrderId, Guid? DeviceId, string Status, DateTimeOffset? StartAt,
        DateTimeOffset? EndAt, DateTimeOffset? SuspendedAt, string? SuspensionReason);

    private sealed record AddOnRow(Guid SubscriptionId, string Kind, Guid OfferingId, decimal? Price, string? Currency, DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);

    private sealed record DesiredRow(Guid DeviceId, DateTimeOffset LastChangedAt, Guid? ChannelId, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo);
}

/// <summary>
/// <see cref="IBillingPeriods"/> until the Billing module implements it: paid-through is unknown (null: a suspension takes effect
/// at once), and the next cycle starts on the next monthly anniversary of the subscription's start.
/// </summary>
internal sealed class UnknownBillingPeriods(NpgsqlDataSource dataSource) : IBillingPeriods
{
    public Task<DateTimeOffset?> PaidThroughAsync(Guid subscriptionId, CancellationToken ct) => Task.FromResult<DateTimeOffset?>(null);

    public async Task<DateTimeOffset> NextCycleStartAsync(Guid subscriptionId, DateTimeOffset after, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var start = await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT start_at FROM hub.subscription WHERE id = @subscriptionId", new { subscriptionId }, cancellationToken: ct)).ConfigureAwait(false) ?? after;
        return NextAnniversary(start.ToUniversalTime(), after.ToUniversalTime());
    }

    /// <summary>The first monthly anniversary of <paramref name="start"/> strictly after <paramref name="after"/> (day clamped to the month's length).</summary>
    internal static DateTimeOffset NextAnniversary(DateTimeOffset start, DateTimeOffset after)
    {
        var months = Math.Max(0, ((after.Year - start.Year) * 12) + after.Month - start.Month - 1);
        var candidate = start.AddMonths(months);
        while (candidate <= after)
        {
            candidate = start.AddMonths(++months);
        }

        return candidate;
    }
}
