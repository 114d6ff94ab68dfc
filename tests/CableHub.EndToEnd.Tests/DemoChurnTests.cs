using CableHub.Ml.Warehouse;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// The demo seed carries a churn history (simulated month by month: dunning suspensions, box swaps, disconnections driven
/// by them and by the payment method), and it reaches the warehouse, so churn features at past cut-offs have positives.
/// </summary>
[Collection(SharedHub.Name)]
public sealed class DemoChurnTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task The_demo_warehouse_has_past_disconnections_with_their_drivers_so_features_at_past_cutoffs_have_positives()
    {
        // The history in PostgreSQL: every disconnected subscription ends with one disconnect change at its end; the drivers are there.
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription WHERE status = 'terminated'")).ShouldBeGreaterThan(10);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription WHERE end_at > now()")).ShouldBe(0, "disconnections are in the past");
        (await _hub.ScalarAsync<long>(
            """
            SELECT count(*) FROM hub.subscription s
            WHERE s.status = 'terminated'
              AND (SELECT count(*) FROM hub.subscription_change c WHERE c.subscription_id = s.id AND c.kind = 'disconnect' AND c.effective_at = s.end_at) <> 1
            """)).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription_change c JOIN hub.subscription s ON s.id = c.subscription_id WHERE c.effective_at > coalesce(s.end_at, now()) OR c.effective_at < s.start_at"))
            .ShouldBe(0, "no change outside the subscription's life");
        foreach (var kind in new[] { "suspend", "restore", "device_swap", "disconnect" })
        {
            (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription_change WHERE kind = @kind", ("kind", kind))).ShouldBeGreaterThan(0, kind);
        }

        // Trouble tickets go with the drivers: an STB-fault ticket names the box of a subscription whose box was found faulty (swapped).
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.trouble_ticket WHERE ticket_type = 'stbFault' AND device_id IS NOT NULL")).ShouldBeGreaterThan(0);
        (await _hub.ScalarAsync<long>(
            """
            SELECT count(*) FROM hub.trouble_ticket t
            WHERE t.ticket_type = 'stbFault'
              AND NOT EXISTS (SELECT 1 FROM hub.subscription_change c WHERE c.subscription_id = t.subscription_id AND c.kind = 'device_swap')
            """)).ShouldBe(0, "STB faults only on faulty boxes");
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.trouble_ticket WHERE creation_date > now()")).ShouldBe(0, "tickets are in the past");

        // Cash payers leave more often than direct-debit payers (the simulated hazard is 5.5 times theirs).
        var cash = await _hub.ScalarAsync<decimal>(ShareSql, ("method", "cash"));
        var directDebit = await _hub.ScalarAsync<decimal>(ShareSql, ("method", "direct_debit"));
        cash.ShouldBeGreaterThan(directDebit);

        // In the warehouse: features at monthly cut-offs of the past year, labelled for a 60-day horizon, have both classes.
        var now = DateTimeOffset.UtcNow;
        long positives = 0, negatives = 0;
        double tickets = 0, stbFaults = 0;
        for (var months = 3; months <= 12; months += 3)
        {
            var table = await ChurnWarehouse.ReadFeaturesAsync(_hub.ClickHouseConnectionString, now.AddMonths(-months), 60, now, TestContext.Current.CancellationToken);
            var label = table.IndexOf(ChurnWarehouse.LabelColumn);
            positives += table.Rows.Count(r => r[label] == "1");
            negatives += table.Rows.Count(r => r[label] == "0");
            table.Rows.Sum(r => double.Parse(r[table.IndexOf("channels")], System.Globalization.CultureInfo.InvariantCulture)).ShouldBeGreaterThan(0);
            tickets += table.Rows.Sum(r => double.Parse(r[table.IndexOf("tickets_90d")], System.Globalization.CultureInfo.InvariantCulture));
            stbFaults += table.Rows.Sum(r => double.Parse(r[table.IndexOf("stb_faults_90d")], System.Globalization.CultureInfo.InvariantCulture));
        }

        positives.ShouldBeGreaterThan(5);
        negatives.ShouldBeGreaterThan(positives);
        tickets.ShouldBeGreaterThan(stbFaults, "the tickets reached the warehouse: every STB fault is a ticket, not every ticket an STB fault");
        stbFaults.ShouldBeGreaterThan(0);
    }

    private const string ShareSql =
        """
        SELECT avg(CASE WHEN s.status = 'terminated' THEN 1.0 ELSE 0.0 END)
        FROM hub.subscription s JOIN hub.billing_account a ON a.id = s.billing_account_id
        WHERE a.payment_method = @method
        """;
}
