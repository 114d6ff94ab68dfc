using System.Globalization;
using CableHub.Testing;
using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Warehouse.Tests;

/// <summary>
/// Billing facts on the real embedded chDB over raw tables made by the ingester's code from the migrated schema (so
/// hub.invoice, invoice_line, billing_charge and payment are captured tables): fact_invoice, fact_invoice_line and the
/// monthly revenue mart, built in full, then incrementally when a payment settles an invoice and a credit note arrives.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class BillingMartTests : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private const string Zone = "Asia/Kolkata";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Guid Plan = G(51), Sub = G(71), Account = G(81), Customer = G(11), Inv1 = G(101), Inv2 = G(102), Cn1 = G(103);

    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-03-20T09:00:00Z", CultureInfo.InvariantCulture));
    private readonly PostgresFixture _postgres;
    private readonly ClickHouseFixture _clickHouse;
    private ClickHouseClient _client = null!;
    private MartRefresher _refresher = null!;
    private ulong _version;

    public BillingMartTests(ClickHouseFixture clickHouse, PostgresFixture postgres) => (_clickHouse, _postgres) = (clickHouse, postgres);

    public async ValueTask InitializeAsync()
    {
        await WarehouseSchema.BuildAsync(_postgres, _clickHouse, Zone, Ct);
        _client = _clickHouse.CreateClient();
        _refresher = new MartRefresher(_clickHouse.ConnectionString, new MartOptions { ReportingTimeZone = Zone, WatermarkOverlap = TimeSpan.Zero },
            ClickHouseTopology.SingleNode, _clock, NullLogger.Instance);
    }

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Invoices_lines_and_monthly_revenue_follow_payments_and_credit_notes()
    {
        // Billing's tables are captured like every hub table.
        (await RowsAsync("SELECT name FROM system.tables WHERE database = 'raw' AND name IN ('hub_invoice', 'hub_invoice_line', 'hub_billing_charge', 'hub_payment', 'hub_payment_allocation') ORDER BY name"))
            .ShouldBe(["hub_billing_charge", "hub_invoice", "hub_invoice_line", "hub_payment", "hub_payment_allocation"]);

        await RawAsync("subscription", "id, customer_id, billing_account_id, plan_id, status", $"SELECT '{Sub}', '{Customer}', '{Account}', '{Plan}', 'active'");
        await RawAsync("invoice", InvoiceColumns,
            Invoice(Inv1, "INV-000000001", "invoice", "2026-02-05", "2026-02-20", 429, 77.22m, 506.22m, "issued", null) + " UNION ALL " +
            Invoice(Inv2, "INV-000000002", "invoice", "2026-03-05", "2026-03-20", 100, 18, 118, "issued", null));
        await RawAsync("invoice_line", LineColumns,
            Line(Inv1, 1, "recurring", "FAMILY-M Family monthly", 299, "cable_service", 0.18m, Sub) + " UNION ALL " +
            Line(Inv1, 2, "ncf", "Network capacity fee", 130, "cable_service", 0.18m, Sub) + " UNION ALL " +
            Line(Inv1, 3, "tax", "GST 18%", 77.22m, null, 0.18m, null) + " UNION ALL " +
            Line(Inv2, 1, "one_time", "Installation", 100, "cable_service", 0.18m, null) + " UNION ALL " +
            Line(Inv2, 2, "tax", "GST 18%", 18, null, 0.18m, null));

        var first = await RefreshAsync();
        (first["fact_invoice"].Mode, first["fact_invoice_line"].Rows, first["fact_revenue_monthly"].Mode).ShouldBe(("full", 5L, "full"));
        (await RowsAsync("SELECT invoice_number, toString(issue_month), currency, toString(total), toString(open_amount), status, days_past_due FROM marts.fact_invoice FINAL ORDER BY invoice_number"))
            .ShouldBe(["INV-000000001|2026-02-01|INR|506.22|506.22|issued|28", "INV-000000002|2026-03-01|INR|118|118|issued|0"]);
        (await RowsAsync("SELECT line_no, line_kind, toString(plan_id) = '" + Plan + "', toString(amount), toString(tax_rate) FROM marts.fact_invoice_line FINAL WHERE invoice_id = '" + Inv1 + "' ORDER BY line_no"))
            .ShouldBe(["1|recurring|1|299|0.18", "2|ncf|1|130|0.18", "3|tax|0|77.22|0.18"]);
        (await RevenueAsync()).ShouldBe(["2026-02-01|INR|plan|1|429|0|429|0", "2026-02-01|INR|none|1|0|77.22|77.22|0", "2026-03-01|INR|none|1|100|18|118|0"]);

        // Nothing changed: nothing written.
        var idle = await RefreshAsync();
        (idle["fact_invoice"].Rows, idle["fact_invoice_line"].Rows, idle["fact_revenue_monthly"].Mode).ShouldBe((0L, 0L, "unchanged"));

        // A payment settles invoice 1 (only its row changes); a credit note of 100 + 18 for invoice 2 arrives in March.
        _clock.Now = _clock.Now.AddDays(2);
        await RawAsync("invoice", InvoiceColumns, Invoice(Inv1, "INV-000000001", "invoice", "2026-02-05", "2026-02-20", 429, 77.22m, 506.22m, "paid", "2026-03-22 10:00:00"));
        await RawAsync("invoice", InvoiceColumns, Invoice(Cn1, "CN-000000001", "credit_note", "2026-03-22", "2026-03-22", -100, -18, -118, "issued", null, Inv2));
        await RawAsync("invoice_line", LineColumns, Line(Cn1, 1, "credit", "Credit of line 1: Installation", -100, "cable_service", 0.18m, null) + " UNION ALL " +
            Line(Cn1, 2, "tax", "Credit of line 2: GST 18%", -18, null, 0.18m, null));
        var second = await RefreshAsync();
        second["fact_invoice"].Rows.ShouldBe(2);
        second["fact_invoice_line"].Rows.ShouldBe(5); // the credit note's 2 lines, invoice 1's 3 lines rewritten
        (await RowsAsync("SELECT invoice_number, status, toString(open_amount), toString(settled_amount), days_to_settle, days_past_due FROM marts.fact_invoice FINAL WHERE kind = 'invoice' ORDER BY invoice_number"))
            .ShouldBe(["INV-000000001|paid|0|506.22|45|0", "INV-000000002|issued|118|0||0"]);
        (await RevenueAsync()).ShouldBe(["2026-02-01|INR|plan|1|429|0|429|0", "2026-02-01|INR|none|1|0|77.22|77.22|0", "2026-03-01|INR|none|2|0|0|0|-118"]);

        // Every new column is commented.
        (await RowsAsync("SELECT table || '.' || name FROM system.columns WHERE database = 'marts' AND table IN ('fact_invoice', 'fact_invoice_line', 'fact_revenue_monthly') AND comment = ''")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Payments_and_dunning_steps_become_facts_incrementally()
    {
        (await RowsAsync("SELECT name FROM system.tables WHERE database = 'raw' AND name IN ('hub_dunning_step', 'hub_billing_profile') ORDER BY name"))
            .ShouldBe(["hub_billing_profile", "hub_dunning_step"]);
        var (pay1, pay2) = (G(201), G(202));
        await RawAsync("billing_profile", "billing_account_id, customer_id", $"SELECT '{Account}', '{Customer}'");
        await RawAsync("invoice", InvoiceColumns, Invoice(Inv1, "INV-000000001", "invoice", "2026-02-05", "2026-02-20", 429, 77.22m, 506.22m, "issued", null));

        // A card payment received 2026-02-28 22:00 UTC (2026-03-01 local), 600.00: 506.22 on invoice 1, 93.78 credit; 5.00 in suspense.
        await RawAsync("payment", PaymentColumns,
            Payment(pay1, "card", "pi_1", Account, 600, 93.78m, "applied", "2026-02-28 22:00:00") + " UNION ALL " + Payment(pay2, "bank_transfer", "CH-1", null, 5, 5, "suspense", "2026-03-02 08:00:00"));
        await RawAsync("payment_allocation", "payment_id, invoice_id, amount, allocated_at", $"SELECT '{pay1}', '{Inv1}', toDecimal128(506.22, 2), toDateTime64('2026-02-28 22:00:01', 6, 'UTC')");

        // Dunning of invoice 1 before it was paid: reminder at day 1, late fee 60.12 at day 10.
        await RawAsync("dunning_step", StepColumns,
            Step(Inv1, "reminder:1", "reminder", 1, null, "2026-02-21 06:00:00") + " UNION ALL " + Step(Inv1, "late_fee", "late_fee", 10, 60.12m, "2026-03-02 06:00:00"));

        var first = await RefreshAsync();
        (first["fact_payment"].Rows, first["fact_dunning_step"].Rows).ShouldBe((2L, 2L));
        (await RowsAsync("SELECT reference, status, toString(received_date), toString(received_month), toString(amount), toString(allocated_amount), toString(unallocated_amount), invoices_paid, ifNull(toString(customer_id) = '" + Customer + "', 0) FROM marts.fact_payment FINAL ORDER BY reference"))
            .ShouldBe(["CH-1|suspense|2026-03-02|2026-03-01|5|0|5|0|0", "pi_1|applied|2026-03-01|2026-03-01|600|506.22|93.78|1|1"]);
        (await RowsAsync("SELECT step, kind, invoice_number, toString(due_date), day, toString(amount), currency, toString(taken_date) FROM marts.fact_dunning_step FINAL ORDER BY taken_at_utc"))
            .ShouldBe(["reminder:1|reminder|INV-000000001|2026-02-20|1||INR|2026-02-21", "late_fee|late_fee|INV-000000001|2026-02-20|10|60.12|INR|2026-03-02"]);

        // Nothing changed: nothing written. Then the clerk assigns the suspense money (only that payment's row changes) and the
        // invoice's dunning ends (one more step).
        var idle = await RefreshAsync();
        (idle["fact_payment"].Rows, idle["fact_dunning_step"].Rows).ShouldBe((0L, 0L));
        await RawAsync("payment", PaymentColumns, Payment(pay2, "bank_transfer", "CH-1", Account, 5, 5, "applied", "2026-03-02 08:00:00"));
        await RawAsync("dunning_step", StepColumns, Step(Inv1, "settled", "settled", null, null, "2026-03-03 06:00:00"));
        var second = await RefreshAsync();
        (second["fact_payment"].Rows, second["fact_dunning_step"].Rows).ShouldBe((1L, 3L));
        (await RowsAsync("SELECT status, toString(billing_account_id) = '" + Account + "' FROM marts.fact_payment FINAL WHERE reference = 'CH-1'")).ShouldBe(["applied|1"]);
        (await RowsAsync("SELECT count(), countIf(kind = 'settled' AND day IS NULL) FROM marts.fact_dunning_step FINAL WHERE invoice_id = '" + Inv1 + "'")).ShouldBe(["3|1"]);

        (await RowsAsync("SELECT table || '.' || name FROM system.columns WHERE database = 'marts' AND table IN ('fact_payment', 'fact_dunning_step') AND comment = ''")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Receivables_per_month_have_billed_collected_outstanding_and_ageing_in_local_months()
    {
        // Today is 2026-03-20 (Asia/Kolkata). Invoices (all INR):
        //   A 1000.00 issued 2025-12-01, due 2025-12-10: 400.00 allocated 2026-01-31 20:00 UTC (= 2026-02-01 01:30 local), never more.
        //   B  500.00 issued 2026-01-05, due 2026-01-20: credit note −200.00 issued 2026-02-10; written off 2026-03-05 (open 300.00).
        //   C  250.00 issued 2026-02-25, due 2026-03-12: paid in full 2026-03-15.
        //   D  118.00 issued 2026-03-05, due 2026-03-20: open.
        // Payments: 400.00 received 2026-01-31 20:00 UTC (February locally), 250.00 received 2026-03-15.
        // (Every helper column is aliased: ClickHouse folds identical expressions of the first SELECT of a UNION ALL into one name.)
        var (a, b, c, d, cn) = (G(301), G(302), G(303), G(304), G(305));
        var (p1, p2) = (G(311), G(312));
        await RawAsync("invoice", InvoiceColumns,
            Invoice(a, "INV-000000011", "invoice", "2025-12-01", "2025-12-10", 1000, 0, 1000, "partially_paid", null, open: 600) + " UNION ALL " +
            Invoice(b, "INV-000000012", "invoice", "2026-01-05", "2026-01-20", 500, 0, 500, "written_off", "2026-03-05 06:00:00", open: 0) + " UNION ALL " +
            Invoice(c, "INV-000000013", "invoice", "2026-02-25", "2026-03-12", 250, 0, 250, "paid", "2026-03-15 06:00:00") + " UNION ALL " +
            Invoice(d, "INV-000000014", "invoice", "2026-03-05", "2026-03-20", 100, 18, 118, "issued", null) + " UNION ALL " +
            Invoice(cn, "CN-000000011", "credit_note", "2026-02-10", "2026-02-10", -200, 0, -200, "issued", null, b));
        await RawAsync("payment", PaymentColumns,
            Payment(p1, "cash", "R-1", Account, 400, 0, "applied", "2026-01-31 20:00:00") + " UNION ALL " + Payment(p2, "card", "pi_9", Account, 250, 0, "applied", "2026-03-15 06:00:00"));
        await RawAsync("payment_allocation", "payment_id, invoice_id, amount, allocated_at",
            $"SELECT '{p1}', '{a}', toDecimal128(400, 2), toDateTime64('2026-01-31 20:00:01', 6, 'UTC') UNION ALL SELECT '{p2}', '{c}', toDecimal128(250, 2), toDateTime64('2026-03-15 06:00:01', 6, 'UTC')");

        var first = await RefreshAsync();
        first["fact_receivables_monthly"].Mode.ShouldBe("full");
        // month | as of | billed | credited | collected | written off | outstanding | open invoices | 0-30 | 31-60 | 61-90 | 90+
        // Dec 31: A 1000 open, 21 days past due.
        // Jan 31: A 1000 (52 days: 31-60); B 500 (11 days: 0-30). The payment is February's locally.
        // Feb 28: A 600 (80 days: 61-90); B 500 − 200 = 300 (39 days: 31-60); C 250 (not due: 0-30). Collected 400.
        // Mar 20 (today): A 600 (100 days: 90+); B written off (300 in March); C paid; D 118 (0 days: 0-30). Collected 250.
        (await ReceivablesAsync()).ShouldBe([
            "2025-12-01|2025-12-31|1000|0|0|0|1000|1|1000|0|0|0",
            "2026-01-01|2026-01-31|500|0|0|0|1500|2|500|1000|0|0",
            "2026-02-01|2026-02-28|250|-200|400|0|1150|3|250|300|600|0",
            "2026-03-01|2026-03-20|118|0|250|300|718|2|118|0|0|600",
        ]);

        // Nothing changed the same day: nothing written. The next day only the current month moves (as of, ageing).
        (await RefreshAsync())["fact_receivables_monthly"].Mode.ShouldBe("unchanged");
        _clock.Now = _clock.Now.AddDays(1);
        var next = await RefreshAsync();
        next["fact_receivables_monthly"].Rows.ShouldBe(1);
        (await ReceivablesAsync())[3].ShouldBe("2026-03-01|2026-03-21|118|0|250|300|718|2|118|0|0|600");

        (await RowsAsync("SELECT name FROM system.columns WHERE database = 'marts' AND table = 'fact_receivables_monthly' AND comment = ''")).ShouldBeEmpty();
    }

    private async Task<List<string>> ReceivablesAsync() =>
        await RowsAsync("SELECT toString(month), toString(as_of_date), toString(billed_amount), toString(credited_amount), toString(collected_amount), toString(written_off_amount), " +
                        "toString(outstanding_amount), open_invoices, toString(age_0_30_amount), toString(age_31_60_amount), toString(age_61_90_amount), toString(age_over_90_amount) " +
                        "FROM marts.fact_receivables_monthly FINAL WHERE currency = 'INR' ORDER BY month");

    private const string PaymentColumns = "id, source, reference, billing_account_id, amount, currency, unallocated, status, received_at, recorded_at";

    private const string StepColumns = "invoice_id, step, kind, billing_account_id, day, amount, currency, detail, taken_at";

    private static string Payment(Guid id, string source, string reference, Guid? account, decimal amount, decimal unallocated, string status, string receivedAt) =>
        FormattableString.Invariant(
            $"SELECT '{id}', '{source}', '{reference}', {(account is null ? "NULL" : $"'{account}'")} AS account, toDecimal128({amount}, 2) AS amount, 'INR', toDecimal128({unallocated}, 2) AS unallocated, '{status}', toDateTime64('{receivedAt}', 6, 'UTC') AS received, toDateTime64('{receivedAt}', 6, 'UTC') AS recorded");

    private static string Step(Guid invoice, string step, string kind, int? day, decimal? amount, string takenAt) =>
        FormattableString.Invariant(
            $"SELECT '{invoice}', '{step}', '{kind}', '{Account}', {(day is null ? "NULL" : $"toInt32({day})")} AS day, {(amount is null ? "NULL" : $"toDecimal128({amount}, 2)")} AS amount, {(amount is null ? "NULL" : "'INR'")} AS currency, '{kind} step', toDateTime64('{takenAt}', 6, 'UTC')");

    private const string InvoiceColumns =
        "id, kind, series, seq, invoice_number, billing_account_id, customer_id, corrects_invoice_id, period_start, period_end, issue_date, due_date, currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at, settled_at";

    private const string LineColumns = "invoice_id, line_no, kind, description, amount, tax_category, tax_rate, subscription_id, informational";

    private static string Invoice(Guid id, string number, string kind, string issue, string due, decimal subtotal, decimal tax, decimal total, string status, string? settledAt, Guid? corrects = null, decimal? open = null)
    {
        open ??= status == "paid" || kind == "credit_note" ? 0 : total;
        return string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{id}', '{kind}', '{(kind == "invoice" ? "INV" : "CN")}', toInt64(1), '{number}', '{Account}', '{Customer}', {(corrects is null ? "NULL" : $"'{corrects}'")} AS corrects, NULL AS ps, NULL AS pe, toDate('{issue}'), toDate('{due}'), 'INR', toDecimal128({subtotal}, 2) AS subtotal, toDecimal128({tax}, 2) AS tax, toDecimal128({total}, 2) AS total, toDecimal128({open}, 2) AS open, '{status}', 'IN', 'IN', toDateTime64('{issue} 04:00:00', 6, 'UTC'), {(settledAt is null ? "NULL" : $"toDateTime64('{settledAt}', 6, 'UTC')")} AS settled");
    }

    private static string Line(Guid invoice, int no, string kind, string description, decimal amount, string? category, decimal rate, Guid? subscription) =>
        FormattableString.Invariant(
            $"SELECT '{invoice}', toInt16({no}), '{kind}', '{description}', toDecimal128({amount}, 2), {(category is null ? "NULL" : $"'{category}'")} AS category, toDecimal128({rate}, 4), {(subscription is null ? "NULL" : $"'{subscription}'")} AS subscription, false");

    private async Task<List<string>> RevenueAsync() =>
        await RowsAsync($"SELECT toString(month), currency, if(plan_id = '{Plan}', 'plan', 'none'), invoices, toString(net_amount), toString(tax_amount), toString(gross_amount), toString(credited_amount) " +
                        "FROM marts.fact_revenue_monthly FINAL ORDER BY month, plan_id DESC");

    private async Task RawAsync(string table, string columns, string select)
    {
        _version++;
        _clock.Now = _clock.Now.AddSeconds(1);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("at", _clock.Now.UtcDateTime);
        await _client.ExecuteNonQueryAsync(
            $"INSERT INTO raw.hub_{table} ({columns}, _version, _is_deleted, _op, _ingested_at) " +
            $"SELECT *, toUInt128({_version}), 0, 'c', {{at:DateTime64(3, 'UTC')}} FROM ({select})", parameters, cancellationToken: Ct);
    }

    private async Task<Dictionary<string, MartRefreshResult>> RefreshAsync()
    {
        _clock.Now = _clock.Now.AddSeconds(1);
        var results = await _refresher.RefreshAsync(ct: Ct);
        return results.Where(r => r.SnapshotAt is null).ToDictionary(r => r.Mart);
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        var rows = new List<string>();
        using var reader = await _client.ExecuteReaderAsync(sql, cancellationToken: Ct);
        while (reader.Read())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
            {
                null or DBNull => "",
                bool b => b ? "true" : "false",
                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
            })));
        }

        return rows;
    }

    private static Guid G(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:D12}");
}
