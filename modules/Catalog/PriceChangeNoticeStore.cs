using System.Runtime.CompilerServices;
using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Catalog;

/// <summary>A price change announced to the subscribers of a channel or bouquet (hub.price_change_notice).</summary>
/// <param name="NoticeDays">Whole days between the announcement and the change.</param>
/// <param name="AffectedSubscribers">Customers with an active or suspended subscription whose plan holds the item, when announced.</param>
public sealed record PriceChangeNotice(
    Guid Id,
    Guid CatalogPriceId,
    string ItemKind,
    Guid ItemId,
    string ItemCode,
    string ItemName,
    Money? OldPrice,
    Money NewPrice,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset AnnouncedAt,
    int NoticeDays,
    string RegulatoryProfile,
    int AffectedSubscribers,
    string Status,
    DateTimeOffset? SentAt);

public static class PriceChangeNoticeStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// The notification side's view of price-change notices: the pending work list, the customers to tell, and marking a
/// notice sent. A customer is affected when an active, pending or suspended subscription's plan holds the channel
/// (through any of its packages) or the bouquet.
/// </summary>
public sealed class PriceChangeNoticeStore(NpgsqlDataSource dataSource, ISubscriptions subscriptions)
{
    private const string Columns =
        """
        id, catalog_price_id, item_kind, COALESCE(channel_id, package_id) AS item_id, item_code, item_name, old_amount, new_amount, currency,
        effective_from, announced_at, notice_days, regulatory_profile, affected_subscribers, status, sent_at
        """;

    /// <summary>The plans holding the channel (through any of their packages).</summary>
    private const string PlansHoldingChannel =
        "SELECT DISTINCT pp.plan_id FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id WHERE pc.channel_id = @itemId";

    /// <summary>The plans holding the bouquet.</summary>
    private const string PlansHoldingBouquet = "SELECT DISTINCT pp.plan_id FROM hub.plan_package pp WHERE pp.package_id = @itemId";

    public async Task<PriceChangeNotice?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<NoticeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.price_change_notice WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToNotice();
    }

    /// <summary>Notices, newest first; only those in <paramref name="status"/> when given.</summary>
    public async Task<IReadOnlyList<PriceChangeNotice>> ListAsync(string? status = null, int limit = 100, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var rows = await conn.QueryAsync<NoticeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.price_change_notice WHERE (@status::text IS NULL OR status = @status) ORDER BY announced_at DESC, item_code LIMIT @limit",
            new { status, limit }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToNotice()).ToList();
    }

    /// <summary>The customers to tell about a notice, streamed (there may be millions): those the Subscriptions module says are on a plan holding the item.</summary>
    public async IAsyncEnumerable<Guid> AffectedCustomersAsync(Guid noticeId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        IReadOnlyList<Guid> plans;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            var notice = await conn.QuerySingleOrDefaultAsync<(string Kind, Guid ItemId)?>(new CommandDefinition(
                "SELECT item_kind, COALESCE(channel_id, package_id) FROM hub.price_change_notice WHERE id = @noticeId", new { noticeId }, cancellationToken: ct)).ConfigureAwait(false);
            if (notice is not { } n)
            {
                yield break;
            }

            plans = await PlansHoldingAsync(new DbSession(conn, null), n.Kind, n.ItemId, ct).ConfigureAwait(false);
        }

        await foreach (var customer in subscriptions.CustomersOnPlansAsync(plans, ct).WithCancellation(ct).ConfigureAwait(false))
        {
            yield return customer;
        }
    }

    /// <summary>Marks a pending notice sent; false when it was not pending.</summary>
    public async Task<bool> MarkSentAsync(Guid noticeId, DateTimeOffset sentAt, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.price_change_notice SET status = 'sent', sent_at = @sentAt WHERE id = @noticeId AND status = 'pending'",
            new { noticeId, sentAt }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>How many customers a change of the item concerns (counted by the Subscriptions module, in the caller's transaction).</summary>
    internal async Task<int> CountAffectedAsync(DbSession session, string kind, Guid itemId, CancellationToken ct) =>
        await subscriptions.CountCustomersOnPlansAsync(await PlansHoldingAsync(session, kind, itemId, ct).ConfigureAwait(false), session, ct).ConfigureAwait(false);

    private static async Task<IReadOnlyList<Guid>> PlansHoldingAsync(DbSession session, string kind, Guid itemId, CancellationToken ct) =>
        (await session.Connection.QueryAsync<Guid>(new CommandDefinition(
            kind == PricedItemKind.Channel ? PlansHoldingChannel : PlansHoldingBouquet, new { itemId }, session.Transaction, cancellationToken: ct)).ConfigureAwait(false)).ToList();

    internal static Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, PriceChangeNotice n, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.price_change_notice (id, catalog_price_id, item_kind, channel_id, package_id, item_code, item_name, old_amount, new_amount, currency,
                                                 effective_from, announced_at, notice_days, regulatory_profile, affected_subscribers, status)
            VALUES (@Id, @CatalogPriceId, @ItemKind, @channelId, @packageId, @ItemCode, @ItemName, @oldAmount, @newAmount, @currency,
                    @EffectiveFrom, @AnnouncedAt, @NoticeDays, @RegulatoryProfile, @AffectedSubscribers, @Status)
            """,
            new
            {
                n.Id, n.CatalogPriceId, n.ItemKind,
                channelId = n.ItemKind == PricedItemKind.Channel ? n.ItemId : (Guid?)null,
                packageId = n.ItemKind == PricedItemKind.Bouquet ? n.ItemId : (Guid?)null,
                n.ItemCode, n.ItemName, oldAmount = n.OldPrice?.Amount, newAmount = n.NewPrice.Amount, currency = n.NewPrice.Currency,
                n.EffectiveFrom, n.AnnouncedAt, n.NoticeDays, n.RegulatoryProfile, n.AffectedSubscribers, n.Status,
            }, tx, cancellationToken: ct));

    private sealed record NoticeRow(Guid Id, Guid CatalogPriceId, string ItemKind, Guid ItemId, string ItemCode, string ItemName, decimal? OldAmount, decimal NewAmount,
        string Currency, DateTimeOffset EffectiveFrom, DateTimeOffset AnnouncedAt, int NoticeDays, string RegulatoryProfile, int AffectedSubscribers, string Status, DateTimeOffset? SentAt)
    {
        public PriceChangeNotice ToNotice() => new(Id, CatalogPriceId, ItemKind, ItemId, ItemCode, ItemName,
            OldAmount is { } o ? new Money(o, Currency.Trim()) : null, new Money(NewAmount, Currency.Trim()), EffectiveFrom, AnnouncedAt, NoticeDays,
            RegulatoryProfile, AffectedSubscribers, Status, SentAt);
    }
}
