namespace CableHub.Core.Errors;

/// <summary>
/// A failure the caller can act on, raised by a module's domain or store and answered with ONE mapping for the whole API
/// (<c>CableHub.Core.Api.ProblemMapping</c>): <see cref="RequestInvalidException"/> 400, <see cref="RuleViolationException"/>
/// 422, <see cref="NotFoundException"/> 404, <see cref="StateConflictException"/> 409. Every error names what it is about
/// (<see cref="DomainError.Field"/>) with a stable code.
/// </summary>
public abstract class DomainException : Exception
{
    protected DomainException(ErrorKind kind, string title, IReadOnlyList<DomainError> errors)
        : base(errors switch
        {
            { Count: 1 } => errors[0].Message,
            { Count: > 1 } => string.Join("; ", errors.Select(e => e.ToString())),
            _ => title,
        })
    {
        Kind = kind;
        Title = title;
        Errors = errors ?? [];
    }

    /// <summary>What kind of failure it is: decides the HTTP status through the one mapping.</summary>
    public ErrorKind Kind { get; }

    /// <summary>The problem document's <c>type</c> URI when it is more specific than the kind's (null: the kind's).</summary>
    public virtual string? ProblemType => null;

    /// <summary>More members of the problem document (e.g. the id of a failed import and the line of the fault).</summary>
    public virtual IReadOnlyDictionary<string, object?>? Extensions => null;

    /// <summary>A sentence of detail for the problem document (null: the errors say it all).</summary>
    public virtual string? Detail => null;

    /// <summary>One sentence for the problem document's title.</summary>
    public string Title { get; }

    public IReadOnlyList<DomainError> Errors { get; }
}

/// <summary>The kinds of failure the API distinguishes (each one HTTP status, the same in every module).</summary>
public enum ErrorKind
{
    /// <summary>Malformed or incomplete request: 400.</summary>
    Invalid,

    /// <summary>Well-formed, but a business rule says no: 422.</summary>
    RuleViolated,

    /// <summary>Something named does not exist: 404.</summary>
    NotFound,

    /// <summary>The current state does not allow the change: 409.</summary>
    Conflict,
}

/// <summary>One thing wrong: a stable code (<c>IN-BOUQUET-85</c>, <c>DEVICE-LIFECYCLE</c>), what it is about (a field or JSON path; null = the whole request) and why.</summary>
public sealed record DomainError(string Code, string Message, string? Field = null)
{
    public override string ToString() => Field is null ? $"{Code}: {Message}" : $"{Code} ({Field}): {Message}";
}

/// <summary>The request is malformed or incomplete (a value of the wrong shape, a required field missing): 400.</summary>
public class RequestInvalidException : DomainException
{
    public RequestInvalidException(IReadOnlyList<DomainError> errors, string title = "The request is invalid")
        : base(ErrorKind.Invalid, title, errors)
    {
    }

    public RequestInvalidException(string field, string message, string code = "")
        : this([new DomainError(code, message, field)])
    {
    }
}

/// <summary>The request is well-formed but breaks a business rule (catalog rules, inventory rules, VOD rights): 422.</summary>
public class RuleViolationException : DomainException
{
    public RuleViolationException(IReadOnlyList<DomainError> errors, string title = "The request breaks a business rule")
        : base(ErrorKind.RuleViolated, title, errors)
    {
    }
}

/// <summary>Something the request names does not exist: 404.</summary>
public class NotFoundException : DomainException
{
    public NotFoundException(string what, string? field = null, string code = "NOT-FOUND")
        : base(ErrorKind.NotFound, $"{what} was not found", [new DomainError(code, $"{what} does not exist", field)])
    {
    }

    public NotFoundException(IReadOnlyList<DomainError> errors, string title = "Something the request names does not exist")
        : base(ErrorKind.NotFound, title, errors)
    {
    }
}

/// <summary>The resource's current state does not allow the change (a lifecycle step not allowed, a price already in force): 409.</summary>
public class StateConflictException : DomainException
{
    public StateConflictException(IReadOnlyList<DomainError> errors, string title = "The change conflicts with the current state")
        : base(ErrorKind.Conflict, title, errors)
    {
    }

    public StateConflictException(string code, string message, string? field = null, string title = "The change conflicts with the current state")
        : this([new DomainError(code, message, field)], title)
    {
    }
}

/// <summary>
/// The convention of rule codes across modules: a code ending <c>-INVALID</c> is about the request's shape (400), one
/// ending <c>-NOT-FOUND</c> names something missing (404); any other code is a business rule (422).
/// </summary>
public static class ErrorCodes
{
    /// <summary>Invalid when every error is <c>…-INVALID</c>, NotFound when every one is <c>…-NOT-FOUND</c>, else RuleViolated.</summary>
    public static ErrorKind KindOf(IReadOnlyCollection<DomainError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count > 0 && errors.All(e => e.Code.EndsWith("-INVALID", StringComparison.Ordinal)) ? ErrorKind.Invalid
            : errors.Count > 0 && errors.All(e => e.Code.EndsWith("-NOT-FOUND", StringComparison.Ordinal)) ? ErrorKind.NotFound
            : ErrorKind.RuleViolated;
    }
}
