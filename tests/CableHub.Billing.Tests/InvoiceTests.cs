using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Billing.Invoices;
using CableHub.Core.Persistence;
using CableHub.Testing;
using Dapper;
using Npgsql;

namespace CableHub.Billing.Tests;

/// <summary>Invoices in the database: gapless numbers under concurrency, immutability enforced by triggers, credit notes, allocation.</summary>
public sealed class InvoiceTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static InvoiceDraft Draft(Guid account, Guid customer, decimal amount = 299.00m) =>
        InvoiceCalculator.Compute(new AccountToBill(account, customer, "INR", new BillingCycle(5), "IN", "IN"), new BillingCycle(5).PeriodContaining(new DateOnly(2026, 1, 5)),
            [], [new PendingCharge(Guid.NewGuid(), "adjustment", "Installation", amount, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] }));

    [Fact]
    public async Task Parallel_issuers_get_gapless_unique_numbers_and_a_failed_issue_gives_its_number_back()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var store = db.Invoices();
        var (account, customer) = (db.Id("account:1"), db.Id("customer:1"));

        // A failed issue (unknown account: the foreign key refuses it) rolls its number back.
        await Should.ThrowAsync<PostgresException>(() => store.IssueAsync(Draft(Guid.NewGuid(), customer)));

        var issued = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var numbers = new List<string>();
            for (var i = 0; i < 6; i++)
            {
                numbers.Add((await store.IssueAsync(Draft(account, customer))).Number);
            }

            return numbers;
        })));
        var all = issued.SelectMany(n => n).ToList();
        all.Distinct().Count().ShouldBe(48);
        all.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, 48).Select(i => $"INV-{i:000000000}"));
        (await db.SeriesAsync("INV")).ShouldBe((48L, 1L, 48L, 49L));
    }

    [Fact]
    public async Task Issued_invoices_and_their_lines_cannot_be_changed_except_by_payments()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var invoice = await db.Invoices().IssueAsync(Draft(db.Id("account:1"), db.Id("customer:1")));
        invoice.Total.ShouldBe(352.82m); // 299.00 + GST 18 % 53.82
        await using var conn = await db.DataSource.OpenConnectionAsync();

        async Task RefusedAsync(string sql, string message)
        {
            var ex = await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync(sql, new { id = invoice.Id }));
            ex.MessageText.ShouldContain(message);
        }

        await RefusedAsync("UPDATE hub.invoice SET total = 1, subtotal = 1, tax_total = 0 WHERE id = @id", "only its status, open amount and settlement time may change");
        await RefusedAsync("UPDATE hub.invoice SET due_date = due_date + 30 WHERE id = @id", "credit note");
        await RefusedAsync("DELETE FROM hub.invoice WHERE id = @id", "cannot be deleted");
        await RefusedAsync("UPDATE hub.invoice_line SET amount = 0 WHERE invoice_id = @id", "immutable");
        await RefusedAsync("DELETE FROM hub.invoice_line WHERE invoice_id = @id", "immutable");
        await RefusedAsync("INSERT INTO hub.invoice_line (invoice_id, line_no, kind, description, amount) VALUES (@id, 99, 'one_time', 'sneaked in', 10)", "lines cannot be added");
        await RefusedAsync("UPDATE hub.invoice SET open_amount = 400 WHERE id = @id", "exceeds the total");
        await RefusedAsync("UPDATE hub.invoice SET status = 'paid' WHERE id = @id", "does not match");

        // Payments allocate: partially, then the rest; more than open is left to the caller.
        var ledger = (IInvoiceLedger)db.Invoices();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var session = new DbSession(conn, tx);
            (await ledger.OpenInvoicesAsync(db.Id("account:1"), session, default)).Single().OpenAmount.ShouldBe(new Money(352.82m, "INR"));
            (await ledger.AllocateAsync(invoice.Id, new Money(100m, "INR"), session, default)).ShouldBe(new Money(100m, "INR"));
            (await ledger.AllocateAsync(invoice.Id, new Money(500m, "INR"), session, default)).ShouldBe(new Money(252.82m, "INR"));
            await Should.ThrowAsync<RuleViolationException>(() => ledger.AllocateAsync(invoice.Id, new Money(1m, "USD"), session, default));
            await tx.CommitAsync();
        }

        var paid = (await db.Invoices().GetAsync(invoice.Id))!;
        (paid.Status, paid.OpenAmount, paid.Total).ShouldBe(("paid", 0m, 352.82m));
        paid.Lines.Select(l => l.Amount).ShouldBe(invoice.Lines.Select(l => l.Amount));
    }

    [Fact]
    public async Task A_credit_note_is_the_only_correction_and_never_exceeds_the_invoice()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var store = db.Invoices();
        var draft = InvoiceCalculator.Compute(new AccountToBill(db.Id("account:1"), db.Id("customer:1"), "INR", new BillingCycle(5), "IN", "IN"),
            new BillingCycle(5).PeriodContaining(new DateOnly(2026, 1, 5)), [],
            [new PendingCharge(Guid.NewGuid(), "installation", "Installation", 500.00m, TaxCategory.CableService), new PendingCharge(Guid.NewGuid(), "vod", "VOD rental", 49.00m, TaxCategory.Vod)],
            [], [], new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m), new(TaxCategory.Vod, "GST 18%", 0.18m)] }));
        var invoice = await store.IssueAsync(draft);
        invoice.Total.ShouldBe(647.82m); // 549.00 + 98.82

        // Partial: the VOD line (2): −49.00 and its GST −8.82.
        var partial = await store.CreditAsync(invoice.Id, new CreditRequest("VOD title did not play", [2]));
        partial.Number.ShouldBe("CN-000000001");
        (partial.Kind, partial.Total, partial.CorrectsInvoiceId).ShouldBe(("credit_note", -57.82m, (Guid?)invoice.Id));
        partial.Lines.Select(l => l.Amount).ShouldBe([-49.00m, -8.82m]);
        var after = (await store.GetAsync(invoice.Id))!;
        (after.Status, after.OpenAmount).ShouldBe(("partially_paid", 590.00m));

        // The rest in full would exceed the total; crediting line 1 settles it.
        (await Should.ThrowAsync<RuleViolationException>(() => store.CreditAsync(invoice.Id, new CreditRequest("everything again")))).Errors.Single().Code.ShouldBe("BILLING-CREDIT-EXCEEDS");
        var rest = await store.CreditAsync(invoice.Id, new CreditRequest("installation not done", [1]));
        rest.Total.ShouldBe(-590.00m);
        (await store.GetAsync(invoice.Id))!.Status.ShouldBe("credited");
        await Should.ThrowAsync<RequestInvalidException>(() => store.CreditAsync(invoice.Id, new CreditRequest("")));
        await Should.ThrowAsync<NotFoundException>(() => store.CreditAsync(Guid.NewGuid(), new CreditRequest("x")));

        // A credited invoice's status is final.
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await Should.ThrowAsync<PostgresException>(() => conn.ExecuteAsync("UPDATE hub.invoice SET status = 'issued', open_amount = total WHERE id = @id", new { id = invoice.Id })))
            .MessageText.ShouldContain("final");
        (await db.SeriesAsync("CN")).ShouldBe((2L, 1L, 2L, 3L));
    }
}
