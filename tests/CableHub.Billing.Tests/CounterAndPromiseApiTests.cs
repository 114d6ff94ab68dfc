using System.Net;
using System.Text.RegularExpressions;
using CableHub.Billing.Contracts;
using CableHub.Billing.Payments;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Billing.Tests;

/// <summary>
/// Cash and cheques at a counter (receipt, cashier from the token, idempotent per request, end-of-shift totals) and promises to pay,
/// over HTTP with real tokens.
/// </summary>
public sealed class CounterAndPromiseApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Counter = "/api/v1/billing/counter";

    [Fact]
    public async Task Cash_and_cheques_at_the_counter_give_receipts_by_the_cashier_of_the_token_and_shift_totals()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var profiles = api.Db.Get<IBillingProfiles>();
        for (var i = 1; i <= 2; i++)
        {
            await profiles.EnsureAsync(api.Db.Id("account:" + i), "monthly", default);
        }

        await api.Db.Get<BillRuns.BillRunner>().RunAsync(BillingDatabase.February5); // 506.22 each
        var (a1, a2) = (api.Db.Id("account:1"), api.Db.Id("account:2"));

        // Cash 300.00 for account 1: a numbered receipt, the cashier is the token's, the money is on the invoice.
        var requestId = Guid.NewGuid();
        var cash = new { billingAccountId = a1, amount = 300.00m, method = "cash", office = "LCO Pune East", requestId };
        var (status, receipt) = await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", cash, role: StaffRoles.Cashier);
        status.ShouldBe(HttpStatusCode.Created);
        var number = receipt.GetProperty("receiptNumber").GetString()!;
        Regex.IsMatch(number, "^RCPT-[0-9]{9}$").ShouldBeTrue(number);
        var cashier = receipt.GetProperty("cashier").GetString()!;
        cashier.ShouldEndWith("test-cashier");
        receipt.GetProperty("method").GetString().ShouldBe("cash");
        receipt.GetProperty("amount").GetProperty("amount").GetDecimal().ShouldBe(300.00m);
        receipt.GetProperty("allocations").EnumerateArray().Single().GetProperty("amount").GetProperty("amount").GetDecimal().ShouldBe(300.00m);
        receipt.GetProperty("credit").GetProperty("amount").GetDecimal().ShouldBe(0m);

        // The till retries the same request: the same receipt, nothing applied twice.
        var (again, repeated) = await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", cash, role: StaffRoles.Cashier);
        again.ShouldBe(HttpStatusCode.OK);
        repeated.GetProperty("receiptNumber").GetString().ShouldBe(number);
        repeated.GetProperty("repeated").GetBoolean().ShouldBeTrue();

        // A cheque of 706.22 for account 2 pays its invoice and leaves 200.00 credit; the next receipt number follows.
        var (chequeStatus, cheque) = await api.SendAsync(HttpMethod.Post, $"{Counter}/payments",
            new { billingAccountId = a2, amount = 706.22m, method = "cheque", chequeNumber = "004512", chequeBank = "State Bank of India, Pune" }, role: StaffRoles.Cashier);
        chequeStatus.ShouldBe(HttpStatusCode.Created);
        var chequeNumber = cheque.GetProperty("receiptNumber").GetString()!;
        long.Parse(chequeNumber[5..], System.Globalization.CultureInfo.InvariantCulture).ShouldBe(long.Parse(number[5..], System.Globalization.CultureInfo.InvariantCulture) + 1);
        cheque.GetProperty("credit").GetProperty("amount").GetDecimal().ShouldBe(200.00m);
        cheque.GetProperty("allocations").EnumerateArray().Single().GetProperty("invoicePaid").GetBoolean().ShouldBeTrue();

        // Refused, naming the field; nothing recorded.
        var (noNumber, problem) = await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", new { billingAccountId = a1, amount = 10m, method = "cheque" }, role: StaffRoles.Cashier);
        noNumber.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetRawText().ShouldContain("chequeNumber");
        (await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", new { billingAccountId = a1, amount = 10m, method = "card" }, role: StaffRoles.Cashier)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", new { billingAccountId = a1, amount = 10.005m, method = "cash" }, role: StaffRoles.Cashier)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", new { billingAccountId = Guid.NewGuid(), amount = 10m, method = "cash" }, role: StaffRoles.Cashier)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendAsync(HttpMethod.Post, $"{Counter}/payments", cash with { requestId = Guid.NewGuid() }, role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.Forbidden);

        // Another cashier's receipt is in their own shift.
        var ravi = await api.Identity.StaffTokenAsync("ravi", [StaffRoles.Cashier]);
        (await api.SendWithTokenAsync(HttpMethod.Post, $"{Counter}/payments", ravi, new { billingAccountId = a1, amount = 50.00m, method = "cash" })).Status.ShouldBe(HttpStatusCode.Created);

        // End of shift: the cashier's receipts of today, per method.
        var (totalsStatus, totals) = await api.SendAsync(HttpMethod.Get, $"{Counter}/shift-totals", role: StaffRoles.Cashier);
        totalsStatus.ShouldBe(HttpStatusCode.OK);
        totals.GetProperty("cashier").GetString().ShouldBe(cashier);
        totals.GetProperty("receipts").GetInt32().ShouldBe(2);
        totals.GetProperty("totals").EnumerateArray().Select(t => (t.GetProperty("method").GetString(), t.GetProperty("receipts").GetInt32(), t.GetProperty("amount").GetDecimal()))
            .ShouldBe([("cash", 1, 300.00m), ("cheque", 1, 706.22m)]);
        (totals.GetProperty("firstReceipt").GetString(), totals.GetProperty("lastReceipt").GetString()).ShouldBe((number, chequeNumber));
        var (_, raviTotals) = await api.SendWithTokenAsync(HttpMethod.Get, $"{Counter}/shift-totals", ravi);
        raviTotals.GetProperty("totals").EnumerateArray().Single().GetProperty("amount").GetDecimal().ShouldBe(50.00m);
        (await api.SendAsync(HttpMethod.Get, $"{Counter}/shift-totals?date=yesterday", role: StaffRoles.Cashier)).Status.ShouldBe(HttpStatusCode.BadRequest);

        // The account's position: 506.22 − 300 − 50 still open.
        (await api.Db.Get<PaymentLedger>().BalanceAsync(a1)).OpenInvoices.ShouldBe(156.22m);
    }

    [Fact]
    public async Task A_promise_to_pay_is_recorded_for_an_open_invoice_by_billing_staff_or_the_customer_service_agent()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await api.Db.Get<IBillingProfiles>().EnsureAsync(api.Db.Id("account:1"), "monthly", default);
        await api.Db.Get<BillRuns.BillRunner>().RunAsync(BillingDatabase.February5);
        var invoice = (await api.Db.Get<Invoices.InvoiceStore>().ListAsync(api.Db.Id("account:1"), 0, 5)).Items.Single();
        var path = $"/api/v1/billing/invoices/{invoice.Id}/promises-to-pay";
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(api.Db.Clock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata")).DateTime); // the API's clock

        var (status, promise) = await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(7).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), amount = 506.22m, note = "salary on the 10th" },
            role: StaffRoles.BillingClerk);
        status.ShouldBe(HttpStatusCode.Created);
        promise.GetProperty("invoiceNumber").GetString().ShouldBe(invoice.Number);
        promise.GetProperty("recordedBy").GetString()!.ShouldEndWith("test-billing-clerk");
        var (_, list) = await api.SendAsync(HttpMethod.Get, path, role: StaffRoles.BillingClerk);
        list.GetArrayLength().ShouldBe(1);
        (await api.Db.Get<IDunningLedger>().PromiseInForceAsync(invoice.Id, today.AddDays(7), default))!.PromisedDate.ShouldBe(today.AddDays(7));
        (await api.Db.Get<IDunningLedger>().PromiseInForceAsync(invoice.Id, today.AddDays(8), default)).ShouldBeNull();

        // The customer-service agent on the phone with the customer takes a promise too; a technician may not.
        var (byAgent, agentPromise) = await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) },
            role: StaffRoles.CustomerService);
        byAgent.ShouldBe(HttpStatusCode.Created);
        agentPromise.GetProperty("recordedBy").GetString()!.ShouldEndWith("test-customer-service");
        (await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, role: StaffRoles.Technician))
            .Status.ShouldBe(HttpStatusCode.Forbidden);

        // A date in the past, too far ahead, more than is open, a paid invoice: refused; a subscriber may not.
        (await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, role: StaffRoles.BillingClerk))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(90).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, role: StaffRoles.BillingClerk))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), amount = 9999m }, role: StaffRoles.BillingClerk))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        var owner = await api.Identity.SubscriberTokenAsync(invoice.CustomerId);
        (await api.SendWithTokenAsync(HttpMethod.Post, path, owner, new { promisedDate = today.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }))
            .Status.ShouldBe(HttpStatusCode.Forbidden);
        await api.Db.Get<PaymentLedger>().RecordAsync(new IncomingPayment(PaymentSource.Cash, "test-cash-1", new Money(506.22m, "INR"), DateTimeOffset.UtcNow) { BillingAccountId = invoice.BillingAccountId });
        (await api.SendAsync(HttpMethod.Post, path, new { promisedDate = today.AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, role: StaffRoles.BillingClerk))
            .Status.ShouldBe(HttpStatusCode.Conflict);
    }
}
