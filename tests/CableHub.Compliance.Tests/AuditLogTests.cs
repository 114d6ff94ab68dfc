using System.Net;
using System.Text.Json;
using CableHub.Audit;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Npgsql;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The audit log over a real hub database with every module's API and real tokens: changes are recorded by the tables'
/// triggers with the token's actor and before/after images (personal fields redacted), the chain is sealed and verified,
/// one edited row makes verification fail naming it, the table refuses edits, and only compliance officers reach the API.
/// </summary>
public sealed class AuditLogTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Prices = "/tmf-api/productCatalogManagement/v4/productOfferingPrice";
    private const string Officer = StaffRoles.ComplianceOfficer;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_price_change_is_recorded_with_the_tokens_actor_and_its_after_image()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var now = api.Db.Clock.GetUtcNow();
        var (created, price) = await api.SendAsync(HttpMethod.Post, Prices,
            new { productOffering = new { id = "SONYMAX" }, price = new { unit = "INR", value = 18m }, validFor = new { startDateTime = now.AddDays(40) }, name = "RIO 2027" },
            role: StaffRoles.CatalogManager);
        created.ShouldBe(HttpStatusCode.Created, price.ToString());

        var (status, rows) = await api.SendAsync(HttpMethod.Get, "/api/v1/compliance/audit?table=catalog_price&actor=staff:test-catalog-manager", role: Officer);
        status.ShouldBe(HttpStatusCode.OK);
        var row = rows.EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("action").GetString().ShouldBe("insert");
        var priceId = row.GetProperty("rowKey").GetString()!;
        Guid.TryParse(priceId, out _).ShouldBeTrue(priceId); // the primary key
        using var after = JsonDocument.Parse(row.GetProperty("after").GetString()!);
        after.RootElement.GetProperty("amount").GetDecimal().ShouldBe(18m);

        // A change made outside the hub's commands names the database session instead of a person.
        await using (var conn = new NpgsqlConnection(api.Db.ConnectionString))
        {
            await conn.ExecuteAsync("UPDATE hub.catalog_price SET amount = 17 WHERE id = @id::uuid", new { id = priceId });
        }

        var log = new AuditLog(api.Db.DataSource);
        var update = (await log.ListAsync(new AuditQuery(Table: "catalog_price", RowKey: priceId), Ct)).Last();
        update.Action.ShouldBe("update");
        update.Actor.ShouldStartWith("db:");
        update.Before!.ShouldContain("\"amount\": 18.00");
        update.After!.ShouldContain("\"amount\": 17.00");
    }

    [Fact]
    public async Task Personal_fields_never_enter_the_log_and_a_customers_rows_are_found_by_customer()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var customer = api.Db.ActiveCustomers[0];
        await using (var conn = new NpgsqlConnection(api.Db.ConnectionString))
        {
            await conn.OpenAsync(Ct);
            await using var tx = await conn.BeginTransactionAsync(Ct);
            await conn.ExecuteAsync("SELECT set_config('cablehub.actor', 'staff:test-rectifier', true)", transaction: tx);
            await conn.ExecuteAsync("UPDATE hub.customer SET given_name_enc = '\\x0102'::bytea, status = status WHERE id = @customer", new { customer }, tx);
            await tx.CommitAsync(Ct);
        }

        var rows = await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(CustomerId: customer), Ct);
        rows.Select(r => r.TableName).ShouldContain("subscription"); // found through the subscription's customer_id column
        var change = rows.Last(r => r.TableName == "customer");
        change.RowKey.ShouldBe(customer.ToString());
        change.Actor.ShouldBe("staff:test-rectifier");
        change.Before!.ShouldContain("\"given_name_enc\": \"[redacted]\"");
        change.After!.ShouldContain("\"given_name_enc\": \"[redacted]\"");
        change.After!.ShouldNotContain("\\\\x0102");
    }

    [Fact]
    public async Task Editing_one_sealed_row_makes_verify_fail_and_name_it()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var log = new AuditLog(api.Db.DataSource);
        await log.RecordAsync(new ExportAuditRecord("staff:test-officer", "msr", "msr-2026-11-STAR.csv", new string('a', 64), 123,
            DateTimeOffset.Parse("2026-11-28T15:30:00Z", System.Globalization.CultureInfo.InvariantCulture), new Dictionary<string, string> { ["month"] = "2026-11" }, "sig",
            DateTimeOffset.Parse("2026-12-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), Ct);

        // Sealed and intact (over the API: seal, then verify).
        var (status, verified) = await api.SendAsync(HttpMethod.Post, "/api/v1/compliance/audit/verify", role: Officer);
        status.ShouldBe(HttpStatusCode.OK);
        verified.GetProperty("intact").GetBoolean().ShouldBeTrue(verified.ToString());
        verified.GetProperty("unsealedRows").GetInt64().ShouldBe(0);
        var sealedRows = verified.GetProperty("sealedRows").GetInt64();
        sealedRows.ShouldBeGreaterThan(10); // the seeded catalogue's rows are in the chain too

        var export = (await log.ListAsync(new AuditQuery(RowKey: "msr-2026-11-STAR.csv"), Ct)).ShouldHaveSingleItem();
        export.Action.ShouldBe("export");
        export.Detail!.ShouldContain(new string('a', 64));

        // The table refuses edits and deletions...
        await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
        await conn.OpenAsync(Ct);
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("UPDATE hub.audit_log SET actor = 'someone else' WHERE id = @id", new { id = export.Id })))
            .MessageText.ShouldContain("append-only");
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM hub.audit_log WHERE id = @id", new { id = export.Id })))
            .MessageText.ShouldContain("append-only");

        // ...so a superuser switches the triggers off and edits one row in the middle of the chain: verify names that row.
        var middle = await conn.ExecuteScalarAsync<long>("SELECT chain_seq FROM hub.audit_log WHERE chain_seq = (SELECT max(chain_seq) / 2 FROM hub.audit_log)");
        await conn.ExecuteAsync("SET session_replication_role = replica; UPDATE hub.audit_log SET actor = 'staff:nobody' WHERE chain_seq = @middle; SET session_replication_role = origin;", new { middle });
        var result = await log.VerifyAsync(Ct);
        result.Intact.ShouldBeFalse();
        result.FirstBroken!.ChainSeq.ShouldBe(middle);
        result.FirstBroken.Reason.ShouldContain("row changed");

        // Whoever also rewrites that row's hash breaks the link to the next row, which is then named.
        await conn.ExecuteAsync(
            """
            SET session_replication_role = replica;
            UPDATE hub.audit_log l SET row_hash = hub.audit_hash(l.prev_hash, l.chain_seq, l.id, l.at, l.actor, l.action, l.table_name, l.row_key, l.customer_id, l.before, l.after, l.detail)
            WHERE chain_seq = @middle;
            SET session_replication_role = origin;
            """, new { middle });
        var relinked = await log.VerifyAsync(Ct);
        relinked.FirstBroken!.ChainSeq.ShouldBe(middle + 1);
        relinked.FirstBroken.Reason.ShouldContain("link broken");

        // A row removed from the chain leaves a gap that is named too (first broken link stays the earliest).
        await conn.ExecuteAsync("SET session_replication_role = replica; DELETE FROM hub.audit_log WHERE chain_seq = 2; SET session_replication_role = origin;");
        var gap = await log.VerifyAsync(Ct);
        gap.FirstBroken!.ChainSeq.ShouldBe(3);
        gap.FirstBroken.Reason.ShouldContain("rows missing");
    }

    [Fact]
    public async Task Only_compliance_officers_reach_the_audit_api()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        (await api.SendAsync(HttpMethod.Get, "/api/v1/compliance/audit?limit=1", role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        foreach (var role in StaffRoles.All.Where(r => r is not (Officer or StaffRoles.Admin)))
        {
            (await api.SendAsync(HttpMethod.Get, "/api/v1/compliance/audit?limit=1", role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
            (await api.SendAsync(HttpMethod.Post, "/api/v1/compliance/audit/verify", role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
        }

        var (status, rows) = await api.SendAsync(HttpMethod.Get, "/api/v1/compliance/audit?limit=1", role: Officer);
        status.ShouldBe(HttpStatusCode.OK);
        rows.GetArrayLength().ShouldBe(1);
    }
}

/// <summary>The data-subject request log and its one-month clock, over the compliance officer's API with real tokens.</summary>
public sealed class DataSubjectRequestLogTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Requests = "/api/v1/compliance/data-subject-requests";

    [Fact]
    public async Task A_request_is_due_one_month_after_it_was_received_shows_overdue_and_each_step_is_audited()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var now = api.Db.Clock.GetUtcNow();
        var customer = api.Db.ActiveCustomers[0];

        var (created, late) = await api.SendAsync(HttpMethod.Post, Requests, new { customerId = customer, kind = "erasure", receivedAt = now.AddDays(-40) }, role: StaffRoles.ComplianceOfficer);
        created.ShouldBe(HttpStatusCode.Created, late.ToString());
        late.GetProperty("dueAt").GetDateTimeOffset().ShouldBe(now.AddDays(-40).AddMonths(1));
        var (_, onTime) = await api.SendAsync(HttpMethod.Post, Requests, new { customerId = customer, kind = "access" }, role: StaffRoles.ComplianceOfficer);
        (await api.SendAsync(HttpMethod.Post, Requests, new { customerId = customer, kind = "forget-me" }, role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.BadRequest);

        var (_, overdue) = await api.SendAsync(HttpMethod.Get, $"{Requests}?overdue=true", role: StaffRoles.ComplianceOfficer);
        var row = overdue.EnumerateArray().ShouldHaveSingleItem();
        row.GetProperty("id").GetString().ShouldBe(late.GetProperty("id").GetString());
        row.GetProperty("status").GetString().ShouldBe("open");

        var lateId = late.GetProperty("id").GetString();
        var (closed, done) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{lateId}/close", new { reason = "pseudonymised", completed = true }, role: StaffRoles.ComplianceOfficer);
        closed.ShouldBe(HttpStatusCode.OK, done.ToString());
        done.GetProperty("closedBy").GetString().ShouldBe("staff:test-compliance-officer");
        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{lateId}/close", new { reason = "again" }, role: StaffRoles.ComplianceOfficer)).Status.ShouldBe(HttpStatusCode.Conflict);
        var (extended, ext) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{onTime.GetProperty("id").GetString()}/extend", new { reason = "numerous requests" }, role: StaffRoles.ComplianceOfficer);
        extended.ShouldBe(HttpStatusCode.OK, ext.ToString());
        ext.GetProperty("dueAt").GetDateTimeOffset().ShouldBe(now.AddMonths(3));
        (await api.SendAsync(HttpMethod.Get, $"{Requests}?overdue=true", role: StaffRoles.ComplianceOfficer)).Body.GetArrayLength().ShouldBe(0);
        (await api.SendAsync(HttpMethod.Get, Requests, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.Forbidden);

        var steps = await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(Table: "data_subject_request", RowKey: lateId), TestContext.Current.CancellationToken);
        steps.Select(s => $"{s.Action} {s.Actor}").ShouldBe(["insert staff:test-compliance-officer", "update staff:test-compliance-officer"]);
    }
}
