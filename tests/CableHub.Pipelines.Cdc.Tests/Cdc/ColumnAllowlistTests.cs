using System.Text.Json;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

/// <summary>
/// The per-table column allowlist: personal columns of a listed table never leave PostgreSQL — not in the events' before
/// or after images (snapshot, insert, update, delete), not in their schemas — while other tables stream every column.
/// </summary>
[Collection("cdc")]
public sealed class ColumnAllowlistTests(CdcEnvironment env)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_customer_change_event_carries_no_personal_column_and_unlisted_tables_stream_every_column()
    {
        await using var s = await CdcScenario.CreateAsync(env,
            """
            CREATE TABLE hub.customer (id int PRIMARY KEY, customer_number text NOT NULL, status text NOT NULL, given_name_enc bytea NOT NULL,
                                       full_name text, email_hash bytea, phone text);
            CREATE TABLE hub.note (id int PRIMARY KEY, body text NOT NULL);
            INSERT INTO hub.customer VALUES (1, 'C00000001', 'active', convert_to('Priya', 'UTF8'), 'Priya Sharma', '\x0102', '+91 98450 12345');
            """);
        var options = s.Options(snapshot: SnapshotMode.Initial);
        options.ColumnAllowlist["hub.customer"] = new HashSet<string>(["customer_number", "status"], StringComparer.Ordinal); // id: the key, always
        await s.StartAsync(options);
        await s.ExecAsync("INSERT INTO hub.customer VALUES (2, 'C00000002', 'prospective', convert_to('Arjun', 'UTF8'), 'Arjun Rao', '\\x0304', '+91 99000 11111')");
        await s.ExecAsync("UPDATE hub.customer SET full_name = 'Priya S. Sharma', phone = '+91 98450 99999', status = 'suspended' WHERE id = 1");
        await s.ExecAsync("DELETE FROM hub.customer WHERE id = 2");
        await s.ExecAsync("INSERT INTO hub.note VALUES (1, 'Priya called about her bill')");

        var events = s.ConsumeUntil(r => r.Count(m => m.Topic == s.Topic("customer") && !m.IsTombstone) >= 4 && r.Any(m => m.Topic == s.Topic("note")), Wait, "customer", "note");
        var customer = events.Where(m => m.Topic == s.Topic("customer") && !m.IsTombstone).ToList();
        customer.Select(m => m.Op).Order().ShouldBe(["c", "d", "r", "u"]);
        foreach (var e in customer)
        {
            var raw = e.Value!.Value.GetRawText();
            foreach (var personal in new[] { "Priya", "Arjun", "Sharma", "98450", "99000", "given_name_enc", "full_name", "email_hash", "phone" })
            {
                raw.ShouldNotContain(personal, Case.Insensitive, $"{e.Op} event leaks {personal}");
            }

            foreach (var image in new[] { "before", "after" })
            {
                var row = e.Payload.GetProperty(image);
                if (row.ValueKind == JsonValueKind.Object)
                {
                    row.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "customer_number", "status"], $"{e.Op} {image}");
                }
            }

            // the schema the event names has the allowed columns only
            var fields = e.Value!.Value.GetProperty("schema").GetProperty("fields")[1].GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("field").GetString());
            fields.ShouldBe(["id", "customer_number", "status"]);
        }

        customer.Single(m => m.Op == "u").Payload.GetProperty("after").GetProperty("status").GetString().ShouldBe("suspended");
        customer.Single(m => m.Op == "d").Payload.GetProperty("before").GetProperty("customer_number").GetString().ShouldBe("C00000002");

        // A table without an allowlist streams every column.
        var note = events.First(m => m.Topic == s.Topic("note"));
        note.Payload.GetProperty("after").GetProperty("body").GetString().ShouldBe("Priya called about her bill");

        // What the warehouse creates its raw tables from is filtered the same way.
        var published = await PublishedTables.DescribeAsync(options, TestContext.Current.CancellationToken);
        var schema = published.Single(t => t.Table == "customer").EnvelopeSchemaJson;
        schema.ShouldNotContain("given_name_enc");
        schema.ShouldNotContain("phone");
        schema.ShouldContain("customer_number");
    }
}
