using CableHub.Catalog.Contracts;

namespace CableHub.Billing.Engine;

/// <summary>An account to bill: who, in which currency, on which cycle, under which regulator and tax jurisdiction.</summary>
public sealed record AccountToBill(Guid AccountId, Guid CustomerId, string Currency, BillingCycle Cycle, string RegulatoryProfile, string TaxJurisdiction, int PaymentTermsDays = 15);

/// <summary>
/// A subscription as the engine rates it: the plan's price per <see cref="PlanPeriodMonths"/>, status and local service
/// dates (<see cref="End"/> = first day without service), and the plan's channel counts (for the NCF).
/// </summary>
public sealed record RatedSubscription(
    Guid Id, string PlanCode, string PlanName, decimal PlanPrice, int PlanPeriodMonths, string Status, DateOnly? Start, DateOnly? End, int SdChannels = 0, int HdChannels = 0);

/// <summary>
/// An add-on (bouquet or à-la-carte channel) of a subscription: its price per <see cref="PeriodMonths"/> from the catalog and the local
/// dates it is live (<see cref="To"/> = first day without it). Billed in advance with its subscription for a period it is live at
/// the start of; what changes inside a period arrives as the lifecycle's proration charges (add-on added / removed).
/// </summary>
public sealed record RatedAddOn(Guid SubscriptionId, string Kind, string Code, string Name, decimal Price, int PeriodMonths, DateOnly From, DateOnly? To);

/// <summary>A charge waiting for the next bill (one-time, proration of a lifecycle change, adjustment). Credits are negative.</summary>
public sealed record PendingCharge(Guid Id, string Kind, string Description, decimal Amount, string TaxCategory, DateOnly? From = null, DateOnly? To = null);

/// <summary>A recurring item other than a subscription (equipment rental), priced per month.</summary>
public sealed record RecurringItem(Guid Id, string Kind, string Description, decimal MonthlyAmount, string TaxCategory, DateOnly Start, DateOnly? End);

/// <summary>A discount or promotion on the plan charges (percentage, fixed, free months, bundle).</summary>
public sealed record Discount(Guid Id, string Kind, string Description, decimal? Percent, decimal? Amount, int? Months, string? PlanCode, DateOnly ValidFrom, DateOnly? ValidTo);

/// <summary>A tax on a charge category in the account's jurisdiction (India: GST 18 % on cable services).</summary>
public sealed record TaxRule(string Category, string Name, decimal Rate);

/// <summary>What the engine needs besides the account's own data: the NCF terms (India) and the taxes of each jurisdiction.</summary>
public sealed record RatingContext(NetworkCapacityFeeTerms? NetworkCapacityFee, IReadOnlyDictionary<string, IReadOnlyList<TaxRule>> TaxesByJurisdiction)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaxGroup[]> _groups = new(StringComparer.Ordinal);

    public IReadOnlyList<TaxRule> TaxesOf(string jurisdiction) => TaxesByJurisdiction.TryGetValue(jurisdiction, out var rules) ? rules : [];

    /// <summary>The jurisdiction's taxes grouped by name and rate (one tax line each), computed once per jurisdiction.</summary>
    internal TaxGroup[] TaxGroupsOf(string jurisdiction) => _groups.GetOrAdd(jurisdiction, j =>
        TaxesOf(j).GroupBy(r => (r.Name, r.Rate)).Select(g => new TaxGroup(g.Key.Name, g.Key.Rate, g.Select(r => r.Category).ToHashSet(StringComparer.Ordinal))).ToArray());
}

/// <summary>One tax line's rule: its name and rate, and the charge categories it applies to.</summary>
internal sealed record TaxGroup(string Name, decimal Rate, HashSet<string> Categories);

/// <summary>Line kinds.</summary>
public static class LineKind
{
    public const string Recurring = "recurring";
    public const string Proration = "proration";
    public const string NetworkCapacityFee = "ncf";
    public const string EquipmentRental = "equipment_rental";
    public const string OneTime = "one_time";
    public const string Adjustment = "adjustment";
    public const string Discount = "discount";
    public const string Tax = "tax";
    public const string AllInVideoPrice = "all_in_video_price";
    public const string Credit = "credit";
}

/// <summary>Tax categories of charges.</summary>
public static class TaxCategory
{
    public const string CableService = "cable_service";
    public const string Vod = "vod";
    public const string Equipment = "equipment";
}

/// <summary>An invoice line before it has a number (<see cref="Informational"/> lines do not count in the totals).</summary>
public sealed record LineDraft(
    string Kind, string Description, decimal Amount, string? TaxCategory = null, decimal? TaxRate = null, DateOnly? From = null, DateOnly? To = null,
    Guid? SubscriptionId = null, bool Informational = false);

/// <summary>An invoice computed for one account and period: its lines and totals, and the pending charges it bills.</summary>
public sealed record InvoiceDraft(AccountToBill Account, BillingPeriod Period, IReadOnlyList<LineDraft> Lines, decimal Subtotal, decimal TaxTotal, IReadOnlyList<Guid> BilledChargeIds)
{
    public decimal Total => Subtotal + TaxTotal;
}
