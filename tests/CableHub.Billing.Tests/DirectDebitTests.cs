using System.Text;
using System.Xml.Linq;
using CableHub.Billing.Engine;
using CableHub.Billing.Payments;
using CableHub.Connectors.Iso20022.Pain008;
using CableHub.Connectors.Iso20022.Validation;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Billing.Tests;

/// <summary>
/// SEPA direct debit: mandates (IBAN checked, encrypted at rest), a pain.008 batch from the due open invoices of mandated accounts that
/// validates against the official ISO 20022 XSD (.NET and xmllint), FRST then RCUR, and a re-run never collects an invoice twice.
/// </summary>
public sealed class DirectDebitTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly DirectDebitCreditor Operator = new("CableHub Demo Operator", "DE89370400440532013000", "COBADEFFXXX", "DE98ZZZ09999999999");

    private static InvoiceDraft Draft(Guid account, Guid customer, decimal amount) => PaymentTests.Draft(account, customer, amount);

    [Fact]
    public async Task Due_invoices_of_mandated_accounts_become_one_xsd_valid_pain008_batch_and_a_rerun_collects_nothing_twice()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        using var dir = new TempDirectory("cablehub-dd");
        var dd = new DirectDebits(db.DataSource, ModuleServices.Encryptor, new Pain008Writer(), new BillingOptions { DirectDebit = new DirectDebitSettings(Operator, "INR") }, db.Clock,
            NullLogger<DirectDebits>.Instance);
        var store = db.Invoices();
        var (a1, a2, a3) = (db.Id("account:1"), db.Id("account:2"), db.Id("account:3"));
        var first = await store.IssueAsync(Draft(a1, db.Id("customer:1"), 299m)); // 352.82, due 2026-01-20
        var second = await store.IssueAsync(Draft(a2, db.Id("customer:2"), 100m)); // 118.00
        await store.IssueAsync(Draft(a3, db.Id("customer:3"), 100m)); // no mandate: never collected

        // A mandate whose IBAN has wrong check digits is refused, naming the field; nothing is recorded.
        var bad = await Should.ThrowAsync<RequestInvalidException>(() =>
            dd.AddMandateAsync(new NewMandate(a1, "MND-0001", "Asha Verma", "DE00370400440532013000", null, new DateOnly(2025, 11, 2)), "clerk", default));
        bad.Errors.ShouldContain(e => e.Field == "iban" && e.Message.Contains("check digits", StringComparison.Ordinal));
        var asha = await dd.AddMandateAsync(new NewMandate(a1, "MND-0001", "Asha Verma", "de89 3704 0044 0532 0130 00", "INGDDEFFXXX", new DateOnly(2025, 11, 2)), "clerk", default);
        asha.IbanLast4.ShouldBe("3000");
        await dd.AddMandateAsync(new NewMandate(a2, "MND-0002", "Rohan Mehta", BankIdentifiers.MakeIban("DE", "500105170648489890"), null, new DateOnly(2025, 12, 1)), "clerk", default);
        (await Should.ThrowAsync<StateConflictException>(() =>
            dd.AddMandateAsync(new NewMandate(a1, "MND-0009", "Asha Verma", Operator.Iban, null, new DateOnly(2025, 11, 2)), "clerk", default))).Errors[0].Code.ShouldBe("BILLING-MANDATE-IN-FORCE");

        // The IBAN and the holder's name are encrypted at rest.
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            var (iban, name) = await conn.QuerySingleAsync<(byte[], byte[])>("SELECT iban_enc, debtor_name_enc FROM hub.direct_debit_mandate WHERE mandate_id = 'MND-0001'");
            Encoding.UTF8.GetString(iban).ShouldNotContain("0532013000");
            ModuleServices.Encryptor.Decrypt(iban).ShouldBe("DE89370400440532013000");
            ModuleServices.Encryptor.Decrypt(name).ShouldBe("Asha Verma");
        }

        // Not due yet by the 19th: nothing to collect, no file.
        db.Clock.SetUtcNow(new DateTimeOffset(2026, 1, 19, 6, 0, 0, TimeSpan.Zero));
        var early = await dd.CollectAsync(new DateOnly(2026, 1, 19), new DateOnly(2026, 1, 21), dir.Sub("early.xml"), "clerk", default);
        (early.BatchId, early.Collections).ShouldBe((null, 0));
        File.Exists(dir.Sub("early.xml")).ShouldBeFalse();

        // Due by the 20th: one batch with both mandated invoices, first collections (FRST), the invoice numbers as end-to-end ids.
        var run = await dd.CollectAsync(new DateOnly(2026, 1, 20), new DateOnly(2026, 1, 22), dir.Sub("batch1.xml"), "clerk", default);
        run.InvoiceNumbers.ShouldBe([first.Number, second.Number]);
        run.ControlSum.ShouldBe(470.82m);
        var file = dir.Sub("batch1.xml");
        Iso20022Schemas.Validate(File.OpenRead(file), "batch1.xml").ShouldBeEmpty();
        var schemas = Iso20022Schemas.ExtractTo(dir.Sub("xsd"));
        var (lint, lintErrors) = XmlLint.Validate(schemas[Pain008Writer.Namespace], file);
        lint.ShouldBe(0, lintErrors);
        XNamespace ns = Pain008Writer.Namespace;
        var xml = XDocument.Load(file);
        xml.Descendants(ns + "SeqTp").Select(e => e.Value).ShouldBe(["FRST"]);
        xml.Descendants(ns + "EndToEndId").Select(e => e.Value).ShouldBe([first.Number, second.Number]);
        xml.Descendants(ns + "MndtId").Select(e => e.Value).ShouldBe(["MND-0001", "MND-0002"]);
        xml.Descendants(ns + "DbtrAcct").Select(e => e.Value).ShouldBe(["DE89370400440532013000", BankIdentifiers.MakeIban("DE", "500105170648489890")]);
        xml.Descendants(ns + "ReqdColltnDt").Single().Value.ShouldBe("2026-01-22");

        // A re-run collects nothing twice: the invoices are collection-pending.
        var again = await dd.CollectAsync(new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 2), dir.Sub("again.xml"), "clerk", default);
        (again.BatchId, again.Collections).ShouldBe((null, 0));
        File.Exists(dir.Sub("again.xml")).ShouldBeFalse();

        // The next invoice of the first account is a recurring collection (RCUR).
        db.Clock.SetUtcNow(new DateTimeOffset(2026, 2, 5, 6, 0, 0, TimeSpan.Zero));
        var third = await store.IssueAsync(Draft(a1, db.Id("customer:1"), 50m)); // 59.00, due 2026-02-20
        var next = await dd.CollectAsync(third.DueDate, third.DueDate.AddDays(2), dir.Sub("batch2.xml"), "clerk", default);
        next.InvoiceNumbers.ShouldBe([third.Number]);
        XDocument.Load(dir.Sub("batch2.xml")).Descendants(ns + "SeqTp").Select(e => e.Value).ShouldBe(["RCUR"]);
        (run.MessageId != next.MessageId).ShouldBeTrue();

        await using var check = await db.DataSource.OpenConnectionAsync();
        (await check.QuerySingleAsync<(long, long)>(
            "SELECT count(*), count(DISTINCT invoice_id) FROM hub.direct_debit_collection WHERE status = 'pending'")).ShouldBe((3L, 3L));
        (await check.ExecuteScalarAsync<string>("SELECT file_sha256 FROM hub.direct_debit_batch WHERE id = @id", new { id = run.BatchId })).ShouldBe(run.FileSha256);
    }

    [Fact]
    public async Task Without_a_creditor_set_up_collecting_is_refused_and_nothing_is_marked()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        using var dir = new TempDirectory("cablehub-dd");
        var dd = new DirectDebits(db.DataSource, ModuleServices.Encryptor, new Pain008Writer(), new BillingOptions(), db.Clock, NullLogger<DirectDebits>.Instance);
        var refused = await Should.ThrowAsync<StateConflictException>(() => dd.CollectAsync(new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 2), dir.Sub("x.xml"), "clerk", default));
        refused.Errors[0].Code.ShouldBe("BILLING-DIRECT-DEBIT-NOT-SET-UP");
        File.Exists(dir.Sub("x.xml")).ShouldBeFalse();
    }
}
