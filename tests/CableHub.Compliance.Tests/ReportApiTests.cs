using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CableHub.Audit;
using CableHub.Compliance.Reports;
using CableHub.Compliance.Reports.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Sagas.Lifecycle;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The compliance reports over the API (the same as <c>./cablehub report …</c>) on the hand-made November of
/// <see cref="ComplianceWarehouse"/>, with real tokens: the compliance officer only (admin too is refused), CSV / XLSX /
/// PDF each signed and its hash recorded in the audit log as the officer, the same as-of giving the same bytes in every
/// format, and the SMS↔CAS reconciliation report of the last run by the as-of instant.
/// </summary>
[Collection(ComplianceWarehouseCollection.Name)]
public sealed class ReportApiTests(ComplianceWarehouse warehouse, PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string Reports = ComplianceReportEndpoints.BasePath;
    private readonly TempDirectory _dir = new("cablehub-report-api");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Only_the_compliance_officer_gets_signed_reproducible_exports_each_recorded_in_the_audit_log()
    {
        await using var api = await StartAsync();

        // Nobody else: not admin, not the analyst (who may read other reports), not customer service; anonymous 401.
        foreach (var role in new[] { StaffRoles.Admin, StaffRoles.Analyst, StaffRoles.CustomerService })
        {
            (await api.SendAsync(HttpMethod.Get, Reports, role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
            (await api.SendAsync(HttpMethod.Post, $"{Reports}/msr/exports", new { month = "2026-11" }, role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
        }

        (await api.SendAsync(HttpMethod.Post, $"{Reports}/msr/exports", new { month = "2026-11" }, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);

        var (listed, list) = await api.SendAsync(HttpMethod.Get, Reports, role: StaffRoles.ComplianceOfficer);
        listed.ShouldBe(HttpStatusCode.OK);
        list.GetProperty("profile").GetString().ShouldBe("India");
        list.GetProperty("reports").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldBe(["msr", "subscribers", "activations", "reconciliation"]);

        // The monthly subscription report in every format, twice: the same as-of gives the same bytes (hash) in each.
        var first = await ExportAsync(api, "msr", new { month = "2026-11", formats = new[] { "csv", "xlsx", "pdf" } });
        var second = await ExportAsync(api, "msr", new { month = "2026-11", formats = new[] { "csv", "xlsx", "pdf" } });
        first.Files.Select(f => f.FileName).ShouldBe(["msr-2026-11-STAR.csv", "msr-2026-11-STAR.xlsx", "msr-2026-11-STAR.pdf", "msr-2026-11-ZEE.csv", "msr-2026-11-ZEE.xlsx", "msr-2026-11-ZEE.pdf"]);
        second.ExportId.ShouldNotBe(first.ExportId);
        second.Files.Select(f => (f.FileName, f.Sha256)).ShouldBe(first.Files.Select(f => (f.FileName, f.Sha256)));
        first.AsOf.ShouldBe(ComplianceWarehouse.IstInstant("2026-11-28 21:00"));

        // The files served are the files signed.
        foreach (var f in first.Files)
        {
            var bytes = await DownloadAsync(api, f.Href);
            Convert.ToHexStringLower(SHA256.HashData(bytes)).ShouldBe(f.Sha256, f.FileName);
            bytes.Length.ShouldBe((int)f.Bytes);
        }

        var manifest = JsonDocument.Parse(await DownloadAsync(api, first.Files[0].ManifestHref)).RootElement;
        manifest.GetProperty("sha256").GetString().ShouldBe(first.Files[0].Sha256);
        manifest.GetProperty("actor").GetString().ShouldBe("staff:test-compliance-officer");
        (await api.SendAsync(HttpMethod.Get, $"{Reports}/exports/{first.ExportId}/..%2Fkeys", role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.NotFound);

        // Recorded in the audit log: one export row per file, the officer as actor, the file's hash.
        var audited = (await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(Actor: "staff:test-compliance-officer"), Ct)).Where(r => r.Action == "export").ToList();
        var hashes = audited.Select(r => JsonDocument.Parse(r.Detail!).RootElement.GetProperty("sha256").GetString()).ToList();
        hashes.Count.ShouldBe(12);
        foreach (var f in first.Files)
        {
            hashes.Count(h => h == f.Sha256).ShouldBe(2);
        }

        // A register as of an earlier instant is another file; as of the same instant again the same one.
        var asOf = ComplianceWarehouse.IstInstant("2026-11-21 00:00");
        var early = await ExportAsync(api, "activations", new { month = "2026-11", asOf, formats = new[] { "xlsx", "pdf" } });
        var earlyAgain = await ExportAsync(api, "activations", new { month = "2026-11", asOf, formats = new[] { "xlsx", "pdf" } });
        var late = await ExportAsync(api, "activations", new { month = "2026-11", formats = new[] { "xlsx", "pdf" } });
        earlyAgain.Files.Select(f => f.Sha256).ShouldBe(early.Files.Select(f => f.Sha256));
        late.Files[0].Sha256.ShouldNotBe(early.Files[0].Sha256);
        early.AsOf.ShouldBe(asOf);

        // Refusals name the reason: unknown report 404, malformed month 400, a month without its snapshots 422, not in the profile 422.
        (await api.SendAsync(HttpMethod.Post, $"{Reports}/nonsense/exports", new { month = "2026-11" }, role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendAsync(HttpMethod.Post, $"{Reports}/msr/exports", new { month = "11/2026" }, role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.BadRequest);
        var (refused, problem) = await api.SendAsync(HttpMethod.Post, $"{Reports}/msr/exports", new { month = "2026-10" }, role: StaffRoles.ComplianceOfficer);
        refused.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem.ToString().ShouldContain("no entitlement snapshot for 2026-10-07");
        (await api.SendAsync(HttpMethod.Post, $"{Reports}/revenue/exports", new { month = "2026-11" }, role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task The_reconciliation_report_lists_every_difference_of_the_last_run_by_the_as_of_instant_with_its_age()
    {
        await using var api = await StartAsync();
        await using var conn = await api.Db.DataSource.OpenConnectionAsync(Ct);
        Guid november = Guid.CreateVersion7(), december = Guid.CreateVersion7(), device = ComplianceWarehouse.Device(3);
        await conn.ExecuteAsync(
            """
            INSERT INTO sagas.cas_reconciliation_run (id, trigger, started_at, finished_at, devices_checked, differences, repaired, repair_failed)
            VALUES (@november, 'schedule', '2026-11-30T10:00:00Z', '2026-11-30T10:02:00Z', 5, 2, 1, 0),
                   (@december, 'verb', '2026-12-01T08:00:00Z', '2026-12-01T08:01:00Z', 5, 0, 0, 0);
            INSERT INTO sagas.cas_drift (run_id, device_id, cas_device_id, product_id, kind, hub_valid_to, cas_valid_to, since, found_at, age_seconds, first_seen_at, repaired_at, repair_outcome)
            VALUES (@november, @device, 'CAS-3', 'P2', 'missing', NULL, NULL, '2026-11-29T10:00:00Z', '2026-11-30T10:00:00Z', 86400, '2026-11-30T10:00:00Z', '2026-11-30T10:01:00Z', 'resent'),
                   (@november, NULL, 'CAS-99', 'P4', 'extra', NULL, '2027-01-01T00:00:00Z', '2026-11-28T10:00:00Z', '2026-11-30T10:00:00Z', 172800, '2026-11-29T10:00:00Z', NULL, NULL);
            """, new { november, december, device });

        // As of the end of November: the November run (the December run finished after it).
        var export = await ExportAsync(api, "reconciliation", new { month = "2026-11", formats = new[] { "csv", "pdf" } });
        var csv = Encoding.UTF8.GetString(await DownloadAsync(api, export.Files[0].Href)).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        csv.ShouldBe([
            "cas_device_id,device_id,product_id,kind,hub_valid_to,cas_valid_to,since,found_at,age_seconds,age_days,first_seen_at,repaired_at,repair_outcome",
            $"CAS-3,{device},P2,missing,,,2026-11-29T15:30:00+05:30,2026-11-30T15:30:00+05:30,86400,1.00,2026-11-30T15:30:00+05:30,2026-11-30T15:31:00+05:30,resent",
            "CAS-99,,P4,extra,,2027-01-01T05:30:00+05:30,2026-11-28T15:30:00+05:30,2026-11-30T15:30:00+05:30,172800,2.00,2026-11-29T15:30:00+05:30,,",
        ]);
        export.Files.Select(f => f.FileName).ShouldBe(["cas-reconciliation-2026-11.csv", "cas-reconciliation-2026-11.pdf"]);

        // As of the December run: zero differences; before any run: refused, naming what to do.
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{Reports}/reconciliation/exports",
            new { month = "2026-12", asOf = DateTimeOffset.Parse("2026-12-01T08:30:00Z", System.Globalization.CultureInfo.InvariantCulture), formats = new[] { "csv" } }, role: StaffRoles.ComplianceOfficer);
        status.ShouldBe(HttpStatusCode.OK, body.ToString());
        var zero = JsonSerializer.Deserialize<ExportOut>(body.GetRawText(), Json)!;
        Encoding.UTF8.GetString(await DownloadAsync(api, zero.Files[0].Href)).Split('\n').Count(l => l.Trim().Length > 0).ShouldBe(1); // the header only
        var (early, problem) = await api.SendAsync(HttpMethod.Post, $"{Reports}/reconciliation/exports",
            new { month = "2026-11", asOf = DateTimeOffset.Parse("2026-11-30T10:01:00Z", System.Globalization.CultureInfo.InvariantCulture) }, role: StaffRoles.ComplianceOfficer);
        early.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem.ToString().ShouldContain("cas reconcile");
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Task<ApiHost> StartAsync() => ApiHost.StartAsync(postgres, (services, db) =>
    {
        services.AddSingleton<ICasReconciliationLog>(new CasReconciliationLog(db.DataSource));
        services.AddComplianceReports(warehouse.ClickHouse.ConnectionString,
            new ComplianceOptions { Profile = RegulatoryProfile.India, ReportingTimeZone = ComplianceWarehouse.Zone, SigningKeyPath = Path.Combine(_dir.Path, "keys", "report-signing.key") },
            Path.Combine(_dir.Path, "exports"), warehouse.Clock);
    });

    private static async Task<ExportOut> ExportAsync(ApiHost api, string report, object body)
    {
        var (status, json) = await api.SendAsync(HttpMethod.Post, $"{Reports}/{report}/exports", body, role: StaffRoles.ComplianceOfficer);
        status.ShouldBe(HttpStatusCode.OK, json.ToString());
        return JsonSerializer.Deserialize<ExportOut>(json.GetRawText(), Json)!;
    }

    private static async Task<byte[]> DownloadAsync(ApiHost api, string href)
    {
        using var request = await api.RequestAsync(HttpMethod.Get, href, role: StaffRoles.ComplianceOfficer);
        using var response = await api.Client.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, href);
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }
}
