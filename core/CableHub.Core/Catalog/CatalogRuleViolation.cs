namespace CableHub.Core.Catalog;

/// <summary>
/// A catalog change breaks a rule. <see cref="Code"/> names the rule (<c>IN-BOUQUET-85</c> for a profile rule,
/// <c>CAT-…</c> for one that holds everywhere); <see cref="Message"/> gives the numbers; <see cref="Field"/> is the
/// request field at fault when there is one.
/// </summary>
public sealed record CatalogRuleViolation(string Code, string Message, string? Field = null)
{
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Rule codes that do not depend on the regulatory profile.</summary>
public static class CatalogRuleCodes
{
    public const string CodeTaken = "CAT-CODE-TAKEN";
    public const string NotFound = "CAT-NOT-FOUND";
    public const string Currency = "CAT-CURRENCY";
    public const string Validity = "CAT-VALIDITY";
    public const string BouquetEmpty = "CAT-BOUQUET-EMPTY";
    public const string BouquetPriceMissing = "CAT-BOUQUET-PRICE";
    public const string ChannelRetired = "CAT-CHANNEL-RETIRED";
    public const string HdPairing = "CAT-HD-PAIRING";
    public const string PriceInPast = "CAT-PRICE-IN-PAST";
    public const string PriceUnchanged = "CAT-PRICE-UNCHANGED";
    public const string LcnTaken = "CAT-LCN-TAKEN";
}

/// <summary>A catalog change was refused; nothing was written.</summary>
public sealed class CatalogRuleException : Exception
{
    public CatalogRuleException(IReadOnlyList<CatalogRuleViolation> violations)
        : base(Describe(violations))
    {
        Violations = violations;
    }

    public CatalogRuleException(CatalogRuleViolation violation)
        : this([violation])
    {
    }

    public CatalogRuleException()
        : this([])
    {
    }

    public CatalogRuleException(string message)
        : this([new CatalogRuleViolation("CAT-INVALID", message)])
    {
    }

    public CatalogRuleException(string message, Exception innerException)
        : base(message, innerException)
    {
        Violations = [new CatalogRuleViolation("CAT-INVALID", message)];
    }

    public IReadOnlyList<CatalogRuleViolation> Violations { get; }

    private static string Describe(IReadOnlyList<CatalogRuleViolation> violations) =>
        violations is null || violations.Count == 0
            ? "catalog rule violated"
            : string.Join("; ", violations.Select(v => v.ToString()));
}
