using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CableHub.Core.Api;

/// <summary>
/// The seam for reading decrypted personal data (names, birth date, e-mail, phone, street) over the API. Resources that
/// hold personal data (TMF629 customer) ask <see cref="MayReadAsync"/> before they decrypt and, when they return it,
/// record the read through <see cref="RecordReadAsync"/>. The default, <see cref="DenyPersonalDataAccess"/>, denies
/// everyone: resources answer without the personal fields.
/// </summary>
/// <remarks>
/// TODO(identity, issue 9): bind this to the identity module — allow callers holding the <c>personal-data.read</c>
/// permission (staff by role, a subscriber for their own customer only) and write each read to the append-only access
/// audit (actor from the token, time, source address, route, subject). Register the implementation in place of the
/// default (<c>services.Replace(ServiceDescriptor.Singleton&lt;IPersonalDataAccess, …&gt;())</c>).
/// </remarks>
public interface IPersonalDataAccess
{
    /// <summary>Whether the caller of <paramref name="http"/> may read the decrypted personal data of customer <paramref name="subjectId"/>.</summary>
    ValueTask<bool> MayReadAsync(HttpContext http, Guid subjectId, CancellationToken ct);

    /// <summary>Records that decrypted personal data was returned to the caller (access audit).</summary>
    ValueTask RecordReadAsync(HttpContext http, PersonalDataRead read, CancellationToken ct);
}

/// <summary>One read of decrypted personal data: which resource, whose data, which fields, when (UTC).</summary>
public sealed record PersonalDataRead(string Resource, Guid SubjectId, IReadOnlyList<string> Fields, DateTimeOffset At);

/// <summary>
/// The default <see cref="IPersonalDataAccess"/> until identity binds the <c>personal-data.read</c> permission: nobody may
/// read decrypted personal data over the API; a read, should one be recorded, is logged.
/// </summary>
public sealed class DenyPersonalDataAccess(ILogger<DenyPersonalDataAccess> logger) : IPersonalDataAccess
{
    public ValueTask<bool> MayReadAsync(HttpContext http, Guid subjectId, CancellationToken ct) => ValueTask.FromResult(false);

    public ValueTask RecordReadAsync(HttpContext http, PersonalDataRead read, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(read);
        logger.LogInformation("Personal data read: {Resource} {Subject} fields {Fields} by {Actor} on {Path}",
            read.Resource, read.SubjectId, string.Join(",", read.Fields), Roles.Actor(http), http.Request.Path.Value);
        return ValueTask.CompletedTask;
    }
}
