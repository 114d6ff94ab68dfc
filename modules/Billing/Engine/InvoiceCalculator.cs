using System.Globalization;

namespace CableHub.Billing.Engine;

/// <summary>
/// Computes an account's invoice for a period (pure: no I/O; the bill run calls it for thousands of accounts in memory).
/// Recurring charges (the plan, and the subscription's add-ons live at the period start) are billed in advance for the period; the previous period is settled in arrears where it differed
/// from what was billed: a mid-cycle start is charged from its first day (up to its end if it ended then). Lifecycle changes inside
/// a billed period (upgrade, downgrade, suspension, restore, cancellation, add-ons) arrive as pending proration charges only — the
/// calculator credits no cancellation itself, so a subscription cancelled mid-cycle is credited exactly once. Then discounts on
/// the plan charges, then taxes per category of the account's jurisdiction, rounded once per tax on the taxable sum. India
/// adds the network capacity fee per connection; the US profile prints the all-in video price first.
/// </summary>
public static class InvoiceCalculator
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static InvoiceDraft Compute(
        AccountToBill account,
        BillingPeriod period,
        IReadOnlyList<RatedSubscription> subscriptions,
        IReadOnlyList<PendingCharge> charges,
        IReadOnlyList<RecurringItem> items,
        IReadOnlyList<Discount> discounts,
        RatingContext context,
        IReadOnlyList<RatedAddOn>? addOns = null)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(subscriptions);
        ArgumentNullException.ThrowIfNull(charges);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(discounts);
        ArgumentNullException.ThrowIfNull(context);
        var months = account.Cycle.PeriodMonths;
        var previous = account.Cycle.Previous(period);
        var lines = new List<LineDraft>(8);
        var planBase = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var inAdvance = 0;

        foreach (var s in subscriptions)
        {
            var price = Proration.Round(s.PlanPrice * months / s.PlanPeriodMonths);
            var ncf = context.NetworkCapacityFee is { } terms && account.RegulatoryProfile == "IN" ? terms.MonthlyFee(s.SdChannels, s.HdChannels) * months : (decimal?)null;
            var before = lines.Count;
            (DateOnly From, DateOnly To)? advance = null;
            if (s.Start is not { } start || s.Status is "created" or "pending_active" or "cancelled")
            {
                continue;
            }

            // The previous period, in arrears: a start inside it is charged from its day. A cancellation inside a period billed in
            // advance is credited by the lifecycle's `cancellation` charge (with the subscription's add-ons), never here as well.
            if (start < period.Start)
            {
                var billedInAdvance = start <= previous.Start;
                if (!billedInAdvance)
                {
                    var to = s.End is { } e && e < previous.End ? e : previous.End;
                    if (to > start)
                    {
                        Add(lines, LineKind.Proration, $"{s.PlanCode} {s.PlanName}, from {start:yyyy-MM-dd} ({previous.OverlapDays(start, to)}/{previous.Days} days)",
                            Proration.Prorate(price, previous, start, to), TaxCategory.CableService, start, to, s.Id);
                        if (ncf is { } fee)
                        {
                            Add(lines, LineKind.NetworkCapacityFee, $"Network capacity fee, from {start:yyyy-MM-dd}", Proration.Prorate(fee, previous, start, to), TaxCategory.CableService, start, to, s.Id);
                        }
                    }
                }
            }

            // This period, in advance (active subscriptions only: a suspended one is not charged ahead).
            if (s.Status == "active" && start < period.End && (s.End is null || s.End > period.Start))
            {
                var from = start > period.Start ? start : period.Start;
                var to = s.End is { } e && e < period.End ? e : period.End;
                var full = from == period.Start && to == period.End;
                var label = full ? $"{s.PlanCode} {s.PlanName}" : $"{s.PlanCode} {s.PlanName} ({period.OverlapDays(from, to)}/{period.Days} days)";
                Add(lines, full ? LineKind.Recurring : LineKind.Proration, label, Proration.Prorate(price, period, from, to), TaxCategory.CableService, from, to, s.Id);
                if (ncf is { } fee)
                {
                    Add(lines, LineKind.NetworkCapacityFee, NcfLabel(context, s), Proration.Prorate(fee, period, from, to), TaxCategory.CableService, from, to, s.Id);
                }

                inAdvance++;
                advance = (from, to);
            }

            for (var i = before; i < lines.Count; i++)
            {
                if (lines[i].Kind is LineKind.Recurring or LineKind.Proration)
                {
                    planBase[s.PlanCode] = planBase.GetValueOrDefault(s.PlanCode) + lines[i].Amount;
                }
            }

            if (advance is { } days)
            {
                AddOnsInAdvance(lines, addOns, s, period, months, days.From, days.To); // not plan charges: no plan discount applies
            }
        }

        foreach (var item in items)
        {
            var price = item.MonthlyAmount * months;
            if (item.Start > previous.Start && item.Start < period.Start)
            {
                Add(lines, LineKind.EquipmentRental, $"{item.Description}, from {item.Start:yyyy-MM-dd}", Proration.Prorate(price, previous, item.Start, item.End), item.TaxCategory, item.Start, previous.End);
            }

            if (item.Start < period.End && (item.End is null || item.End > period.Start))
            {
                var from = item.Start > period.Start ? item.Start : period.Start;
                Add(lines, LineKind.EquipmentRental, item.Description, Proration.Prorate(price, period, from, item.End), item.TaxCategory, from, item.End is { } e && e < period.End ? e : period.End);
            }
        }

        foreach (var c in charges)
        {
            Add(lines, c.Kind is "proration" ? LineKind.Proration : c.Kind is "adjustment" ? LineKind.Adjustment : LineKind.OneTime, c.Description, c.Amount, c.TaxCategory, c.From, c.To);
        }

        ApplyDiscounts(lines, discounts, planBase, inAdvance, period);

        var subtotal = 0m;
        foreach (var l in lines)
        {
            subtotal += l.Informational ? 0m : l.Amount;
        }

        var taxTotal = 0m;
        var groups = context.TaxGroupsOf(account.TaxJurisdiction);
        if (groups.Length > 0)
        {
            var count = lines.Count;
            Span<decimal> bases = stackalloc decimal[groups.Length];
            for (var i = 0; i < count; i++)
            {
                var line = lines[i];
                if (line.TaxCategory is not { } cat || line.Informational)
                {
                    continue;
                }

                for (var g = 0; g < groups.Length; g++)
                {
                    if (groups[g].Categories.Contains(cat))
                    {
                        bases[g] += line.Amount;
                        if (line.TaxRate is null)
                        {
                            lines[i] = line = line with { TaxRate = groups[g].Rate };
                        }
                    }
                }
            }

            for (var g = 0; g < groups.Length; g++)
            {
                if (bases[g] == 0)
                {
                    continue;
                }

                var amount = Proration.Round(bases[g] * groups[g].Rate);
                taxTotal += amount;
                lines.Add(new LineDraft(LineKind.Tax, string.Create(Inv, $"{groups[g].Name} on {bases[g]:0.00}"), amount, TaxRate: groups[g].Rate));
            }
        }

        if (account.RegulatoryProfile == "US")
        {
            // FCC 2024 all-in pricing: the aggregate price of the video service first, as one prominent line.
            var video = lines.Where(l => l.SubscriptionId is not null || l.Kind == LineKind.Discount).Sum(l => l.Amount);
            lines.Insert(0, new LineDraft(LineKind.AllInVideoPrice, "Total price of video service (all-in, before taxes)", video, Informational: true));
        }

        return new InvoiceDraft(account, period, lines, subtotal, taxTotal, charges.Select(c => c.Id).ToList());
    }

    /// <summary>
    /// The subscription's add-ons live when the period starts, in advance over the subscription's days of the period (recurring lines,
    /// cable service tax). An add-on added or removed inside a period is the lifecycle's proration charge (added: the rest of the
    /// period charged; removed: the rest credited), so one that starts after the period start, or ended by then, is not billed here.
    /// </summary>
    private static void AddOnsInAdvance(List<LineDraft> lines, IReadOnlyList<RatedAddOn>? addOns, RatedSubscription s, BillingPeriod period, int months, DateOnly from, DateOnly to)
    {
        if (addOns is null)
        {
            return;
        }

        foreach (var a in addOns)
        {
            if (a.SubscriptionId != s.Id || a.From > period.Start || (a.To is { } end && end <= period.Start))
            {
                continue;
            }

            var price = Proration.Round(a.Price * months / a.PeriodMonths);
            var full = from == period.Start && to == period.End;
            var label = full ? $"Add-on {a.Code} {a.Name}" : $"Add-on {a.Code} {a.Name} ({period.OverlapDays(from, to)}/{period.Days} days)";
            Add(lines, LineKind.Recurring, label, Proration.Prorate(price, period, from, to), TaxCategory.CableService, from, to, s.Id);
        }
    }

    private static void ApplyDiscounts(List<LineDraft> lines, IReadOnlyList<Discount> discounts, Dictionary<string, decimal> planBase, int subscriptionsInAdvance, BillingPeriod period)
    {
        var remaining = planBase.Values.Sum();
        foreach (var d in discounts.OrderBy(d => d.ValidFrom).ThenBy(d => d.Id))
        {
            if (remaining <= 0 || d.ValidFrom > period.Start || (d.ValidTo is { } to && to <= period.Start))
            {
                continue;
            }

            var basis = d.PlanCode is { } code ? Math.Min(planBase.GetValueOrDefault(code), remaining) : remaining;
            var amount = d.Kind switch
            {
                "percentage" => Proration.Round(basis * d.Percent!.Value / 100m),
                "fixed" => Math.Min(d.Amount!.Value, basis),
                "free_months" when period.Start < d.ValidFrom.AddMonths(d.Months!.Value) => basis,
                "bundle" when subscriptionsInAdvance >= 2 => Proration.Round(basis * d.Percent!.Value / 100m),
                _ => 0m,
            };
            if (amount <= 0)
            {
                continue;
            }

            remaining -= amount;
            lines.Add(new LineDraft(LineKind.Discount, d.Description, -amount, TaxCategory.CableService));
        }
    }

    private static string NcfLabel(RatingContext context, RatedSubscription s)
    {
        var t = context.NetworkCapacityFee!;
        return string.Create(Inv, $"Network capacity fee ({s.SdChannels} SD + {s.HdChannels} HD × {t.HdWeight} = {s.SdChannels + (s.HdChannels * t.HdWeight)} SD equivalents)");
    }

    private static void Add(List<LineDraft> lines, string kind, string description, decimal amount, string taxCategory, DateOnly? from = null, DateOnly? to = null, Guid? subscriptionId = null) =>
        lines.Add(new LineDraft(kind, description, amount, taxCategory, null, from, to, subscriptionId));
}
