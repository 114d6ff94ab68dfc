using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Catalog.Contracts;
using CableHub.Customers.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Billing;

/// <summary>Billing profiles and the charges waiting for the next bill (<see cref="IBillingProfiles"/>, <see cref="IBillingCharges"/>).</summary>
internal sealed class BillingProfiles(NpgsqlDataSource dataSource, IBillingAccountDirectory accounts, IPlanRating rating, IBillableSubscriptions subscriptions,
    BillingOptions options, TimeProvider clock)
    : IBillingProfiles, IBillingCharges
{
    public async Task<bool> EnsureAsync(Guid billingAccountId, string billingPeriod, CancellationToken ct)
    {
        var months = BillingCycle.MonthsOf(billingPeriod);
        var terms = (await accounts.TermsAsync([billingAccountId], ct).ConfigureAwait(false)).SingleOrDefault()
            ?? throw new NotFoundException($"billing account {billingAccountId}", "billingAccountId", "BILLING-ACCOUNT-NOT-FOUND");
        var profile = rating.Rules.RegulatoryProfile;
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.billing_profile (billing_account_id, customer_id, bill_cycle_day, billing_period, anchor_month, currency, tax_jurisdiction, regulatory_profile, payment_terms_days)
            VALUES (@Id, @CustomerId, @day, @billingPeriod, @anchor, @Currency, @jurisdiction, @profile, @terms)
            ON CONFLICT (billing_account_id) DO NOTHING
            """,
            new
            {
                terms.Id, terms.CustomerId, day = (short)terms.BillCycleDay, billingPeriod, anchor = (short)(months == 1 ? 1 : options.LocalDate(clock.GetUtcNow()).Month),
                terms.Currency, jurisdiction = terms.Country ?? profile, profile, terms = (short)options.PaymentTermsDays,
            }, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    public async Task<bool> AddOneTimeAsync(OneTimeChargeRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await InsertChargeAsync(conn, request.BillingAccountId, request.Kind, request.SourceId, request.Description, request.Amount, request.TaxCategory, null, null, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Money>> RecordLifecycleChangeAsync(LifecycleChange change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        BillingDapper.Ensure();
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var p = await conn.QuerySingleOrDefaultAsync<(short Day, short Months, short Anchor, string Currency)?>(new CommandDefinition(
            "SELECT bill_cycle_day, period_months, anchor_month, trim(currency) FROM hub.billing_profile WHERE billing_account_id = @BillingAccountId", change, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"billing profile of account {change.BillingAccountId}", "billingAccountId", "BILLING-PROFILE-NOT-FOUND");
        var cycle = new BillingCycle(p.Day, p.Months, p.Anchor);
        var period = cycle.PeriodContaining(change.From);
        if (change.From == period.Start && !await PeriodBilledAsync(conn, change.BillingAccountId, period, ct).ConfigureAwait(false))
        {
            // The change takes effect as its period starts, and the bill run has not billed that period yet: the run rates the
            // subscription as it then is (a suspended or terminated one is not charged ahead), so there is nothing to prorate.
            return [];
        }

        var plans = (await rating.PlansAsync(ct).ConfigureAwait(false)).ToDictionary(x => x.Id);
        decimal PriceOf(Guid planId) => plans.TryGetValue(planId, out var plan)
            ? Proration.Round(plan.Price.Amount * p.Months / BillingCycle.MonthsOf(plan.BillingPeriod))
            : throw new NotFoundException($"plan {planId}", "planId");
        string CodeOf(Guid planId) => plans[planId].Code;

        var lines = change.Kind switch
        {
            "upgrade" or "downgrade" => Proration.PlanChange(PriceOf(change.OldPlanId), PriceOf(change.NewPlanId ?? throw new RequestInvalidException("newPlanId", "a plan change names the new plan")), period, change.From)
                .Select((l, i) => (l, i == 0 ? $"{CodeOf(change.OldPlanId)} credit from {l.From:yyyy-MM-dd} ({change.Kind})" : $"{CodeOf(change.NewPlanId!.Value)} from {l.From:yyyy-MM-dd} ({change.Kind})")).ToList(),
            "suspension" => [(Proration.Suspension(PriceOf(change.OldPlanId), period, change.From, change.To), $"{CodeOf(change.OldPlanId)} suspended {change.From:yyyy-MM-dd}: credit")],
            "restore" => [(Proration.MidCycleStart(PriceOf(change.OldPlanId), period, change.From), $"{CodeOf(change.OldPlanId)} restored {change.From:yyyy-MM-dd}")],
            "cancellation" => [(Proration.Cancellation(PriceOf(change.OldPlanId), period, change.From), $"{CodeOf(change.OldPlanId)} cancelled {change.From:yyyy-MM-dd}: credit")],
            "addon_add" => [(Proration.MidCycleStart(AddOnPrice(), period, change.From), $"{AddOnName()} added {change.From:yyyy-MM-dd}")],
            "addon_remove" => [(Proration.Cancellation(AddOnPrice(), period, change.From), $"{AddOnName()} removed {change.From:yyyy-MM-dd}: credit")],
            _ => throw new RequestInvalidException("kind", $"unknown lifecycle change '{change.Kind}' (upgrade, downgrade, suspension, restore, cancellation, addon_add, addon_remove)"),
        };

        // An add-on's price is monthly (the catalog's bouquet and à-la-carte prices): the account's period price is that times its months.
        decimal AddOnPrice() => change.AddOnPrice is { } price
            ? Proration.Round(price.Amount * p.Months)
            : throw new RequestInvalidException("addOnPrice", $"a {change.Kind} change names the add-on's price");
        string AddOnName() => string.IsNullOrWhiteSpace(change.AddOnName) ? throw new RequestInvalidException("addOnName", $"a {change.Kind} change names the add-on") : change.AddOnName;
        if (change.Kind is "suspension" or "restore" or "cancellation")
        {
            // The subscription's priced add-ons go with it: credited from a suspension or a cancellation, charged again from a restore
            // (they were billed in advance with the plan, and a suspended subscription's add-ons are not billed ahead).
            foreach (var (name, price) in await AddOnsLiveOnAsync(change, p.Months, ct).ConfigureAwait(false))
            {
                lines.Add(change.Kind switch
                {
                    "suspension" => (Proration.Suspension(price, period, change.From, change.To), $"{name} suspended {change.From:yyyy-MM-dd}: credit"),
                    "restore" => (Proration.MidCycleStart(price, period, change.From), $"{name} restored {change.From:yyyy-MM-dd}"),
                    _ => (Proration.Cancellation(price, period, change.From), $"{name} cancelled {change.From:yyyy-MM-dd}: credit"),
                });
            }
        }

        var result = new List<Money>();
        foreach (var (line, description) in lines)
        {
            if (line.Amount == 0)
            {
                continue;
            }

            await InsertChargeAsync(conn, change.BillingAccountId, "proration", change.SourceId, description, new Money(line.Amount, p.Currency), TaxCategory.CableService, line.From, line.To, ct).ConfigureAwait(false);
            result.Add(new Money(line.Amount, p.Currency));
        }

        return result;
    }

    /// <summary>
    /// The subscription's add-ons with a price of their own that are live on the change's day (started by then, not ended before it:
    /// a disconnect ends them at its own instant), named and priced for the account's period (monthly catalog price × months).
    /// </summary>
    private async Task<List<(string Name, decimal Price)>> AddOnsLiveOnAsync(LifecycleChange change, int months, CancellationToken ct)
    {
        var held = (await subscriptions.AddOnsForAccountsAsync([change.BillingAccountId], new DateTimeOffset(change.From.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), ct)
                .ConfigureAwait(false))
            .Where(a => a.SubscriptionId == change.SubscriptionId && options.LocalDate(a.ValidFrom) <= change.From && (a.ValidTo is not { } to || options.LocalDate(to) >= change.From))
            .ToList();
        if (held.Count == 0)
        {
            return [];
        }

        var catalog = (await rating.AddOnsAsync(ct).ConfigureAwait(false)).ToDictionary(a => (a.Kind, a.Id));
        var result = new List<(string, decimal)>();
        foreach (var a in held)
        {
            if (catalog.TryGetValue((a.Kind, a.OfferingId), out var facts) && facts.Price is { } price)
            {
                result.Add(($"Add-on {facts.Code} {facts.Name}", Proration.Round(price.Amount * months / BillingCycle.MonthsOf(facts.BillingPeriod))));
            }
        }

        return result;
    }

    /// <summary>Whether a bill run has billed the account for the period (its invoice for the period exists).</summary>
    private static async Task<bool> PeriodBilledAsync(NpgsqlConnection conn, Guid accountId, BillingPeriod period, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM hub.invoice WHERE billing_account_id = @accountId AND bill_run_id IS NOT NULL AND period_start = @start)",
            new { accountId, start = period.Start }, cancellationToken: ct)).ConfigureAwait(false);

    private async Task<bool> InsertChargeAsync(NpgsqlConnection conn, Guid accountId, string kind, Guid sourceId, string description, Money amount, string taxCategory, DateOnly? from, DateOnly? to, CancellationToken ct)
    {
        BillingDapper.Ensure();
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.billing_charge (id, billing_account_id, kind, source_id, description, amount, currency, tax_category, period_start, period_end, charged_at)
            VALUES (@id, @accountId, @kind, @sourceId, @description, @amount, @currency, @taxCategory, @from, @last, @now)
            ON CONFLICT (kind, source_id, description) DO NOTHING
            """,
            new { id = Ids.New(clock), accountId, kind, sourceId, description, amount = amount.Amount, currency = amount.Currency, taxCategory, from, last = to?.AddDays(-1), now = clock.GetUtcNow() },
            cancellationToken: ct)).ConfigureAwait(false) == 1;
    }
}
