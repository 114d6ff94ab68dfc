using CableHub.Core.Errors;

namespace CableHub.Catalog;

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

/// <summary>
/// A catalog change was refused; nothing was written. Answered through the one problem mapping: 400 when every violation
/// is about the request's shape (<c>…-INVALID</c>), 404 when every one names something missing (<c>…-NOT-FOUND</c>),
/// else 422 (the request is well-formed but breaks a catalog rule).
/// </summary>
public sealed class CatalogRuleException(IReadOnlyList<CatalogRuleViolation> violations)
    : DomainException(KindOf(violations), TitleOf(violations), violations.Select(v => new DomainError(v.Code, v.Message, v.Field)).ToList())
{
    public const string RuleProblemType = "https://cablehub.dev/problems/catalog-rule";

    public CatalogRuleException(CatalogRuleViolation violation)
        : this([violation])
    {
    }

    public IReadOnlyList<CatalogRuleViolation> Violations { get; } = violations;

    /// <summary>Every violation as <c>CODE: message</c>.</summary>
    public override string Message => Violations.Count == 0 ? "catalog rule violated" : string.Join("; ", Violations.Select(v => v.ToString()));

    public override string? ProblemType => Kind == ErrorKind.RuleViolated ? RuleProblemType : null;

    private static ErrorKind KindOf(IReadOnlyList<CatalogRuleViolation> violations) =>
        ErrorCodes.KindOf(violations.Select(v => new DomainError(v.Code, v.Message, v.Field)).ToList());

    private static string TitleOf(IReadOnlyList<CatalogRuleViolation> violations) => KindOf(violations) switch
    {
        ErrorKind.Invalid => "The request is invalid",
        ErrorKind.NotFound => "Something the request names does not exist",
        _ => $"The change breaks {(violations.Count == 1 ? "a catalog rule" : "catalog rules")}: {string.Join(", ", violations.Select(v => v.Code).Distinct())}",
    };
}
