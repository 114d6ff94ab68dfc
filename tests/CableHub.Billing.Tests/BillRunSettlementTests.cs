using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Billing.Payments;
using CableHub.Testing;

namespace CableHub.Billing.Tests;

/// <summary>Credit an account holds (prepayment, over-payment) pays the invoices a bill run issues, and the dunning sweep settles what a run left.</summary>
public sealed class BillRunSettlementTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static IncomingPayment Card(string reference, decimal amount, Guid account) =>
        new(PaymentSource.Card, reference, new Money(amount, "INR"), DateTimeOffset.Parse("2026-02-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture)) { BillingAccountId = account };

    [Fact]
    public async Task A_bill_run_settles_its_accounts_credit_against_the_new_invoices()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var ledger = db.Get<PaymentLedger>();
        var (a1, a2) = (db.Id("account:1"), db.Id("account:2"));

        // Prepayments before any invoice: all credit.
        (await ledger.RecordAsync(Card("pi_pre_1", 600.00m, a1))).Credit.Amount.ShouldBe(600.00m);
        (await ledger.RecordAsync(Card("pi_pre_2", 100.00m, a2))).Credit.Amount.ShouldBe(100.00m);

        // February: 299.00 + NCF 130.00 + GST 77.22 = 506.22 each.
        var runner = db.Runner();
        await runner.RunAsync(BillingDatabase.February5);
        runner.LastRunCreditAllocations.ShouldBe(2);
        var bill1 = (await db.Invoices().ListAsync(a1, 0, 5)).Items.Single();
        var bill2 = (await db.Invoices().ListAsync(a2, 0, 5)).Items.Single();
        (bill1.Total, bill1.Status, bill1.OpenAmount).ShouldBe((506.22m, InvoiceStatus.Paid, 0m));
        (bill2.Status, bill2.OpenAmount).ShouldBe((InvoiceStatus.PartiallyPaid, 406.22m));
        (await ledger.BalanceAsync(a1)).ShouldBe(new AccountBalance(a1, "INR", 0m, 93.78m));
        db.Events.Published.OfType<InvoicePaid>().ShouldHaveSingleItem().InvoiceId.ShouldBe(bill1.Id);

        // Re-running the date bills nothing and allocates nothing twice.
        await runner.RunAsync(BillingDatabase.February5);
        runner.LastRunCreditAllocations.ShouldBe(0);
        (await ledger.BalanceAsync(a1)).Credit.ShouldBe(93.78m);

        // An invoice issued outside a run (and any run made where no outbox was at hand) is settled by the dunning sweep's call.
        var adHoc = await db.Invoices().IssueAsync(InvoiceCalculator.Compute(new AccountToBill(a1, db.Id("customer:1"), "INR", new BillingCycle(5), "IN", "IN"),
            new BillingCycle(5).PeriodContaining(new DateOnly(2026, 2, 10)), [], [new PendingCharge(Guid.NewGuid(), "adjustment", "Installation", 50.00m, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] })));
        (await db.Get<IDunningLedger>().SettleCreditsAsync(100, default)).ShouldBe(1);
        (await db.Invoices().GetAsync(adHoc.Id))!.Status.ShouldBe(InvoiceStatus.Paid);
        (await ledger.BalanceAsync(a1)).Credit.ShouldBe(34.78m); // 93.78 − 59.00
        (await db.Get<IDunningLedger>().SettleCreditsAsync(100, default)).ShouldBe(0);
    }
}
