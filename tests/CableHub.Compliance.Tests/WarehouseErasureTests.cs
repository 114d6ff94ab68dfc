using System.Net;
using System.Text.Json;
using CableHub.Modules.Testing;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Testing;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using CableHub.Warehouse.Migrations;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static CableHub.Compliance.Tests.DataSubjectTests;

namespace CableHub.Compliance.Tests;

/// <summary>
/// Erasure reaches the warehouse: the hub's database → the change stream (the host's column allowlist) → Kafka → the
/// ingester → ClickHouse raw tables → marts, all running while a customer is created, read, paid for (remittance text
/// naming them), tried as a login, and erased. Afterwards every text column of every ClickHouse table (raw versions
/// included, marts, logs) is scanned: none holds the person's name, e-mail, phone or street. What the law keeps is there,
/// pseudonymous (the invoice, by customer id), and the audit log reached the warehouse with the erasure in it.
/// </summary>
public sealed class WarehouseErasureTests(PostgresFixture postgres, KafkaFixture kafka, ClickHouseFixture clickHouse)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>, IClassFixture<ClickHouseFixture>
{
    private const string Zone = "Asia/Kolkata";

    [Fact]
    public async Task After_erasure_no_text_column_of_any_warehouse_table_holds_the_persons_data_and_the_audit_log_arrived()
    {
        var ct = Ct;
        await using var api = await ApiHost.StartAsync(postgres);
        var prefix = "w" + Guid.NewGuid().ToString("N")[..10];
        var cdc = new CdcReaderOptions
        {
            ConnectionString = api.Db.ConnectionString,
            BootstrapServers = kafka.BootstrapServers,
            Slot = "s" + prefix,
            Publication = "pub_" + prefix,
            TopicPrefix = prefix,
            Snapshot = SnapshotMode.Never,
            StatusInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(200),
        };
        new Host.Configuration.HubSettings().Cdc.ApplyColumnAllowlist(cdc);

        var ingest = new WarehouseIngesterOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            ClickHouseConnectionString = clickHouse.ConnectionString,
            GroupId = "ingest-" + prefix,
            TopicPattern = $@"^{prefix}\.hub\..+",
            DeadLetterTopic = $"{prefix}.dlq.ingest",
            SchemaTopic = $"{prefix}._schemas",
            FlushInterval = TimeSpan.FromMilliseconds(200),
            TopicRefreshInterval = TimeSpan.FromSeconds(1),
            CompressInserts = false,
        };
        kafka.EnsureTopic(ingest.DeadLetterTopic, 1);
        foreach (var (key, value) in kafka.Consumer())
        {
            if (key is "session.timeout.ms" or "heartbeat.interval.ms" or "max.poll.interval.ms")
            {
                ingest.ConsumerProperties[key] = value;
            }
        }

