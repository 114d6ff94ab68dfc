using System.Net;
using System.Text.Json;
using CableHub.Modules.Testing;
using CableHub.Pipelines.Cdc;
using CableHub.Pipelines.Ingest;
using CableHub.Pipelines.Ingest.Schema;
using CableHub.Testing;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static CableHub.Compliance.Tests.DataSubjectTests;

namespace CableHub.Compliance.Tests;

/// <summary>
/// Erasure reaches the warehouse: the hub's database → the change stream (the host's column allowlist) → Kafka → the
/// ingester → ClickHouse raw tables → marts (<see cref="WarehouseChain"/>), all running while a customer is created, read,
/// paid for (remittance text naming them), tried as a login, named in the free text staff type about them (reasons, notes),
/// and erased. Afterwards every text column of every ClickHouse table (raw versions
/// included, marts, logs) is scanned: none holds the person's name, e-mail, phone or street. What the law keeps is there,
/// pseudonymous (the invoice, by customer id), and the audit log reached the warehouse with the erasure in it.
/// </summary>
public sealed class WarehouseErasureTests(PostgresFixture postgres, KafkaFixture kafka, ClickHouseFixture clickHouse)
    : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>, IClassFixture<ClickHouseFixture>
{
    [Fact]
    public async Task After_erasure_no_text_column_of_any_warehouse_table_holds_the_persons_data_and_the_audit_log_arrived()
    {
        var ct = Ct;
        await using var api = await ApiHost.StartAsync(postgres);
        await using var chain = await WarehouseChain.StartAsync(api.Db.ConnectionString, kafka, clickHouse, ct);

        // The person: ordered with name, birth date, e-mail, phone and street; read by staff (audited); paid by a bank
        // transfer whose remittance text names them; their e-mail typed as a login that does not exist; named in the free
        // text staff and requesters type (cancellation, order item, disconnect, device movement / pairing / return reasons,
        // a promise to pay's note, a credit note's reason).
        var email = $"vedika.{Guid.NewGuid():N}@example.in";
        var customerId = await PlaceOrderAsync(api, email);
        await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
        await conn.OpenAsync(ct);
        var invoice = await IssueInvoiceAsync(conn, customerId);
        var reference = "E2E-" + Guid.NewGuid().ToString("N")[..10];
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.payment (id, source, reference, billing_account_id, amount, currency, unallocated, status, remittance, received_at, recorded_at)
            SELECT gen_random_uuid(), 'bank_transfer', @reference, billing_account_id, 100.00, 'INR', 100.00, 'applied', @remittance, now(), now()
            FROM hub.billing_profile WHERE customer_id = @customerId
            """, new { customerId, reference, remittance = $"{GivenName} {FamilyName}, 7 Lavelle Road, {Phone}" });
        await SeedFreeTextAsync(api, conn, customerId, invoice);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm(email, "not-the-password", null))).Status.ShouldBe(HttpStatusCode.BadRequest);

        var request = await OpenAsync(api, customerId, "erasure");
        var (erased, outcome) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer);
        erased.ShouldBe(HttpStatusCode.OK, outcome.ToString());
        var done = outcome.GetProperty("request").GetProperty("outcome").GetString()!;
        done.ShouldContain("1 payment remittance text(s) overwritten");
        done.ShouldContain("2 device movement reason(s)");
        (await conn.ExecuteScalarAsync<string>("SELECT remittance FROM hub.payment WHERE reference = @reference", new { reference })).ShouldBe("[erased]");

        // Wait for the warehouse: the erasure's own audit rows (the customer's update, the credit note's reason overwritten
        // — billing erases after customers and ordering) and the rows whose free text never streams arrived.
        var client = chain.Client;
        var id = new ClickHouseParameterCollection();
        id.AddParameter("customer", customerId);
        await WarehouseChain.WaitUntilAsync(async () =>
            Convert.ToInt64(await client.ExecuteScalarAsync(
                "SELECT count() FROM marts.audit_trail WHERE customer_id = {customer:UUID} AND table_name = 'customer' AND action = 'update' " +
                "AND actor = 'staff:test-compliance-officer' AND JSONExtractString(after, 'erased_at') <> ''", id, cancellationToken: ct)) > 0
            && Convert.ToInt64(await client.ExecuteScalarAsync(
                "SELECT count() FROM marts.audit_trail WHERE table_name = 'invoice' AND action = 'update' AND actor = 'staff:test-compliance-officer' AND customer_id = {customer:UUID}",
                id, cancellationToken: ct)) > 0
            && Convert.ToInt64(await client.ExecuteScalarAsync(
                "SELECT count() FROM hub.access_audit WHERE detail = 'unknown login'", cancellationToken: ct)) > 0
            && Convert.ToInt64(await client.ExecuteScalarAsync(
                "SELECT count() FROM hub.device_return WHERE customer_id = {customer:UUID}", id, cancellationToken: ct)) > 0
            && Convert.ToInt64(await client.ExecuteScalarAsync(
                "SELECT count() FROM hub.product_order WHERE customer_id = {customer:UUID} AND state = 'cancelled'", id, cancellationToken: ct)) > 0,
            "the erasure and its audit rows to reach the warehouse", ct);

        // The marts as the scheduler builds them, after the erasure.
        await new MartRefresher(clickHouse.ConnectionString, new MartOptions { ReportingTimeZone = WarehouseChain.Zone }, ClickHouseTopology.SingleNode, TimeProvider.System, NullLogger.Instance)
            .RefreshAsync(ct: ct);

        // The audit log flowed: the customer's rows are in the auditors' view, with who did what and no personal value.
        var trail = await RowsAsync(client, "SELECT action, actor, table_name FROM marts.audit_trail WHERE customer_id = {customer:UUID} ORDER BY audit_id", id);
        trail.ShouldContain(r => r[0] == "insert" && r[2] == "customer");
        trail.ShouldContain(r => r[0] == "update" && r[1] == "staff:test-compliance-officer" && r[2] == "customer");
        trail.ShouldContain(r => r[0] == "insert" && r[1].StartsWith("db:", StringComparison.Ordinal) && r[2] == "invoice", "a change made outside the API names the database user");

        // Kept by law, pseudonymous: the invoice, by customer id, whole; the orders with their states; coded change reasons.
        (await RowsAsync(client, "SELECT toString(total) FROM hub.invoice WHERE customer_id = {customer:UUID} AND kind = 'invoice'", id)).ShouldBe([["590"]]);
        var invoiceId = new ClickHouseParameterCollection();
        invoiceId.AddParameter("invoice", invoice);
        (await RowsAsync(client, "SELECT toString(sum(amount)) FROM hub.invoice_line WHERE invoice_id = {invoice:UUID}", invoiceId)).ShouldBe([["500"]]);
        (await RowsAsync(client, "SELECT state FROM marts.fact_order FINAL WHERE customer_id = {customer:UUID}", id)).ShouldBe([["cancelled"]]);
        (await RowsAsync(client,
            "SELECT c.kind, ifNull(c.reason_code, '') FROM hub.subscription_change c JOIN hub.subscription s ON s.id = c.subscription_id WHERE s.customer_id = {customer:UUID} ORDER BY c.effective_at",
            id)).ShouldBe([["suspend", "vacation"], ["disconnect", "other"]]);

        // The allowlisted columns never became warehouse columns: personal fields, and the free text people type.
        var leakedColumns = await RowsAsync(client,
            "SELECT concat(table, '.', name) FROM system.columns WHERE database = 'raw' AND (" +
            "(table IN ('hub_customer', 'hub_contact_medium', 'hub_identity_user', 'hub_payment') AND (name LIKE '%\\_enc' OR name LIKE '%\\_hash' OR name IN ('postal_code', 'display_name', 'remittance'))) " +
            "OR (table = 'hub_product_order' AND name = 'state_reason') OR (table = 'hub_payment_promise' AND name = 'note') OR (table = 'hub_data_subject_request' AND name = 'extended_reason') " +
            "OR (table IN ('hub_product_order_item', 'hub_product_order_state_change', 'hub_subscription_change', 'hub_device_return', 'hub_stock_movement', 'hub_device_pairing', 'hub_invoice') AND name = 'reason'))",
            new ClickHouseParameterCollection());
        leakedColumns.ShouldBeEmpty();

        // Every text column of every table (raw versions included, not just the current state).
        string[] needles = [GivenName, FamilyName, email, Phone, "97311 86420", "Lavelle"];
        var (tables, columns, found) = await ScanWarehouseAsync(client, needles, ct);
        tables.ShouldBeGreaterThan(80, "every raw table, mart and log was scanned");
        columns.ShouldBeGreaterThan(300);
        found.ShouldBeEmpty();
        (await RowsAsync(client, "SELECT count() FROM raw._dead_letter", new ClickHouseParameterCollection())).ShouldBe([["0"]]);
    }

    [Fact]
    public async Task A_raw_table_made_before_the_allowlist_loses_the_columns_the_stream_no_longer_carries()
    {
        var ct = Ct;
        var pg = await postgres.CreateMigratedDatabaseAsync();
        var full = new CdcReaderOptions { ConnectionString = pg, BootstrapServers = "unused:9092" };
        var listed = new CdcReaderOptions { ConnectionString = pg, BootstrapServers = "unused:9092" };
        new Host.Configuration.HubSettings().Cdc.ApplyTo(listed);

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

    private static Task<List<string[]>> RowsAsync(ClickHouse.Driver.ClickHouseClient client, string sql, ClickHouseParameterCollection parameters) =>
        WarehouseChain.RowsAsync(client, sql, parameters, Ct);
}
