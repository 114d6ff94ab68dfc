using System.Globalization;
using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using CableHub.Subscriptions.Contracts;
using CableHub.Vod.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Vod;

/// <summary>
/// Buying and renting VOD: checks the offer, the rights window in the customer's territory and what they already have,
/// then records the purchase and (when there is a price) a one-time charge for billing, in the caller's transaction,
/// and returns the events for the outbox. An external id makes a request idempotent.
/// </summary>
public sealed class VodPurchases(NpgsqlDataSource dataSource, ICustomerRegistry customers, ISubscriptions subscriptions, TimeProvider clock)
{
    private const string PurchaseColumns =
        """
        id, external_id, customer_id, billing_account_id, title_id, offer_id, model, amount, currency, territory, purchased_at, access_from, access_until, status
        """;

    private const string ChargeColumns = "id, billing_account_id, customer_id, kind, source_id, description, amount, currency, charged_at, status";

    public async Task<VodPurchaseResult> PurchaseAsync(VodPurchaseRequest request, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var result = await PurchaseAsync(request, conn, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Records a purchase in the caller's transaction. Throws <see cref="VodRuleException"/> (VOD-* codes) when the
    /// offer cannot be bought now; the caller must then roll back.
    /// </summary>
    public async Task<VodPurchaseResult> PurchaseAsync(VodPurchaseRequest request, NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(conn);
        var now = clock.GetUtcNow();

        // One purchase decision per customer at a time ("already owned" must not race).
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
            new { key = "vod:" + request.CustomerId.ToString() }, tx, cancellationToken: ct)).ConfigureAwait(false);

        if (request.ExternalId is { } externalId)
        {
            var existing = await conn.QuerySingleOrDefaultAsync<PurchaseRow>(new CommandDefinition(
                $"SELECT {PurchaseColumns} FROM hub.vod_purchase WHERE external_id = @externalId", new { externalId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            if (existing is not null)
            {
                var existingCharge = await conn.QuerySingleOrDefaultAsync<ChargeRow>(new CommandDefinition(
                    $"SELECT {ChargeColumns} FROM hub.one_time_charge WHERE source_id = @id", new { id = existing.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
                return new VodPurchaseResult(existing.ToPurchase(), existingCharge?.ToCharge(), [], AlreadyExisted: true);
            }
        }

        var offer = (await VodCatalog.OffersAsync(conn, "WHERE o.id = @id", new { id = request.OfferId }, ct, tx).ConfigureAwait(false)).SingleOrDefault();
        if (offer is null)
        {
            VodCatalog.Throw([new(VodRuleCodes.NotFound, $"offer {request.OfferId} does not exist", "offer")]);
        }

        var title = (await conn.QuerySingleAsync<VodCatalog.TitleRow>(new CommandDefinition(
            $"SELECT {VodCatalog.TitleColumns} FROM hub.vod_title t WHERE t.id = @id", new { id = offer!.TitleId }, tx, cancellationToken: ct)).ConfigureAwait(false)).ToTitle();
        var violations = new List<DomainError>();
        if (offer.Status != "active" || (offer.ValidFrom is { } vf && now < vf) || (offer.ValidTo is { } vt && now >= vt))
        {
            violations.Add(new(VodRuleCodes.OfferInactive, $"the {offer.Model} offer for {title.Code} is not on sale now", "offer"));
        }

        if (title.Status != VodTitleStatus.Published)
        {
            violations.Add(new(VodRuleCodes.TitleUnavailable, $"{title.Code} is {title.Status}, not published", "offer"));
        }

        var session = new DbSession(conn, tx);
        var billingAccount = await customers.ActiveBillingAccountAsync(request.CustomerId, session, ct).ConfigureAwait(false);
        var account = billingAccount is null ? ((Guid Id, string Currency)?)null : (billingAccount.Id, billingAccount.Currency);
        if (account is null)
        {
            violations.Add(new(VodRuleCodes.NoAccount, $"customer {request.CustomerId} has no active billing account", "customer"));
        }
        else if (offer.Price is { } price && !string.Equals(price.Currency, account.Value.Currency.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            violations.Add(new(VodRuleCodes.Currency, $"the offer is priced in {price.Currency}; the customer's account is in {account.Value.Currency.Trim()}", "offer"));
        }

        var territory = request.Territory?.Trim().ToUpperInvariant() ?? await customers.CountryAsync(request.CustomerId, session, ct).ConfigureAwait(false);
        VodRightsWindow? window = null;
        if (territory is null)
        {
            violations.Add(new(VodRuleCodes.Territory, "the customer's territory is unknown (no postal address country); give one", "territory"));
        }
        else
        {
            var windows = await VodCatalog.WindowsAsync(conn, tx, title.Id, ct).ConfigureAwait(false);
            window = VodCatalog.Covering(windows, territory, now);
            if (window is null)
            {
                var known = windows.Where(w => w.Territory == territory || w.Territory == "WW")
                    .Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.AvailableFrom:yyyy-MM-dd}..{w.AvailableTo:yyyy-MM-dd}")).ToList();
                violations.Add(new(VodRuleCodes.RightsWindow,
                    string.Create(CultureInfo.InvariantCulture, $"{title.Code} may not be offered in {territory} on {now:yyyy-MM-dd}: ") +
                    (known.Count == 0 ? "no rights window for that territory" : $"rights windows there are {string.Join(", ", known)}"), "territory"));
            }
        }

        if (offer.Model == VodModel.Included && offer.PlanId is { } planId)
        {
            var subscribed = await subscriptions.HasActiveSubscriptionAsync(request.CustomerId, planId, session, ct).ConfigureAwait(false);
            if (!subscribed)
            {
                violations.Add(new(VodRuleCodes.NotInPlan, $"{title.Code} is included only in a plan the customer does not subscribe to", "offer"));
            }
        }

        var owned = await conn.QuerySingleOrDefaultAsync<(string Model, DateTime? Until)?>(new CommandDefinition(
            """
            WITH RECURSIVE chain AS (
                SELECT id, parent_id FROM hub.vod_title WHERE id = @titleId
                UNION ALL SELECT p.id, p.parent_id FROM hub.vod_title p JOIN chain ON p.id = chain.parent_id)
            SELECT model, access_until FROM hub.vod_purchase
            WHERE customer_id = @CustomerId AND status = 'active' AND title_id IN (SELECT id FROM chain)
              AND access_from <= @now AND (access_until IS NULL OR access_until > @now)
            ORDER BY access_until DESC NULLS FIRST LIMIT 1
            """, new { request.CustomerId, titleId = title.Id, now }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (owned is { } o)
        {
            violations.Add(new(VodRuleCodes.AlreadyOwned,
                o.Until is { } until ? string.Create(CultureInfo.InvariantCulture, $"the customer can already watch {title.Code} until {until:yyyy-MM-dd HH:mm} UTC ({o.Model})") : $"the customer already owns {title.Code}",
                "offer"));
        }

        VodCatalog.Throw(violations);

        var amount = offer.Price ?? new Money(0m, account!.Value.Currency.Trim());
        DateTimeOffset? accessUntil = offer.Model switch
        {
            VodModel.Rental => Min(now.AddHours(offer.RentalHours!.Value), window!.AvailableTo),
            VodModel.Included => window!.AvailableTo,
            _ => null,
        };
        var purchase = new VodPurchase(Guid.CreateVersion7(), request.ExternalId, request.CustomerId, account!.Value.Id, title.Id, offer.Id, offer.Model,
            amount, territory!, now, now, accessUntil, "active");
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.vod_purchase (id, external_id, customer_id, billing_account_id, title_id, offer_id, model, amount, currency, territory,
                                          purchased_at, access_from, access_until)
            VALUES (@Id, @ExternalId, @CustomerId, @BillingAccountId, @TitleId, @OfferId, @Model, @amount, @currency, @Territory,
                    @PurchasedAt, @AccessFrom, @AccessUntil)
            """,
            new
            {
                purchase.Id, purchase.ExternalId, purchase.CustomerId, purchase.BillingAccountId, purchase.TitleId, purchase.OfferId, purchase.Model,
                amount = amount.Amount, currency = amount.Currency, purchase.Territory, purchase.PurchasedAt, purchase.AccessFrom, purchase.AccessUntil,
            }, tx, cancellationToken: ct)).ConfigureAwait(false);

        var events = new List<object>
        {
            new VodTitlePurchased(purchase.Id, purchase.CustomerId, purchase.BillingAccountId, title.Id, title.Code, offer.Model, amount, purchase.AccessFrom, accessUntil, now),
        };
        OneTimeCharge? charge = null;
        if (amount.Amount > 0)
        {
            var kind = offer.Model == VodModel.Rental ? OneTimeChargeKind.VodRental : OneTimeChargeKind.VodPurchase;
            var description = offer.Model == VodModel.Rental
                ? string.Create(CultureInfo.InvariantCulture, $"VOD rental: {title.Title} ({offer.RentalHours} h)")
                : $"VOD purchase: {title.Title}";
            charge = new OneTimeCharge(Guid.CreateVersion7(), purchase.BillingAccountId, purchase.CustomerId, kind, purchase.Id, description, amount, now, "unbilled");
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.one_time_charge (id, billing_account_id, customer_id, kind, source_id, description, amount, currency, charged_at, status)
                VALUES (@Id, @BillingAccountId, @CustomerId, @Kind, @SourceId, @Description, @amount, @currency, @ChargedAt, @Status)
                """,
                new
                {
                    charge.Id, charge.BillingAccountId, charge.CustomerId, charge.Kind, charge.SourceId, charge.Description,
                    amount = amount.Amount, currency = amount.Currency, charge.ChargedAt, charge.Status,
                }, tx, cancellationToken: ct)).ConfigureAwait(false);
            events.Add(new OneTimeChargeCreated(charge.Id, charge.BillingAccountId, charge.CustomerId, kind, purchase.Id, description, amount, now));
        }

        return new VodPurchaseResult(purchase, charge, events, AlreadyExisted: false);
    }

    /// <summary>Whether the customer may watch the title now: a purchase or rental of it or of a season/series holding it.</summary>
    public async Task<VodPurchase?> AccessAsync(Guid customerId, Guid titleId, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<PurchaseRow>(new CommandDefinition(
            $"""
            WITH RECURSIVE chain AS (
                SELECT id, parent_id FROM hub.vod_title WHERE id = @titleId
                UNION ALL SELECT p.id, p.parent_id FROM hub.vod_title p JOIN chain ON p.id = chain.parent_id)
            SELECT {PurchaseColumns} FROM hub.vod_purchase
            WHERE customer_id = @customerId AND status = 'active' AND title_id IN (SELECT id FROM chain)
              AND access_from <= @at AND (access_until IS NULL OR access_until > @at)
            ORDER BY access_until DESC NULLS FIRST LIMIT 1
            """, new { customerId, titleId, at = at ?? clock.GetUtcNow() }, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToPurchase();
    }

    public async Task<IReadOnlyList<VodPurchase>> ListPurchasesAsync(Guid customerId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<PurchaseRow>(new CommandDefinition(
            $"SELECT {PurchaseColumns} FROM hub.vod_purchase WHERE customer_id = @customerId ORDER BY purchased_at DESC", new { customerId }, cancellationToken: ct)).ConfigureAwait(false))
            .Select(r => r.ToPurchase()).ToList();
    }

    /// <summary>One-time charges of an account (all, or only those in <paramref name="status"/>), oldest first.</summary>
    public async Task<IReadOnlyList<OneTimeCharge>> ListChargesAsync(Guid billingAccountId, string? status = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<ChargeRow>(new CommandDefinition(
            $"SELECT {ChargeColumns} FROM hub.one_time_charge WHERE billing_account_id = @billingAccountId AND (@status::text IS NULL OR status = @status) ORDER BY charged_at",
            new { billingAccountId, status }, cancellationToken: ct)).ConfigureAwait(false)).Select(r => r.ToCharge()).ToList();
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed record PurchaseRow(Guid Id, string? ExternalId, Guid CustomerId, Guid BillingAccountId, Guid TitleId, Guid OfferId, string Model, decimal Amount,
        string Currency, string Territory, DateTimeOffset PurchasedAt, DateTimeOffset AccessFrom, DateTimeOffset? AccessUntil, string Status)
    {
        public VodPurchase ToPurchase() => new(Id, ExternalId, CustomerId, BillingAccountId, TitleId, OfferId, Model, new Money(Amount, Currency.Trim()), Territory,
            PurchasedAt, AccessFrom, AccessUntil, Status);
    }

    private sealed record ChargeRow(Guid Id, Guid BillingAccountId, Guid CustomerId, string Kind, Guid SourceId, string Description, decimal Amount, string Currency,
        DateTimeOffset ChargedAt, string Status)
    {
        public OneTimeCharge ToCharge() => new(Id, BillingAccountId, CustomerId, Kind, SourceId, Description, new Money(Amount, Currency.Trim()), ChargedAt, Status);
    }
}
