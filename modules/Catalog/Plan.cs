namespace CableHub.Catalog;

/// <summary>A plan customers subscribe to (TMF620 productOffering with one recurring productOfferingPrice).</summary>
public sealed record Plan(Guid Id, string Code, string Name, string Description, Money Price, string BillingPeriod, string Status)
{
    public bool IsSellable => Status == PlanStatus.Active;
}

/// <summary>Recurring charge periods seen in the field (TMF620 recurringChargePeriodType).</summary>
public static class BillingPeriod
{
    public const string Monthly = "monthly";
    public const string Quarterly = "quarterly";
    public const string Semiannual = "semiannual";
    public const string Annual = "annual";

    public static IReadOnlyList<string> All { get; } = [Monthly, Quarterly, Semiannual, Annual];

    /// <summary>Length of one period in months.</summary>
    public static int Months(string period) => period switch
    {
        Monthly => 1,
        Quarterly => 3,
        Semiannual => 6,
        Annual => 12,
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, "unknown billing period"),
    };
}

public static class PlanStatus
{
    public const string Active = "active";
    public const string Retired = "retired";
}
