using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Core.Api;

/// <summary>
/// The seam for reading decrypted personal data (names, birth date, e-mail, phone, street) over the API. Resources that
/// hold personal data (TMF629 customer) ask <see cref="MayReadAsync"/> before they decrypt and, when they return it,
/// record the read through <see cref="RecordReadAsync"/>; otherwise they answer without the personal fields. The hub's
/// implementation is <see cref="TokenPersonalDataAccess"/> (the <c>personal-data.read</c> rule and the access audit).
/// </summary>
public interface IPersonalDataAccess
{
    /// <summary>Whether the caller of <paramref name="http"/> may read the decrypted personal data of customer <paramref name="subjectId"/>.</summary>
    ValueTask<bool> MayReadAsync(HttpContext http, Guid subjectId, CancellationToken ct);

    /// <summary>Records that decrypted personal data was returned to the caller (access audit).</summary>
    ValueTask RecordReadAsync(HttpContext http, PersonalDataDisclosure read, CancellationToken ct);
}

/// <summary>One disclosure of decrypted personal data: which resource, whose data, which fields, when (UTC).</summary>
public sealed record PersonalDataDisclosure(string Resource, Guid SubjectId, IReadOnlyList<string> Fields, DateTimeOffset At);

/// <summary>
/// Personal data by token: a caller the <see cref="HubPolicies.PersonalDataRead"/> rule admits (customer-service and
/// compliance-officer staff, clients with <c>personal-data:read</c>), a subscriber for their own customer only. Each
/// disclosure goes to the append-only access audit (<see cref="IAccessAuditSink"/>: actor from the token, time, route,
/// subject, fields); where no audit sink is registered nothing is disclosed, so no read goes unrecorded.
/// </summary>
public sealed class TokenPersonalDataAccess : IPersonalDataAccess
{
    public ValueTask<bool> MayReadAsync(HttpContext http, Guid subjectId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var user = http.User;
        var allowed = http.RequestServices.GetService<IAccessAuditSink>() is not null
            && HubPolicies.PersonalDataRead.Allows(user)
            && (HubPrincipal.KindOf(user) != HubClaims.Subscriber || HubPrincipal.CustomerIdOf(user) == subjectId);
        return ValueTask.FromResult(allowed);
    }

    public async ValueTask RecordReadAsync(HttpContext http, PersonalDataDisclosure read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(read);
        var audit = http.RequestServices.GetService<IAccessAuditSink>()
            ?? throw new InvalidOperationException("personal data was disclosed without an access audit sink");
        await audit.PersonalDataReadAsync(http, $"{read.Resource} {read.SubjectId}: {string.Join(",", read.Fields)}", ct).ConfigureAwait(false);
    }
}
