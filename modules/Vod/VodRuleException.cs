namespace CableHub.Vod;

/// <summary>
/// A VOD change or purchase was refused; nothing was written. Codes are VOD-* (<see cref="VodRuleCodes"/>); the kind follows
/// the code convention (<see cref="ErrorCodes"/>): 400, 404 or 422 with the catalog's rule problem type.
/// </summary>
public sealed class VodRuleException(IReadOnlyList<DomainError> violations)
    : DomainException(ErrorCodes.KindOf(violations), TitleOf(violations), violations)
{
    public const string RuleProblemType = "https://cablehub.dev/problems/catalog-rule";

    public override string? ProblemType => Kind == ErrorKind.RuleViolated ? RuleProblemType : null;

    private static string TitleOf(IReadOnlyList<DomainError> violations) => ErrorCodes.KindOf(violations) switch
    {
        ErrorKind.Invalid => "The request is invalid",
        ErrorKind.NotFound => "Something the request names does not exist",
        _ => $"The request breaks {(violations.Count == 1 ? "a VOD rule" : "VOD rules")}: {string.Join(", ", violations.Select(v => v.Code).Distinct())}",
    };
}
