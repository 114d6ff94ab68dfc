using CableHub.Testing;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Dapper;
using Npgsql;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The CAS command log and the reconciliation runs reach the warehouse through the real chain (<see cref="WarehouseChain"/>:
/// schema sagas captured by the change stream, Kafka, the ingester, raw tables, the live views): a box held by A, deactivated
/// by A's swap, back in stock, then handed to B — <c>marts.cas_command</c> attributes each command to whoever held the box when
/// it started; <c>marts.cas_reconciliation_run</c> counts each run's differences by kind; <c>marts.cas_difference</c> lists them.
/// </summary>
public sealed class CasWarehouseTests(PostgresFixture postgres, KafkaFixture kafka, ClickHouseFixture clickHouse)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>, IClassFixture<ClickHouseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CAS_commands_per_subscriber_and_box_and_reconciliation_runs_with_their_differences_are_in_the_warehouse()
    {
        var ct = Ct;
        var pg = await postgres.CreateMigratedDatabaseAsync();
        await using var chain = await WarehouseChain.StartAsync(pg, kafka, clickHouse, ct);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), box = Guid.NewGuid(), run = Guid.NewGuid(), cleanRun = Guid.NewGuid();
        var tag = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        string numberA = "CA" + tag, numberB = "CB" + tag, serial = "SN-" + tag, casId = "CAS-" + tag;

        // Each step its own transaction, in order: the custody history's times are the transactions' (now()), the commands' the
        // clock's when they started, as the sagas record them.
        await using var conn = new NpgsqlConnection(pg);
        await conn.OpenAsync(ct);
        string[] steps =
        [
            """
            INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc) VALUES (@a, @numberA, 'active', '\x', '\x'), (@b, @numberB, 'active', '\x', '\x');
            INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status) VALUES (@box, @serial, 'stb', 'DSB-1000', @casId, 'in_stock');
            """,
            "UPDATE hub.device SET status = 'reserved', customer_id = @a WHERE id = @box",
            """
            INSERT INTO sagas.cas_call (idempotency_key, order_id, device_id, kind, started_at, lease_until, finished_at, outcome, vendor_reference)
            VALUES ('onboarding:a:activate:' || @tag, gen_random_uuid(), @box, 'activate', clock_timestamp(), clock_timestamp() + interval '1 minute', clock_timestamp(), 'accepted', 'V1')
            """,
            "UPDATE hub.device SET status = 'installed' WHERE id = @box",
            """
            INSERT INTO sagas.lifecycle_cas_op (idempotency_key, change_id, seq, device_id, cas_device_id, op, products, started_at, lease_until, finished_at, outcome)
            VALUES ('lifecycle:swap:2:deactivate:' || @tag, gen_random_uuid(), 2, @box, @casId, 'deactivate', '{}', clock_timestamp(), clock_timestamp() + interval '1 minute', clock_timestamp(), 'accepted')
            """,
            "UPDATE hub.device SET status = 'returned' WHERE id = @box",
            "UPDATE hub.device SET status = 'in_stock', customer_id = NULL WHERE id = @box",
            """
            INSERT INTO sagas.lifecycle_cas_op (idempotency_key, change_id, seq, device_id, cas_device_id, op, products, started_at, lease_until, finished_at, outcome, reason)
            VALUES ('reconcile:r:' || @tag || ':remove', gen_random_uuid(), 1, @box, @casId, 'remove', '{P9}', clock_timestamp(), clock_timestamp() + interval '1 minute', clock_timestamp(), 'rejected', 'unknown product')
            """,
            "UPDATE hub.device SET status = 'reserved', customer_id = @b WHERE id = @box",
            """
            INSERT INTO sagas.cas_call (idempotency_key, order_id, device_id, kind, started_at, lease_until)
            VALUES ('onboarding:b:activate:' || @tag, gen_random_uuid(), @box, 'activate', clock_timestamp(), clock_timestamp() + interval '1 minute')
            """,
            """
            INSERT INTO sagas.cas_reconciliation_run (id, trigger, started_at, finished_at, devices_checked, differences, repaired, repair_failed)
            VALUES (@run, 'test', now() - interval '1 minute', now(), 2, 3, 2, 1), (@cleanRun, 'schedule', now(), now(), 2, 0, 0, 0);
            INSERT INTO sagas.cas_drift (run_id, device_id, cas_device_id, product_id, kind, since, found_at, age_seconds, first_seen_at, repaired_at, repair_outcome)
            VALUES (@run, @box, @casId, 'P1', 'missing', now() - interval '2 hours', now(), 7200, now() - interval '1 hour', now(), 'accepted'),
                   (@run, @box, @casId, 'P9', 'extra', now() - interval '30 minutes', now(), 1800, now(), NULL, 'rejected'),
                   (@run, NULL, 'CAS-GHOST-' || @tag, 'P2', 'device_unknown', now() - interval '10 minutes', now(), 600, now(), now(), 'accepted');
            """,
        ];
        foreach (var step in steps)
        {
            await conn.ExecuteAsync(step, new { a, b, box, run, cleanRun, tag, numberA, numberB, serial, casId });
        }

        var client = chain.Client;
        var p = new ClickHouseParameterCollection();
        p.AddParameter("box", box);
        p.AddParameter("run", run);
        p.AddParameter("clean", cleanRun);
        await WarehouseChain.WaitUntilAsync(async () =>
            Convert.ToInt64(await client.ExecuteScalarAsync("SELECT count() FROM marts.cas_command WHERE device_id = {box:UUID} AND customer_id IS NOT NULL", p, cancellationToken: ct)) == 3
            && Convert.ToInt64(await client.ExecuteScalarAsync("SELECT count() FROM marts.cas_command WHERE device_id = {box:UUID}", p, cancellationToken: ct)) == 4
            && Convert.ToInt64(await client.ExecuteScalarAsync("SELECT count() FROM marts.cas_difference WHERE run_id = {run:UUID}", p, cancellationToken: ct)) == 3
            && Convert.ToInt64(await client.ExecuteScalarAsync("SELECT count() FROM marts.cas_reconciliation_run WHERE run_id IN ({run:UUID}, {clean:UUID})", p, cancellationToken: ct)) == 2,
            "the CAS commands, the custody history and the reconciliation runs to reach the warehouse", ct);

        // Per subscriber: A's commands for the box while A held it (onboarding, the swap's deactivation), B's after; the repair
        // sent while the box was in stock is nobody's.
        (await Rows(client, "SELECT customer_number, source, command, ifNull(outcome, '') FROM marts.cas_command WHERE device_id = {box:UUID} ORDER BY started_at_utc", p))
            .ShouldBe(
            [
                [numberA, "onboarding", "activate", "accepted"],
                [numberA, "lifecycle", "deactivate", "accepted"],
                ["", "lifecycle", "remove", "rejected"],
                [numberB, "onboarding", "activate", ""],
            ]);
        var byA = new ClickHouseParameterCollection();
        byA.AddParameter("a", a);
        (await Rows(client, "SELECT serial_number, cas_device_id, command FROM marts.cas_command WHERE customer_id = {a:UUID} ORDER BY started_at_utc", byA))
            .ShouldBe([[serial, casId, "activate"], [serial, casId, "deactivate"]]);
        (await Rows(client, "SELECT arrayStringConcat(products, ','), ifNull(reason, '') FROM marts.cas_command WHERE device_id = {box:UUID} AND command = 'remove'", p))
            .ShouldBe([["P9", "unknown product"]]);

        // Reconciliation runs: differences by kind, the oldest one's age, repairs; a clean run shows zeros.
        (await Rows(client,
            "SELECT `trigger`, devices_checked, differences, missing, extra, wrong_validity, device_inactive, device_unknown, oldest_age_seconds, repaired, repair_failed " +
            "FROM marts.cas_reconciliation_run WHERE run_id IN ({run:UUID}, {clean:UUID}) ORDER BY started_at_utc", p))
            .ShouldBe([["test", "2", "3", "1", "1", "0", "0", "1", "7200", "2", "1"], ["schedule", "2", "0", "0", "0", "0", "0", "0", "0", "0", "0"]]);
        (await Rows(client, "SELECT kind, serial_number, product_id, age_seconds, ifNull(repair_outcome, '') FROM marts.cas_difference WHERE run_id = {run:UUID} ORDER BY age_seconds DESC", p))
            .ShouldBe([["missing", serial, "P1", "7200", "accepted"], ["extra", serial, "P9", "1800", "rejected"], ["device_unknown", "", "P2", "600", "accepted"]]);
    }

    private static Task<List<string[]>> Rows(ClickHouse.Driver.ClickHouseClient client, string sql, ClickHouseParameterCollection parameters) =>
        WarehouseChain.RowsAsync(client, sql, parameters, Ct);
}
