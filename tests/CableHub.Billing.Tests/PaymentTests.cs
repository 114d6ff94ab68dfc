using System.Net;
using System.Text;
using CableHub.Billing.Contracts;
using CableHub.Billing.Engine;
using CableHub.Billing.Invoices;
using CableHub.Billing.Payments;
using CableHub.Connectors.Iso20022.Camt;
using CableHub.Connectors.Stripe;
using CableHub.Connectors.Stripe.Simulator;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Billing.Tests;

/// <summary>
/// Incoming payments → invoices: oldest due first, partial and over-payments (credit that pays the next invoice), idempotent per
/// payment reference and per webhook event, unmatched money in the suspense list with its reason; camt.054 bank credits; Stripe
/// webhooks through the real endpoint (signed by the simulator; a bad signature is 400 and applies nothing).
/// </summary>
public sealed class PaymentTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    /// <summary>One installation charge of <paramref name="amount"/> + GST 18 %, period of 2026-01-05, India (also the direct-debit tests' invoices).</summary>
    internal static InvoiceDraft Draft(Guid account, Guid customer, decimal amount = 299.00m) =>
        InvoiceCalculator.Compute(new AccountToBill(account, customer, "INR", new BillingCycle(5), "IN", "IN"), new BillingCycle(5).PeriodContaining(new DateOnly(2026, 1, 5)),
            [], [new PendingCharge(Guid.NewGuid(), "adjustment", "Installation", amount, TaxCategory.CableService)], [], [],
            new RatingContext(null, new Dictionary<string, IReadOnlyList<TaxRule>> { ["IN"] = [new(TaxCategory.CableService, "GST 18%", 0.18m)] }));

    private static IncomingPayment Card(string reference, decimal amount, Guid? account) =>
        new(PaymentSource.Card, reference, new Money(amount, "INR"), DateTimeOffset.Parse("2026-02-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture))
        {
            BillingAccountId = account,
            SuspenseReason = account is null ? "test: no account" : null,
        };

    [Fact]
    public async Task Payments_pay_the_oldest_invoice_first_partially_then_fully_and_the_rest_is_credit_for_the_next_invoice()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, customer) = (db.Id("account:1"), db.Id("customer:1"));
        var store = db.Invoices();
        var first = await store.IssueAsync(Draft(account, customer)); // 352.82
        db.Clock.Advance(TimeSpan.FromDays(31));
        var second = await store.IssueAsync(Draft(account, customer, 100m)); // 118.00
        (first.DueDate < second.DueDate).ShouldBeTrue();
        var ledger = db.Get<PaymentLedger>();

        var partial = await ledger.RecordAsync(Card("pi_1", 200m, account));
        partial.Status.ShouldBe(PaymentStatus.Applied);
        partial.Allocations.ShouldHaveSingleItem().ShouldBe(new AllocationMade(partial.PaymentId, first.Id, first.Number, new Money(200m, "INR"), false));
        (await store.GetAsync(first.Id))!.Status.ShouldBe(InvoiceStatus.PartiallyPaid);

        // The same payment reference again: nothing applied.
        var again = await ledger.RecordAsync(Card("pi_1", 200m, account));
        (again.Duplicate, again.PaymentId, again.Allocations.Count).ShouldBe((true, partial.PaymentId, 0));
        (await store.GetAsync(first.Id))!.OpenAmount.ShouldBe(152.82m);

        // 300 pays the rest of the first (152.82) and 118.00 of the second; 29.18 is left as credit.
        var over = await ledger.RecordAsync(Card("pi_2", 300m, account));
        over.Allocations.Select(a => (a.InvoiceNumber, a.Amount.Amount, a.InvoicePaid)).ShouldBe([(first.Number, 152.82m, true), (second.Number, 118.00m, true)]);
        over.Credit.ShouldBe(new Money(29.18m, "INR"));
        (await ledger.BalanceAsync(account)).ShouldBe(new AccountBalance(account, "INR", 0m, 29.18m));
        db.Events.Published.OfType<InvoicePaid>().Select(p => p.InvoiceNumber).ShouldBe([first.Number, second.Number]);

        // The next invoice is paid from the credit when the account is settled.
        var third = await store.IssueAsync(Draft(account, customer, 50m)); // 59.00
        var settled = await ledger.SettleAsync(account);
        settled.ShouldHaveSingleItem().Amount.ShouldBe(new Money(29.18m, "INR"));
        var after = (await store.GetAsync(third.Id))!;
        (after.Status, after.OpenAmount).ShouldBe((InvoiceStatus.PartiallyPaid, 29.82m));
        (await ledger.BalanceAsync(account)).Balance.ShouldBe(29.82m);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.QuerySingleAsync<(long, decimal)>("SELECT count(*), sum(amount) FROM hub.payment_allocation")).ShouldBe((4L, 500.00m));
    }

    [Fact]
    public async Task An_invoice_with_a_negative_total_becomes_account_credit_that_pays_the_next_invoice_and_is_not_counted_as_money_received()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, customer) = (db.Id("account:1"), db.Id("customer:1"));
        var store = db.Invoices();
        var ledger = db.Get<PaymentLedger>();
        var negative = await store.IssueAsync(Draft(account, customer, -100m)); // credits larger than the charges: -118.00
        (negative.Total, negative.OpenAmount, negative.Status).ShouldBe((-118.00m, 0m, InvoiceStatus.Paid));
        (await ledger.BalanceAsync(account)).ShouldBe(new AccountBalance(account, "INR", 0m, 118.00m));

        db.Clock.Advance(TimeSpan.FromDays(31));
        var next = await store.IssueAsync(Draft(account, customer)); // 352.82
        var settled = await ledger.SettleAsync(account);
        settled.ShouldHaveSingleItem();
        (settled[0].InvoiceId, settled[0].Amount, settled[0].InvoicePaid).ShouldBe((next.Id, new Money(118.00m, "INR"), false));
        var after = (await store.GetAsync(next.Id))!;
        (after.Status, after.OpenAmount).ShouldBe((InvoiceStatus.PartiallyPaid, 234.82m));
        (await ledger.BalanceAsync(account)).ShouldBe(new AccountBalance(account, "INR", 234.82m, 0m));
        (await ledger.SettleAsync(account)).ShouldBeEmpty(); // used up: nothing twice

        // Recorded as the account's credit from that invoice (not a payment source), and a card payment pays the rest.
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.QuerySingleAsync<(string, string, decimal, decimal)>(
            "SELECT source, reference, amount, unallocated FROM hub.payment WHERE billing_account_id = @account", new { account }))
            .ShouldBe((PaymentSource.AccountCredit, negative.Number, 118.00m, 0m));
        (await ledger.RecordAsync(Card("pi_after_credit", 234.82m, account))).Allocations.ShouldHaveSingleItem().InvoicePaid.ShouldBeTrue();
    }

    [Fact]
    public async Task Unmatched_money_waits_in_suspense_with_its_reason_until_a_clerk_assigns_it()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var (account, customer) = (db.Id("account:1"), db.Id("customer:1"));
        var invoice = await db.Invoices().IssueAsync(Draft(account, customer));
        var ledger = db.Get<PaymentLedger>();

        var parked = await ledger.RecordAsync(Card("pi_lost", 352.82m, null));
        (parked.Status, parked.SuspenseReason).ShouldBe((PaymentStatus.Suspense, "test: no account"));
        (await db.Invoices().GetAsync(invoice.Id))!.Status.ShouldBe(InvoiceStatus.Issued);
        var suspense = (await ledger.SuspenseAsync()).ShouldHaveSingleItem();
        (suspense.Id, suspense.Reason, suspense.Amount).ShouldBe((parked.PaymentId, "test: no account", new Money(352.82m, "INR")));

        await Should.ThrowAsync<NotFoundException>(() => ledger.AssignAsync(parked.PaymentId, Guid.NewGuid(), "staff:clerk"));
        var assigned = await ledger.AssignAsync(parked.PaymentId, account, "staff:clerk");
        assigned.Allocations.ShouldHaveSingleItem().InvoicePaid.ShouldBeTrue();
        (await db.Invoices().GetAsync(invoice.Id))!.Status.ShouldBe(InvoiceStatus.Paid);
        (await ledger.SuspenseAsync()).ShouldBeEmpty();
        (await Should.ThrowAsync<StateConflictException>(() => ledger.AssignAsync(parked.PaymentId, account, "staff:clerk"))).Errors.Single().Code.ShouldBe("BILLING-PAYMENT-NOT-IN-SUSPENSE");
    }

    [Fact]
    public async Task A_camt054_notification_pays_the_invoices_its_remittance_names_once_and_parks_the_rest()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var store = db.Invoices();
        var inv1 = await store.IssueAsync(Draft(db.Id("account:1"), db.Id("customer:1"))); // 352.82
        var inv2 = await store.IssueAsync(Draft(db.Id("account:2"), db.Id("customer:2"))); // 352.82
        var ledger = db.Get<PaymentLedger>();
        var xml = Camt054(
            ("REF-1", 352.82m, "CRDT", $"Cable bill {inv1.Number} thank you", "E2E-1"),
            ("REF-2", 400.00m, "CRDT", $"invoice {inv2.Number.ToLowerInvariant()}", "NOTPROVIDED"),
            ("REF-3", 10.00m, "CRDT", "birthday money", "NOTPROVIDED"),
            ("REF-4", 5.00m, "CRDT", $"{inv1.Number} and {inv2.Number}", "NOTPROVIDED"),
            ("REF-5", 20.00m, "DBIT", "bank fee", "NOTPROVIDED"));

        var summary = await ledger.ImportBankEntriesAsync(Read(xml), "ntf.xml");
        (summary.Entries, summary.Applied, summary.Suspense, summary.Duplicates).ShouldBe((5, 2, 2, 0));
        summary.Skipped.ShouldHaveSingleItem().ShouldContain("debit");
        (await store.GetAsync(inv1.Id))!.Status.ShouldBe(InvoiceStatus.Paid);
        (await store.GetAsync(inv2.Id))!.Status.ShouldBe(InvoiceStatus.Paid);
        (await ledger.BalanceAsync(db.Id("account:2"))).Credit.ShouldBe(47.18m);
        var reasons = (await ledger.SuspenseAsync()).Select(s => s.Reason).ToList();
        reasons.ShouldContain("the remittance names no invoice number or billing account");
        reasons.ShouldContain(r => r.Contains("invoices of 2 accounts", StringComparison.Ordinal));

        // The same file again (a bank re-sends it): every transaction is a duplicate, nothing applied twice.
        var replay = await ledger.ImportBankEntriesAsync(Read(xml), "ntf-again.xml");
        (replay.Applied, replay.Suspense, replay.Duplicates).ShouldBe((0, 0, 4));
        (await ledger.BalanceAsync(db.Id("account:2"))).Credit.ShouldBe(47.18m);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.payment")).ShouldBe(4L);
    }

    [Fact]
    public async Task A_real_bank_sample_imports_its_credits_into_suspense_with_reasons()
    {
        await using var db = await BillingDatabase.CreateAsync(postgres);
        var ledger = db.Get<PaymentLedger>();
        var file = Path.Combine(AppContext.BaseDirectory, "Fixtures", "iso20022", "postfinance-via-moov_camt.054.001.04_crdt-6tx-e2e-ustrd.xml");
        var summary = await ledger.ImportBankEntriesAsync(new CamtReader().ReadFile(file).ToList(), file);
        (summary.Transactions, summary.Suspense).ShouldBe((6, 6));
        summary.Payments.Select(p => p.Reference).Distinct().Count().ShouldBe(6);
        // CHF money names no INR account of ours; "Rg.-Nr. 1234567890" is not one of our invoice numbers.
        summary.Payments.ShouldAllBe(p => p.SuspenseReason == "the remittance names no invoice number or billing account");
        (await ledger.ImportBankEntriesAsync(new CamtReader().ReadFile(file).ToList(), file)).Duplicates.ShouldBe(6);
    }

    [Fact]
    public async Task Stripe_webhooks_pay_invoices_once_and_a_bad_signature_is_400_and_applies_nothing()
    {
        await using var api = await ApiHost.StartAsync(postgres, s => s
            .AddSingleton<IPaymentWebhookVerifier>(new StripeWebhookVerifier(StripePayments.SimulatorWebhookSecret, TimeSpan.FromSeconds(300), TimeProvider.System))
            .AddSingleton<IBankNotificationReader>(new CamtReader()));
        var db = api.Db;
        await db.Get<IBillingProfiles>().EnsureAsync(db.Id("account:1"), "monthly", default);
        var account = db.Id("account:1");
        var invoice = await db.Invoices().IssueAsync(Draft(account, db.Id("customer:1")));
        var simulator = await StripeSimulator.StartAsync(new StripeSimulatorOptions
        {
            WebhookUrl = new Uri(api.Client.BaseAddress!, "/api/v1/billing/payments/webhooks/stripe"),
            WebhookSecret = StripePayments.SimulatorWebhookSecret,
            WebhookRetryDelay = TimeSpan.FromMilliseconds(200),
        });
        await using var _ = simulator;
        using var gateway = new StripePaymentGateway(new StripeOptions
        {
            ApiBase = simulator.BaseAddress.ToString(),
            ApiKey = StripePayments.SimulatorApiKey,
            WebhookSecret = StripePayments.SimulatorWebhookSecret,
            MaxNetworkRetries = 0,
        });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var payment = await gateway.CreatePaymentAsync(new CreateCardPayment($"invoice:{invoice.Id}:card:1", new Money(352.82m, "INR"), "pm_card_visa", true)
        {
            Metadata = new Dictionary<string, string> { ["invoice"] = invoice.Number },
        }, deadline.Token);
        var succeeded = (await simulator.WaitForDeliveriesAsync(d => d.EventType == "payment_intent.succeeded" && d.Succeeded, 1, deadline.Token)).Single();
        (await db.Invoices().GetAsync(invoice.Id))!.Status.ShouldBe(InvoiceStatus.Paid);

        // Replayed delivery (same event, fresh signature): 200, applied once.
        simulator.Resend(succeeded.EventId);
        await simulator.WaitForDeliveriesAsync(d => d.EventId == succeeded.EventId && d.Succeeded, 2, deadline.Token);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            (await conn.QuerySingleAsync<(long, decimal)>("SELECT count(*), sum(amount) FROM hub.payment")).ShouldBe((1L, 352.82m));
            (await conn.ExecuteScalarAsync<string>("SELECT reference FROM hub.payment")).ShouldBe($"stripe:{payment.GatewayPaymentId}");
            (await conn.ExecuteScalarAsync<string>("SELECT outcome FROM hub.payment_webhook_event WHERE event_id = @id", new { id = succeeded.EventId })).ShouldBe("applied");
        }

        // A body altered after signing, or no signature: 400, nothing recorded.
        var body = simulator.EventBody(succeeded.EventId);
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace(succeeded.EventId, "evt_forged", StringComparison.Ordinal));
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/billing/payments/webhooks/stripe") { Content = new ByteArrayContent(forged) })
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeSimulator.SignatureHeader(body, StripePayments.SimulatorWebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            using var response = await api.Client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        using (var unsigned = await api.Client.PostAsync("/api/v1/billing/payments/webhooks/stripe", new ByteArrayContent(body)))
        {
            unsigned.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.payment_webhook_event WHERE event_id = 'evt_forged'")).ShouldBe(0L);
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.payment")).ShouldBe(1L);
        }

        // A payment whose metadata names no account lands in suspense; only billing staff see the list.
        var stray = await gateway.CreatePaymentAsync(new CreateCardPayment("stray:1", new Money(99m, "INR"), "pm_card_visa", true), deadline.Token);
        await simulator.WaitForDeliveriesAsync(d => d.EventType == "payment_intent.succeeded" && d.EventId != succeeded.EventId && d.Succeeded, 1, deadline.Token);
        var (status, list) = await api.SendAsync(HttpMethod.Get, "/api/v1/billing/payments/suspense", role: StaffRoles.BillingClerk);
        status.ShouldBe(HttpStatusCode.OK);
        var parked = list.EnumerateArray().ShouldHaveSingleItem();
        parked.GetProperty("reference").GetString().ShouldBe($"stripe:{stray.GatewayPaymentId}");
        parked.GetProperty("reason").GetString().ShouldBe("the payment's metadata names no billing_account or invoice");
        (await api.SendAsync(HttpMethod.Get, "/api/v1/billing/payments/suspense", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var owner = await api.Identity.SubscriberTokenAsync(db.Id("customer:1"));
        (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/billing/payments/suspense", owner)).Status.ShouldBe(HttpStatusCode.Forbidden);

        // The clerk assigns it: it becomes the account's credit.
        var (assigned, outcome) = await api.SendAsync(HttpMethod.Post, $"/api/v1/billing/payments/{parked.GetProperty("id").GetString()}/assign", new { billingAccountId = account }, role: StaffRoles.BillingClerk);
        assigned.ShouldBe(HttpStatusCode.OK);
        outcome.GetProperty("credit").GetProperty("amount").GetDecimal().ShouldBe(99m);
        var (_, balance) = await api.SendAsync(HttpMethod.Get, $"/api/v1/billing/payments/accounts/{account}/balance", role: StaffRoles.BillingClerk);
        balance.GetProperty("balance").GetDecimal().ShouldBe(-99m);

        // A camt.054 upload by a clerk: applied in one transaction; a file that is not one is 400 naming the place.
        var next = await db.Invoices().IssueAsync(Draft(account, db.Id("customer:1"), 100m)); // 118.00, 99.00 of credit waits to be settled
        var (imported, summary) = await api.SendAsync(HttpMethod.Post, "/api/v1/billing/payments/bank-notifications?name=ntf.xml",
            Camt054(("BANK-1", 19.00m, "CRDT", $"pay {next.Number}", "NOTPROVIDED")), role: StaffRoles.BillingClerk);
        imported.ShouldBe(HttpStatusCode.OK);
        summary.GetProperty("applied").GetInt32().ShouldBe(1);
        (await db.Invoices().GetAsync(next.Id))!.Status.ShouldBe(InvoiceStatus.Paid); // 99.00 credit first (oldest payment), then 19.00
        var (bad, problem) = await api.SendAsync(HttpMethod.Post, "/api/v1/billing/payments/bank-notifications?name=x.xml", "<Document>", role: StaffRoles.BillingClerk);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetRawText().ShouldContain("x.xml");
    }

    private static List<BankEntry> Read(string xml) => new CamtReader().ReadEntries(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "ntf.xml").ToList();

    /// <summary>A camt.054.001.08 notification with one booked entry per transaction.</summary>
    private static string Camt054(params (string Ref, decimal Amount, string CreditDebit, string Remittance, string EndToEnd)[] txs)
    {
        var entries = string.Concat(txs.Select(t => $"""
                  <Ntry>
                    <Amt Ccy="INR">{t.Amount:0.00}</Amt>
                    <CdtDbtInd>{t.CreditDebit}</CdtDbtInd>
                    <Sts><Cd>BOOK</Cd></Sts>
                    <BookgDt><Dt>2026-02-10</Dt></BookgDt>
                    <ValDt><Dt>2026-02-10</Dt></ValDt>
                    <AcctSvcrRef>{t.Ref}</AcctSvcrRef>
                    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
                    <NtryDtls><TxDtls>
                      <Refs><AcctSvcrRef>{t.Ref}-TX</AcctSvcrRef><EndToEndId>{t.EndToEnd}</EndToEndId></Refs>
                      <Amt Ccy="INR">{t.Amount:0.00}</Amt>
                      <CdtDbtInd>{t.CreditDebit}</CdtDbtInd>
                      <RmtInf><Ustrd>{t.Remittance}</Ustrd></RmtInf>
                    </TxDtls></NtryDtls>
                  </Ntry>
            """));
        return $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
              <BkToCstmrDbtCdtNtfctn>
                <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-02-10T18:00:00</CreDtTm></GrpHdr>
                <Ntfctn>
                  <Id>NTF-1</Id>
                  <CreDtTm>2026-02-10T18:00:00</CreDtTm>
                  <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
            {entries}
                </Ntfctn>
              </BkToCstmrDbtCdtNtfctn>
            </Document>
            """;
    }
}
