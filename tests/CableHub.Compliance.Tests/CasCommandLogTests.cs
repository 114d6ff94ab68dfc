using System.Globalization;
using CableHub.Core.Errors;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Modules.Testing;
using CableHub.Sagas.Lifecycle;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The CAS command log over a seeded hub database (customers C1–C3 with boxes STB-1..3 / CAS-STB-1..3): onboarding calls
/// and lifecycle commands as the sagas record them, found per subscriber, per box and per date range.
/// </summary>
public sealed class CasCommandLogTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Commands_are_produced_per_subscriber_device_and_date_range_with_outcomes_and_timestamps()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        Guid d1 = db.Id("device:1"), d2 = db.Id("device:2");
        await using (var conn = new NpgsqlConnection(db.ConnectionString))
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO sagas.cas_call (idempotency_key, order_id, device_id, kind, started_at, lease_until, finished_at, outcome, vendor_reference)
                VALUES ('onboarding:o1:activate:' || @d1, gen_random_uuid(), @d1, 'activate', '2026-11-02T10:00:00Z', '2026-11-02T10:01:00Z', '2026-11-02T10:00:02Z', 'accepted', 'V1'),
                       ('onboarding:o2:activate:' || @d2, gen_random_uuid(), @d2, 'activate', '2026-11-03T10:00:00Z', '2026-11-03T10:01:00Z', '2026-11-03T10:00:05Z', 'rejected', NULL);
                INSERT INTO sagas.lifecycle_cas_op (idempotency_key, change_id, seq, device_id, cas_device_id, op, products, started_at, lease_until, finished_at, outcome)
                VALUES ('lifecycle:c1:1:deactivate:' || @d1, gen_random_uuid(), 1, @d1, 'CAS-STB-1', 'deactivate', '{}', '2026-11-20T06:30:00Z', '2026-11-20T06:31:00Z', '2026-11-20T06:30:01Z', 'accepted'),
                       ('lifecycle:c2:1:add:' || @d1, gen_random_uuid(), 1, @d1, 'CAS-STB-1', 'add', '{P7,P8}', '2026-12-02T08:00:00Z', '2026-12-02T08:01:00Z', NULL, NULL);
                -- The seed installed the boxes today; their subscribers have held them since the start of the year.
                UPDATE hub.device_custody SET held_from = '2026-01-01T00:00:00Z';
                """, new { d1, d2 });
        }

        var log = new CasCommandLog(db.DataSource, db.Services.GetRequiredService<ICustomerDirectory>(), db.Services.GetRequiredService<IDeviceDirectory>());

        var november = await log.ListAsync("C1", null, At("2026-11-01T00:00:00Z"), At("2026-12-01T00:00:00Z"), Ct);
        november.Select(r => $"{r.Command} {r.Outcome} {r.Source} {r.StartedAt:MM-dd HH:mm}").ShouldBe(["activate accepted onboarding 11-02 10:00", "deactivate accepted lifecycle 11-20 06:30"]);
        november[0].FinishedAt.ShouldBe(At("2026-11-02T10:00:02Z"));
        november.ShouldAllBe(r => r.DeviceId == d1);

        var all = await log.ListAsync(db.ActiveCustomers[0].ToString(), null, null, null, Ct);
        all.Count.ShouldBe(3);
        all[2].Products.ShouldBe(["P7", "P8"]);
        all[2].Outcome.ShouldBeNull(); // still running (or its process died before the answer)

        var box2 = (await log.ListAsync(null, "CAS-STB-2", null, null, Ct)).ShouldHaveSingleItem();
        box2.Outcome.ShouldBe("rejected");
        (await log.ListAsync("C1", "STB-2", null, null, Ct)).ShouldBeEmpty(); // the boxes C1 held ∩ STB-2
        (await log.ListAsync(null, null, At("2026-11-03T00:00:00Z"), At("2026-11-21T00:00:00Z"), Ct)).Count.ShouldBe(2);

        await Should.ThrowAsync<NotFoundException>(() => log.ListAsync(null, "NO-SUCH-BOX", null, null, Ct));
        await Should.ThrowAsync<NotFoundException>(() => log.ListAsync("C999", null, null, null, Ct));
    }

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture);
}
