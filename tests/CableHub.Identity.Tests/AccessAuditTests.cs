using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Npgsql;

namespace CableHub.Identity.Tests;

/// <summary>The access audit is append-only in the database and hash-chained: a changed row is found.</summary>
public sealed class AccessAuditTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Rows_cannot_be_changed_or_deleted_and_the_chain_finds_a_row_changed_behind_the_triggers()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await api.SendAsync(HttpMethod.Get, "/api/v1/catalog/check", role: null); // a denied request
        await api.Identity.StaffTokenAsync(Core.Api.Access.StaffRoles.Analyst); // user added, sign-in, token issued
        var audit = api.Identity.Audit;
        (await audit.VerifyChainAsync()).ShouldBeEmpty();
        var rows = await audit.ListAsync(100);
        rows.Count.ShouldBeGreaterThanOrEqualTo(4);
        rows.Select(r => r.Event).ShouldContain("denied");
        rows.Select(r => r.Event).ShouldContain("token_issued");
        rows.ShouldAllBe(r => r.At.Offset == TimeSpan.Zero);
        rows.Select(r => r.Id).ShouldBe(Enumerable.Range(1, rows.Count).Select(i => (long)i).Reverse());

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("UPDATE hub.access_audit SET outcome = 'success' WHERE event = 'denied'"))).MessageText.ShouldContain("append-only");
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM hub.access_audit"))).MessageText.ShouldContain("append-only");
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("TRUNCATE hub.access_audit"))).MessageText.ShouldContain("append-only");

        // Someone with the owner's rights switches the trigger off and rewrites a row: the chain shows it.
        await conn.ExecuteAsync("ALTER TABLE hub.access_audit DISABLE TRIGGER access_audit_no_change; UPDATE hub.access_audit SET actor = 'nobody' WHERE id = 2; ALTER TABLE hub.access_audit ENABLE TRIGGER access_audit_no_change");
        (await audit.VerifyChainAsync()).ShouldBe([2L]);
    }

    [Fact]
    public async Task Concurrent_writers_still_make_one_unbroken_chain()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await api.Identity.Audit.RecordAsync("test", "success", "writer-" + (i % 8), i.ToString(System.Globalization.CultureInfo.InvariantCulture), null, ct: ct));
        (await api.Identity.Audit.VerifyChainAsync()).ShouldBeEmpty();
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(DISTINCT prev_hash) FROM hub.access_audit")).ShouldBe(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit"));
    }
}
