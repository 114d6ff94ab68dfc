using CableHub.Core.Ports;
using CableHub.Subscriptions.Contracts;

namespace CableHub.Audit;

/// <summary>What carrying out a rectification request changed (field names per holder); the request is closed as completed with it.</summary>
public sealed record RectificationOutcome(DataSubjectRequest Request, IReadOnlyList<DataSubjectRectification> Holders);

/// <summary>What carrying out an erasure request did, holder by holder; the request is closed as completed with it.</summary>
public sealed record ErasureOutcome(DataSubjectRequest Request, IReadOnlyList<DataSubjectErasure> Holders);

/// <summary>
/// Carries out data-subject requests: an access request's export (<see cref="IDataSubjectAccessExporter"/>: JSON + PDF,
/// signed, recorded in the audit log; the request stays open until the officer closes it, having handed the files over),
/// an erasure request through every module's <see cref="IDataSubjectEraser"/> (then closed as completed with what each did).
/// Only requests that are open (or extended) and of the right kind are carried out.
/// </summary>
public sealed class DataSubjectRequestActions(DataSubjectRequests log, IEnumerable<IDataSubjectEraser> erasers, IDataSubjectAccessExporter? exporter = null,
    IEnumerable<IDataSubjectRectifier>? rectifiers = null, ISubscriptionLifecycle? subscriptions = null)
{
    /// <summary>Subscription states that no longer need the customer's data for the contract (nothing live on a box).</summary>
    public static readonly IReadOnlySet<string> EndedStates = new HashSet<string>(StringComparer.Ordinal) { "terminated", "cancelled" };

    /// <summary>
    /// Carries out a rectification request: each correction (field → corrected value) goes to the module that owns the field
    /// (<see cref="IDataSubjectRectifier.Fields"/>; a field nobody owns is refused before anything changes), then the request is
    /// closed as completed naming the fields — never the values, which stay encrypted; the audit log has the before/after
    /// rows with the encrypted fields redacted.
    /// </summary>
    public async Task<RectificationOutcome> RectifyAsync(Guid requestId, IReadOnlyDictionary<string, string> corrections, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(corrections);
        var request = await OpenRequestAsync(requestId, "rectification", ct).ConfigureAwait(false);
        var holders = (rectifiers ?? []).ToList();
        if (corrections.Count == 0)
        {
            throw new RequestInvalidException("corrections", $"name at least one field to correct: {string.Join(", ", holders.SelectMany(h => h.Fields))}");
        }

        var unknown = corrections.Keys.Where(k => !holders.Any(h => h.Fields.Contains(k))).ToList();
        if (unknown.Count > 0)
        {
            throw new RequestInvalidException("corrections", $"no module holds {string.Join(", ", unknown)}; fields that can be corrected: {string.Join(", ", holders.SelectMany(h => h.Fields))}");
        }

        var done = new List<DataSubjectRectification>();
        foreach (var holder in holders.Where(h => h.Fields.Any(corrections.ContainsKey)))
        {
            done.Add(await holder.RectifyAsync(request.CustomerId, corrections, actor, ct).ConfigureAwait(false));
        }

        var outcome = "rectified — " + string.Join("; ", done.Select(d => $"{d.Holder}: {string.Join(", ", d.Changed)}"));
        var closed = await log.CloseAsync(request.Id, completed: true, outcome, actor, ct).ConfigureAwait(false);
        return new RectificationOutcome(closed, done);
    }

    public async Task<DataSubjectExport> ExportAsync(Guid requestId, string actor, CancellationToken ct)
    {
        var request = await OpenRequestAsync(requestId, "access", ct).ConfigureAwait(false);
        var export = exporter ?? throw new InvalidOperationException("no access exporter is registered (the host registers the compliance reports' DataSubjectAccessExport)");
        return await export.ExportAsync(request.Id, request.CustomerId, actor, ct).ConfigureAwait(false);
    }

    /// <summary>The files of a request's access export made earlier.</summary>
    public IReadOnlyList<DataSubjectExportFile> ExportFiles(Guid requestId) => exporter?.FilesOf(requestId) ?? [];

    public async Task<ErasureOutcome> EraseAsync(Guid requestId, string actor, CancellationToken ct)
    {
        var request = await OpenRequestAsync(requestId, "erasure", ct).ConfigureAwait(false);
        if (subscriptions is not null)
        {
            // The contract is still being performed (GDPR art. 17(1)(b)/(3), 6(1)(b); DPDP s. 8(7)): the service, its bills and the
            // box need the customer's data. Refused before anything is erased; the request stays open until they are disconnected.
            var live = (await subscriptions.ForCustomerAsync(request.CustomerId, ct).ConfigureAwait(false)).Where(s => !EndedStates.Contains(s.Status)).ToList();
            if (live.Count > 0)
            {
                throw new StateConflictException("DSR-LIVE-SUBSCRIPTIONS",
                    $"customer {request.CustomerId} still has {live.Count} live subscription(s) ({string.Join(", ", live.Select(s => $"{s.Id} {s.Status}"))}): " +
                    "disconnect them first (TMF622 delete order); the request stays open", "customerId");
            }
        }

        var done = new List<DataSubjectErasure>();
        foreach (var eraser in erasers)
        {
            done.Add(await eraser.EraseAsync(request.CustomerId, actor, ct).ConfigureAwait(false));
        }

        if (done.Count == 0)
        {
            throw new InvalidOperationException("no data-subject eraser is registered");
        }

        var outcome = string.Join("; ", done.Select(d => $"{d.Holder}: {string.Join(", ", d.Done)}"));
        var closed = await log.CloseAsync(request.Id, completed: true, "erased — " + outcome, actor, ct).ConfigureAwait(false);
        return new ErasureOutcome(closed, done);
    }

    private async Task<DataSubjectRequest> OpenRequestAsync(Guid requestId, string kind, CancellationToken ct)
    {
        var request = await log.GetAsync(requestId, ct).ConfigureAwait(false) ?? throw new NotFoundException($"data-subject request {requestId}", "id");
        if (request.Kind != kind)
        {
            throw new StateConflictException("DSR-KIND", $"request {requestId} is an {request.Kind} request, not {kind}", "kind");
        }

        if (request.Status is not ("open" or "extended"))
        {
            throw new StateConflictException("DSR-STATE", $"request {requestId} is {request.Status}", "status");
        }

        return request;
    }
}
