using CableHub.Billing.Engine;
using CableHub.Catalog.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Billing.BillRuns;

/// <summary>The rating data of a run, read once: plans, add-ons (bouquets and channels by kind + id), taxes, NCF terms.</summary>
internal sealed record RatingData(IReadOnlyDictionary<Guid, PlanRatingFacts> Plans, RatingContext Context, IReadOnlyDictionary<(string Kind, Guid Id), AddOnRatingFacts>? AddOns = null);

/// <summary>One account's inputs for the engine.</summary>
internal sealed record AccountInputs(
    AccountToBill Account, List<RatedSubscription> Subscriptions, List<PendingCharge> Charges, List<RecurringItem> Items, List<Discount> Discounts, List<RatedAddOn> AddOns);

/// <summary>
/// Reads what the engine needs in bulk: the due accounts of a chunk (own table), their subscriptions and add-ons (Subscriptions'
/// contract, one query each per chunk; add-ons priced from the catalog's <see cref="IPlanRating.AddOnsAsync"/>), pending charges, recurring items and discounts (own tables, one query each per chunk).
/// </summary>
public sealed class BillingInputs(NpgsqlDataSource dataSource, IPlanRating rating, IBillableSubscriptions subscriptions, BillingOptions options)
{
    internal async Task<RatingData> RatingDataAsync(CancellationToken ct)
    {
        var plans = (await rating.PlansAsync(ct).ConfigureAwait(false)).ToDictionary(p => p.Id);
        var addOns = (await rating.AddOnsAsync(ct).ConfigureAwait(false)).ToDictionary(a => (a.Kind, a.Id));
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var taxes = (await conn.QueryAsync<(string Jurisdiction, string Category, string Name, decimal Rate)>(new CommandDefinition(
                "SELECT DISTINCT ON (jurisdiction, category, name) jurisdiction, category, name, rate FROM hub.tax_rate WHERE valid_from <= current_date ORDER BY jurisdiction, category, name, valid_from DESC",
                cancellationToken: ct)).ConfigureAwait(false))
            .GroupBy(t => t.Jurisdiction)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<TaxRule>)g.Select(t => new TaxRule(t.Category, t.Name, t.Rate)).ToList());
        return new RatingData(plans, new RatingContext(rating.Rules.NetworkCapacityFee, taxes), addOns);
    }

    /// <summary>SQL condition: the profile's period starts on @runDate (cycle day, clamped in short months; period months from the anchor).</summary>
    internal const string DueOn =
        """
        p.status = 'active'
        AND (p.bill_cycle_day = @day OR (@lastDayOfMonth AND p.bill_cycle_day > @day))
        AND ((@month - p.anchor_month + 12) % p.period_months) = 0
        """;

    internal static object DueParameters(DateOnly runDate) => new
    {
        day = (short)runDate.Day,
        lastDayOfMonth = runDate.Day == DateTime.DaysInMonth(runDate.Year, runDate.Month),
        month = runDate.Month,
        runDate,
    };

    /// <summary>How many accounts are due on the date, and how many of them already have their invoice for the period.</summary>
    internal static async Task<(int Due, int Billed)> CountAsync(NpgsqlConnection conn, DateOnly runDate, CancellationToken ct) =>
        await conn.QuerySingleAsync<(int, int)>(new CommandDefinition(
            $"""
            SELECT count(*)::int, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM hub.invoice i WHERE i.billing_account_id = p.billing_account_id AND i.bill_run_id IS NOT NULL AND i.period_start = @runDate))::int
            FROM hub.billing_profile p WHERE {DueOn}
            """, DueParameters(runDate), cancellationToken: ct)).ConfigureAwait(false);

    /// <summary>The next chunk of due accounts without an invoice for the period, in account id order after <paramref name="after"/>.</summary>
    internal async Task<List<AccountToBill>> DueAccountsAsync(NpgsqlConnection conn, DateOnly runDate, Guid after, int limit, CancellationToken ct)
    {
        var rows = await conn.QueryAsync<ProfileRow>(new CommandDefinition(
            $"""
            SELECT p.billing_account_id AS accountid, p.customer_id AS customerid, trim(p.currency) AS currency, p.bill_cycle_day AS cycleday, p.period_months AS periodmonths,
                   p.anchor_month AS anchormonth, p.regulatory_profile AS regulatoryprofile, p.tax_jurisdiction AS taxjurisdiction, p.payment_terms_days AS paymenttermsdays
            FROM hub.billing_profile p
            WHERE {DueOn} AND p.billing_account_id > @after
              AND NOT EXISTS (SELECT 1 FROM hub.invoice i WHERE i.billing_account_id = p.billing_account_id AND i.bill_run_id IS NOT NULL AND i.period_start = @runDate)
            ORDER BY p.billing_account_id
            LIMIT @limit
            """,
            new { day = (short)runDate.Day, lastDayOfMonth = runDate.Day == DateTime.DaysInMonth(runDate.Year, runDate.Month), month = runDate.Month, runDate, after, limit },
            cancellationToken: ct)).ConfigureAwait(false);
        return rows.Select(r => r.ToAccount()).ToList();
    }

    /// <summary>The engine inputs of a chunk of accounts (four bulk reads).</summary>
    internal async Task<List<AccountInputs>> InputsAsync(IReadOnlyList<AccountToBill> accounts, RatingData data, DateOnly runDate, CancellationToken ct)
    {
        var ids = accounts.Select(a => a.AccountId).ToArray();
        var byAccount = new Dictionary<Guid, AccountInputs>(accounts.Count);
        foreach (var a in accounts)
        {
            byAccount[a.AccountId] = new AccountInputs(a, [], [], [], [], []);
        }

        var subsTask = subscriptions.ForAccountsAsync(ids, ct);
        // Add-ons that ended before the period start (a day earlier, whatever the zone) are history: only those live at its start are billed.
        var addOnsTask = subscriptions.AddOnsForAccountsAsync(ids, new DateTimeOffset(runDate.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), ct);
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            // One round trip for the three own tables.
            using var multi = await conn.QueryMultipleAsync(new CommandDefinition(
                """
                SELECT id, billing_account_id AS accountid, kind, description, amount, tax_category AS taxcategory, period_start AS periodstart, period_end AS periodend
                FROM hub.billing_charge WHERE billing_account_id = ANY(@ids) AND status = 'unbilled' ORDER BY charged_at, id;
                SELECT id, billing_account_id AS accountid, kind, description, monthly_amount AS monthlyamount, tax_category AS taxcategory, start_date AS startdate, end_date AS enddate
                FROM hub.billing_recurring_item WHERE billing_account_id = ANY(@ids);
                SELECT id, billing_account_id AS accountid, kind, description, percent, amount, months::int AS months, plan_code AS plancode, valid_from AS validfrom, valid_to AS validto
                FROM hub.billing_discount WHERE billing_account_id = ANY(@ids);
                """, new { ids }, cancellationToken: ct)).ConfigureAwait(false);
            foreach (var c in await multi.ReadAsync<ChargeRow>().ConfigureAwait(false))
            {
                byAccount[c.AccountId].Charges.Add(new PendingCharge(c.Id, c.Kind, c.Description, c.Amount, c.TaxCategory, c.PeriodStart, c.PeriodEnd?.AddDays(1)));
            }

            foreach (var i in await multi.ReadAsync<ItemRow>().ConfigureAwait(false))
            {
                byAccount[i.AccountId].Items.Add(new RecurringItem(i.Id, i.Kind, i.Description, i.MonthlyAmount, i.TaxCategory, i.StartDate, i.EndDate));
            }

            foreach (var d in await multi.ReadAsync<DiscountRow>().ConfigureAwait(false))
            {
                byAccount[d.AccountId].Discounts.Add(new Discount(d.Id, d.Kind, d.Description, d.Percent, d.Amount, d.Months, d.PlanCode, d.ValidFrom, d.ValidTo));
            }
        }

        foreach (var s in await subsTask.ConfigureAwait(false))
        {
            if (!byAccount.TryGetValue(s.BillingAccountId, out var inputs) || !data.Plans.TryGetValue(s.PlanId, out var plan))
            {
                continue;
            }

            inputs.Subscriptions.Add(new RatedSubscription(s.Id, plan.Code, plan.Name, plan.Price.Amount, BillingCycle.MonthsOf(plan.BillingPeriod), s.Status,
                s.StartAt is { } st ? options.LocalDate(st) : null, s.EndAt is { } en ? options.LocalDate(en) : null, plan.SdChannels, plan.HdChannels));
        }

        foreach (var a in await addOnsTask.ConfigureAwait(false))
        {
            if (!byAccount.TryGetValue(a.BillingAccountId, out var inputs) || data.AddOns is null || !data.AddOns.TryGetValue((a.Kind, a.OfferingId), out var facts)
                || facts.Price is not { } price)
            {
                continue; // an add-on not sold on its own (included in the plan) has no charge
            }

            inputs.AddOns.Add(new RatedAddOn(a.SubscriptionId, a.Kind, facts.Code, facts.Name, price.Amount, BillingCycle.MonthsOf(facts.BillingPeriod),
                options.LocalDate(a.ValidFrom), a.ValidTo is { } to ? options.LocalDate(to) : null));
        }

        return accounts.Select(a => byAccount[a.AccountId]).ToList();
    }

    private sealed record ProfileRow(Guid AccountId, Guid CustomerId, string Currency, short CycleDay, short PeriodMonths, short AnchorMonth, string RegulatoryProfile, string TaxJurisdiction, short PaymentTermsDays)
    {
        public AccountToBill ToAccount() => new(AccountId, CustomerId, Currency, new BillingCycle(CycleDay, PeriodMonths, AnchorMonth), RegulatoryProfile, TaxJurisdiction, PaymentTermsDays);
    }

    private sealed record ChargeRow(Guid Id, Guid AccountId, string Kind, string Description, decimal Amount, string TaxCategory, DateOnly? PeriodStart, DateOnly? PeriodEnd);

    private sealed record ItemRow(Guid Id, Guid AccountId, string Kind, string Description, decimal MonthlyAmount, string TaxCategory, DateOnly StartDate, DateOnly? EndDate);

    private sealed record DiscountRow(Guid Id, Guid AccountId, string Kind, string Description, decimal? Percent, decimal? Amount, int? Months, string? PlanCode, DateOnly ValidFrom, DateOnly? ValidTo);
}