        // The warehouse as the host prepares it: migrations, every published table's raw table and view, the marts.
        await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, ct);
        await using var ingester = new WarehouseIngester(ingest, TestLogging.Factory);
        foreach (var t in await PublishedTables.DescribeAsync(cdc, ct))
        {
            using var envelope = JsonDocument.Parse(t.EnvelopeSchemaJson);
            var after = envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after");
            await ingester.Tables.EnsureTableAsync(t.Schema, t.Table, after.GetRawText(), t.KeyColumns, ct);
        }

        await MartInstaller.InstallAsync(clickHouse.ConnectionString, Zone, NullLogger.Instance, ct);

        var reader = new CdcReader(cdc, kafka.Topics, TestLogging.Factory.CreateLogger("cdc"));
        using var stop = new CancellationTokenSource();
        var cdcRun = Task.Run(() => reader.RunAsync(stop.Token), ct);
        var ingestRun = Task.Run(() => ingester.RunAsync(stop.Token), ct);
        try
        {
            (await Task.WhenAny(reader.Streaming, cdcRun, Task.Delay(TimeSpan.FromSeconds(90), ct))).ShouldBe(reader.Streaming);

            // The person: ordered with name, birth date, e-mail, phone and street; read by staff (audited); paid by a bank
            // transfer whose remittance text names them; their e-mail typed as a login that does not exist.
            var email = $"vedika.{Guid.NewGuid():N}@example.in";
            var customerId = await PlaceOrderAsync(api, email);
            await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
            await conn.OpenAsync(ct);
            var invoice = await IssueInvoiceAsync(conn, customerId);
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.payment (id, source, reference, billing_account_id, amount, currency, unallocated, status, remittance, received_at, recorded_at)
                SELECT gen_random_uuid(), 'bank_transfer', @reference, billing_account_id, 100.00, 'INR', 100.00, 'applied', @remittance, now(), now()
                FROM hub.billing_profile WHERE customer_id = @customerId
                """, new { customerId, reference = "E2E-" + prefix, remittance = $"{GivenName} {FamilyName}, 7 Lavelle Road, {Phone}" });
            (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm(email, "not-the-password", null))).Status.ShouldBe(HttpStatusCode.BadRequest);

            var request = await OpenAsync(api, customerId, "erasure");
            var (erased, outcome) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer);
            erased.ShouldBe(HttpStatusCode.OK, outcome.ToString());
            outcome.GetProperty("request").GetProperty("outcome").GetString()!.ShouldContain("1 payment remittance text(s) overwritten");
            (await conn.ExecuteScalarAsync<string>("SELECT remittance FROM hub.payment WHERE reference = @reference", new { reference = "E2E-" + prefix })).ShouldBe("[erased]");

            // Wait for the warehouse: the erasure's own audit row (written after the customer's update, same transaction)
            // and the remittance's overwrite (the last erasure step) have arrived.
            using var client = clickHouse.CreateClient();
            var id = new ClickHouseParameterCollection();
            id.AddParameter("customer", customerId);
            await WaitUntilAsync(async () =>
            {
                try
                {
                    return Convert.ToInt64(await client.ExecuteScalarAsync(
                               "SELECT count() FROM marts.audit_trail WHERE customer_id = {customer:UUID} AND table_name = 'customer' AND action = 'update' " +
                               "AND actor = 'staff:test-compliance-officer' AND JSONExtractString(after, 'erased_at') <> ''", id, cancellationToken: ct)) > 0
                           && Convert.ToInt64(await client.ExecuteScalarAsync(
                               "SELECT count() FROM marts.audit_trail WHERE table_name = 'payment' AND action = 'update' AND actor = 'staff:test-compliance-officer'", cancellationToken: ct)) > 0
                           && Convert.ToInt64(await client.ExecuteScalarAsync(
                               "SELECT count() FROM hub.access_audit WHERE detail = 'unknown login'", cancellationToken: ct)) > 0;
                }
                catch (ClickHouse.Driver.ClickHouseServerException)
                {
                    return false;
                }
            }, "the erasure and its audit rows to reach the warehouse");

            // The marts as the scheduler builds them, after the erasure.
            await new MartRefresher(clickHouse.ConnectionString, new MartOptions { ReportingTimeZone = Zone }, ClickHouseTopology.SingleNode, TimeProvider.System, NullLogger.Instance)
                .RefreshAsync(ct: ct);

            // The audit log flowed: the customer's rows are in the auditors' view, with who did what and no personal value.
            var trail = await RowsAsync(client, "SELECT action, actor, table_name FROM marts.audit_trail WHERE customer_id = {customer:UUID} ORDER BY audit_id", id);
            trail.ShouldContain(r => r[0] == "insert" && r[2] == "customer");
            trail.ShouldContain(r => r[0] == "update" && r[1] == "staff:test-compliance-officer" && r[2] == "customer");
            trail.ShouldContain(r => r[0] == "insert" && r[1].StartsWith("db:", StringComparison.Ordinal) && r[2] == "invoice", "a change made outside the API names the database user");

            // Kept by law, pseudonymous: the invoice, by customer id, whole.
            (await RowsAsync(client, "SELECT toString(total) FROM hub.invoice WHERE customer_id = {customer:UUID}", id)).ShouldBe([["590"]]);
            var invoiceId = new ClickHouseParameterCollection();
            invoiceId.AddParameter("invoice", invoice);
            (await RowsAsync(client, "SELECT toString(sum(amount)) FROM hub.invoice_line WHERE invoice_id = {invoice:UUID}", invoiceId)).ShouldBe([["500"]]);

            // The allowlisted columns never became warehouse columns.
            var leakedColumns = await RowsAsync(client,
                "SELECT concat(table, '.', name) FROM system.columns WHERE database = 'raw' AND table IN ('hub_customer', 'hub_contact_medium', 'hub_identity_user', 'hub_payment') " +
                "AND (name LIKE '%\\_enc' OR name LIKE '%\\_hash' OR name IN ('postal_code', 'display_name', 'remittance'))", new ClickHouseParameterCollection());
            leakedColumns.ShouldBeEmpty();

            // Every text column of every table (raw versions included, not just the current state).
            string[] needles = [GivenName, FamilyName, email, Phone, "97311 86420", "Lavelle"];
            var (tables, columns, found) = await ScanWarehouseAsync(client, needles, ct);
            tables.ShouldBeGreaterThan(80, "every raw table, mart and log was scanned");
            columns.ShouldBeGreaterThan(300);
            found.ShouldBeEmpty();
            (await RowsAsync(client, "SELECT count() FROM raw._dead_letter", new ClickHouseParameterCollection())).ShouldBe([["0"]]);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(cdcRun, ingestRun).WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None)
                .ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
            await conn.OpenAsync(CancellationToken.None);
            await conn.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 's{prefix}' AND NOT active");
        }
    }

    [Fact]
    public async Task A_raw_table_made_before_the_allowlist_loses_the_columns_the_stream_no_longer_carries()
    {
        var ct = Ct;
        var pg = await postgres.CreateMigratedDatabaseAsync();
        var full = new CdcReaderOptions { ConnectionString = pg, BootstrapServers = "unused:9092" };
        var listed = new CdcReaderOptions { ConnectionString = pg, BootstrapServers = "unused:9092" };
        new Host.Configuration.HubSettings().Cdc.ApplyColumnAllowlist(listed);

        var before = (await PublishedTables.DescribeAsync(full, ct)).Single(t => t.Schema == "hub" && t.Table == "customer");
        var after = (await PublishedTables.DescribeAsync(listed, ct)).Single(t => t.Schema == "hub" && t.Table == "customer");
        using var client = clickHouse.CreateClient();
        var naming = new RawTableNaming { RawDatabase = "legacy_raw", ViewDatabase = "legacy_hub" };

        // The raw table as an ingester made it before the allowlist, with a row holding ciphertext.
        await new RawTableManager(client, naming).EnsureTableAsync("hub", "customer", After(before), before.KeyColumns, ct);
        await client.ExecuteNonQueryAsync(
            "INSERT INTO legacy_raw.hub_customer (id, customer_number, status, given_name_enc, family_name_enc, _version, _is_deleted, _op, _ingested_at) " +
            "VALUES (generateUUIDv4(), 'L0000001', 'active', 'old-ciphertext-given', 'old-ciphertext-family', 1, 0, 'r', now64(3))", cancellationToken: ct);

        // The host's start-up step (PipelineRoles) for an allowlisted table: what the stream no longer carries is dropped.
        var dropped = await new RawTableManager(client, naming).DropColumnsNotInAsync("hub", "customer", After(after), after.KeyColumns, ct);
        dropped.ShouldContain("given_name_enc");
        dropped.ShouldContain("family_name_enc");
        (await RowsAsync(client, "SELECT name FROM system.columns WHERE database = 'legacy_raw' AND table = 'hub_customer' AND (name LIKE '%\\_enc' OR name LIKE '%\\_hash')",
            new ClickHouseParameterCollection())).ShouldBeEmpty();
        (await RowsAsync(client, "SELECT customer_number FROM legacy_hub.customer", new ClickHouseParameterCollection())).ShouldBe([["L0000001"]]); // the view follows
        var (_, _, found) = await ScanWarehouseAsync(client, ["old-ciphertext"], ct);
        found.ShouldBeEmpty();
        (await new RawTableManager(client, naming).DropColumnsNotInAsync("hub", "customer", After(after), after.KeyColumns, ct)).ShouldBeEmpty();
    }

    private static string After(PublishedTable table)
    {
        using var envelope = JsonDocument.Parse(table.EnvelopeSchemaJson);
        return envelope.RootElement.GetProperty("fields").EnumerateArray().First(f => f.GetProperty("field").GetString() == "after").GetRawText();
    }

    /// <summary>Every String-typed column (plain, Nullable, LowCardinality, arrays, maps, tuples) of every table outside the system databases.</summary>
    private static async Task<(int Tables, int Columns, List<string> Found)> ScanWarehouseAsync(ClickHouse.Driver.ClickHouseClient client, string[] needles, CancellationToken ct)
    {
        var columns = await RowsAsync(client,
            """
            SELECT c.database, c.table, c.name FROM system.columns c
            JOIN system.tables t ON t.database = c.database AND t.name = c.table
            WHERE c.database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')
              AND t.engine NOT IN ('View', 'MaterializedView', 'LiveView')
              AND c.type LIKE '%String%'
            ORDER BY c.database, c.table, c.name
            """, new ClickHouseParameterCollection());
        var found = new List<string>();
        foreach (var row in columns)
        {
            var (db, table, column) = (row[0], row[1], row[2]);
            foreach (var needle in needles)
            {
                var p = new ClickHouseParameterCollection();
                p.AddParameter("needle", needle);
#pragma warning disable CA2100 // identifiers from system.columns, the needle a parameter
                var hits = Convert.ToInt64(await client.ExecuteScalarAsync(
                    $"SELECT count() FROM `{db}`.`{table}` WHERE positionCaseInsensitiveUTF8(toString(`{column}`), {{needle:String}}) > 0", p, cancellationToken: ct));
#pragma warning restore CA2100
                if (hits > 0)
                {
                    found.Add($"{db}.{table}.{column} holds '{needle}' ({hits} rows)");
                }
            }
        }

        return (columns.Select(r => r[0] + "." + r[1]).Distinct().Count(), columns.Count, found);
    }

    private static async Task<List<string[]>> RowsAsync(ClickHouse.Driver.ClickHouseClient client, string sql, ClickHouseParameterCollection parameters)
    {
        var rows = new List<string[]>();
#pragma warning disable CA2100 // test SQL, values are parameters
        using var reader = await client.ExecuteReaderAsync(sql, parameters, null, Ct);
#pragma warning restore CA2100
        while (await reader.ReadAsync(Ct))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!)]);
        }

        return rows;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(500, Ct);
        }
    }
}
