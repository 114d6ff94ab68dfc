using CableHub.Billing.Contracts;
using CableHub.Testing;
using CableHub.Vod.Contracts;
using Dapper;

namespace CableHub.Billing.Tests;

/// <summary>A VOD sale (hub.one_time_charge, VOD's table) follows its bill: unbilled → billed with the invoice, in the bill run's transaction.</summary>
public sealed class VodChargeBillingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_vod_charge_billed_by_a_run_is_marked_billed_with_its_invoice_in_vod()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, customer) = (db.Id("account:1"), db.Id("customer:1"));
        var (billed, later) = (Guid.NewGuid(), Guid.NewGuid());
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.one_time_charge (id, billing_account_id, customer_id, kind, source_id, description, amount, currency, charged_at)
            VALUES (@billed, @account, @customer, 'vod_rental', gen_random_uuid(), 'VOD rental: Laapataa Ladies (48 h)', 49.00, 'INR', '2026-01-25T12:00:00Z'),
                   (@later, @account, @customer, 'vod_rental', gen_random_uuid(), 'VOD rental: Jawan (48 h)', 59.00, 'INR', '2026-02-06T12:00:00Z');
            """, new { billed, later, account, customer });

        // VOD's event reaches billing (delivered twice: one pending charge).
        var sale = new OneTimeChargeCreated(billed, account, customer, "vod_rental", Guid.NewGuid(), "VOD rental: Laapataa Ladies (48 h)", new Money(49.00m, "INR"), DateTimeOffset.UnixEpoch);
        await BillingEventHandler.Handle(sale, db.Get<IBillingCharges>(), default);
        await BillingEventHandler.Handle(sale, db.Get<IBillingCharges>(), default);

        await db.Runner().RunAsync(BillingDatabase.February5);
        var invoice = (await db.Invoices().ListAsync(account, 0, 5)).Items.Single();
        invoice.Lines.Single(l => l.Kind == "one_time").Amount.ShouldBe(49.00m);

        var rows = (await conn.QueryAsync<(Guid Id, string Status, Guid? InvoiceId)>("SELECT id, status, invoice_id FROM hub.one_time_charge ORDER BY charged_at")).ToList();
        rows.ShouldBe([(billed, "billed", invoice.Id), (later, "unbilled", null)]);

        // A re-run changes nothing; the port itself is idempotent.
        await db.Runner().RunAsync(BillingDatabase.February5);
        await using var tx = await conn.BeginTransactionAsync();
        (await db.Get<IOneTimeChargeBilling>().MarkBilledAsync([new OneTimeChargeBilled(billed, Guid.NewGuid(), "X", DateTimeOffset.UnixEpoch)], new(conn, tx), default)).ShouldBe(0);
        await tx.CommitAsync();
        (await conn.QuerySingleAsync<Guid>("SELECT invoice_id FROM hub.one_time_charge WHERE id = @billed", new { billed })).ShouldBe(invoice.Id);
    }
}
