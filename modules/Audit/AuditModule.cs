using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Errors;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CableHub.Audit;

/// <summary>
/// The Audit module: <c>hub.audit_log</c> (written by triggers on the audited tables and by exports), its sealer and
/// verifier, and the compliance officer's API over it. Runs its migrations after every module whose tables it audits
/// (a table created later under an audited name is attached by the module's event trigger).
/// </summary>
public static class AuditModule
{
    /// <summary>
    /// Columns of its tables that may leave PostgreSQL in the change stream: a data-subject request without the reason an
    /// officer typed for extending its deadline (the request log keeps it; the warehouse gets dates, kind, status, outcome).
    /// </summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.data_subject_request"] = "id,customer_id,kind,received_at,due_at,status,closed_at,outcome,opened_by,closed_by",
    };

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.audit</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("audit", typeof(AuditModule).Assembly, "CableHub.Audit.Migrations.");

    /// <summary>The log, as the export audit sink too; with <paramref name="sealEvery"/> a background sealer.</summary>
    public static IServiceCollection AddAuditModule(this IServiceCollection services, TimeSpan? sealEvery = null)
    {
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<IExportAuditSink>(sp => sp.GetRequiredService<AuditLog>());
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, AuditDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton(sp => new DataSubjectRequests(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DataSubjectRequestActions(sp.GetRequiredService<DataSubjectRequests>(), sp.GetServices<IDataSubjectEraser>(),
            sp.GetService<IDataSubjectAccessExporter>(), sp.GetServices<IDataSubjectRectifier>(), sp.GetService<Subscriptions.Contracts.ISubscriptionLifecycle>()));
        if (sealEvery is { } interval && interval > TimeSpan.Zero)
        {
            services.AddHostedService(sp => new AuditSealer(sp.GetRequiredService<AuditLog>(), interval, sp.GetRequiredService<ILogger<AuditSealer>>()));
        }

        return services;
    }

    /// <summary>
    /// <c>/api/v1/compliance/audit</c> (rows by customer, table and key, actor, time range), <c>…/audit/verify</c> (seals, then
    /// names the first broken link): compliance officers only.
    /// </summary>
    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup("/api/v1/compliance/audit", "compliance").RequireStaff(StaffRoles.ComplianceOfficer);
        group.MapGet("", ListAsync);
        group.MapPost("/verify", VerifyAsync);

        var requests = app.MapModuleGroup("/api/v1/compliance/data-subject-requests", "compliance").RequireStaff(StaffRoles.ComplianceOfficer);
        requests.MapPost("", async (HttpContext http, DataSubjectRequests log, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<OpenRequestIn>(http, ct).ConfigureAwait(false);
            var opened = await log.OpenAsync(body.CustomerId ?? throw new RequestInvalidException("customerId", "name the customer"), body.Kind ?? "",
                HubPrincipal.Actor(http), body.ReceivedAt, ct).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/compliance/data-subject-requests/{opened.Id}", opened);
        });
        requests.MapGet("", async (DataSubjectRequests log, bool? overdue, Guid? customerId, CancellationToken ct) =>
            TypedResults.Ok(await log.ListAsync(overdue == true, customerId, ct).ConfigureAwait(false)));
        requests.MapPost("/{id:guid}/extend", async (Guid id, HttpContext http, DataSubjectRequests log, CancellationToken ct) =>
            TypedResults.Ok(await log.ExtendAsync(id, (await ApiRequest.ReadJsonAsync<CloseRequestIn>(http, ct).ConfigureAwait(false)).Reason ?? "", HubPrincipal.Actor(http), ct).ConfigureAwait(false)));
        requests.MapPost("/{id:guid}/close", async (Guid id, HttpContext http, DataSubjectRequests log, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<CloseRequestIn>(http, ct).ConfigureAwait(false);
            return TypedResults.Ok(await log.CloseAsync(id, body.Completed ?? true, body.Reason ?? "", HubPrincipal.Actor(http), ct).ConfigureAwait(false));
        });
        requests.MapPost("/{id:guid}/export", async (Guid id, HttpContext http, DataSubjectRequestActions actions, CancellationToken ct) =>
        {
            var export = await actions.ExportAsync(id, HubPrincipal.Actor(http), ct).ConfigureAwait(false);
            return TypedResults.Ok(new ExportOut(export.RequestId, export.CustomerId, export.GeneratedAt, export.Sections, export.Records,
                [.. export.Files.Select(f => FileOut.Of(id, f))]));
        });
        requests.MapGet("/{id:guid}/export", (Guid id, DataSubjectRequestActions actions) =>
            TypedResults.Ok(actions.ExportFiles(id).Select(f => FileOut.Of(id, f)).ToList()));
        requests.MapGet("/{id:guid}/export/{file}", (Guid id, string file, DataSubjectRequestActions actions) =>
        {
            var manifest = file.EndsWith(".manifest.json", StringComparison.Ordinal);
            var found = actions.ExportFiles(id).FirstOrDefault(f => f.FileName == file || (manifest && f.FileName + ".manifest.json" == file))
                        ?? throw new NotFoundException($"file '{file}' of the export of request {id}", "file", "DSR-EXPORT-FILE-NOT-FOUND");
            var path = manifest ? found.ManifestPath : found.Path;
            return TypedResults.PhysicalFile(path, file.EndsWith(".pdf", StringComparison.Ordinal) ? "application/pdf" : "application/json", file);
        });
        requests.MapPost("/{id:guid}/erase", async (Guid id, HttpContext http, DataSubjectRequestActions actions, CancellationToken ct) =>
            TypedResults.Ok(await actions.EraseAsync(id, HubPrincipal.Actor(http), ct).ConfigureAwait(false)));
        requests.MapPost("/{id:guid}/rectify", async (Guid id, HttpContext http, DataSubjectRequestActions actions, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<RectifyIn>(http, ct).ConfigureAwait(false);
            return TypedResults.Ok(await actions.RectifyAsync(id, body.Corrections ?? new Dictionary<string, string>(), HubPrincipal.Actor(http), ct).ConfigureAwait(false));
        });
        return app;
    }

    /// <summary>Field → corrected value, e.g. <c>{"corrections": {"familyName": "Rao", "email": "a@example.in"}}</c>.</summary>
    private sealed record RectifyIn(Dictionary<string, string>? Corrections);

    private sealed record ExportOut(Guid RequestId, Guid CustomerId, DateTimeOffset GeneratedAt, int Sections, int Records, IReadOnlyList<FileOut> Files);

    private sealed record FileOut(string FileName, string Sha256, long Bytes, string Href, string ManifestHref)
    {
        public static FileOut Of(Guid id, DataSubjectExportFile f) =>
            new(f.FileName, f.Sha256, f.Bytes, $"/api/v1/compliance/data-subject-requests/{id}/export/{f.FileName}",
                $"/api/v1/compliance/data-subject-requests/{id}/export/{f.FileName}.manifest.json");
    }

    private sealed record OpenRequestIn(Guid? CustomerId, string? Kind, DateTimeOffset? ReceivedAt);

    private sealed record CloseRequestIn(string? Reason, bool? Completed);

    private static async Task<Ok<IReadOnlyList<AuditRecord>>> ListAsync(AuditLog log, Guid? customerId, string? table, string? rowKey, string? actor,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await log.ListAsync(new AuditQuery(customerId, table, rowKey, actor, from, to, limit ?? 1000), ct).ConfigureAwait(false));

    private static async Task<Ok<AuditVerification>> VerifyAsync(AuditLog log, CancellationToken ct)
    {
        await log.SealAsync(ct).ConfigureAwait(false);
        return TypedResults.Ok(await log.VerifyAsync(ct).ConfigureAwait(false));
    }
}

/// <summary>Seals the audit log every interval (a crash between two runs leaves rows unsealed, never lost: the next run seals them).</summary>
internal sealed class AuditSealer(AuditLog log, TimeSpan interval, ILogger<AuditSealer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await log.SealAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(ex, "Sealing the audit log failed; retrying in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
