using System.Net;
using CableHub.Billing.Contracts;
using CableHub.Billing.Payments;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Billing.Tests;

/// <summary>TMF676 payment over HTTP with real tokens: staff see every payment, a subscriber only their own; allocations as payment items.</summary>
public sealed class PaymentApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Payments = "/tmf-api/paymentManagement/v4/payment";

    private static IncomingPayment Card(string reference, decimal amount, Guid? account) =>
        new(PaymentSource.Card, reference, new Money(amount, "INR"), DateTimeOffset.Parse("2026-02-10T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture))
        {
            BillingAccountId = account,
            SuspenseReason = account is null ? "test: no account" : null,
            Gateway = "stripe",
            Card = account is null ? null : new CardSummary("visa", "4242"),
        };

    [Fact]
    public async Task Payments_are_listed_and_retrieved_by_billing_staff_and_by_their_owner_only()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var profiles = api.Db.Get<IBillingProfiles>();
        for (var i = 1; i <= 2; i++)
        {
            await profiles.EnsureAsync(api.Db.Id("account:" + i), "monthly", default);
        }

        await api.Db.Get<BillRuns.BillRunner>().RunAsync(BillingDatabase.February5); // 506.22 each
        var (a1, a2) = (api.Db.Id("account:1"), api.Db.Id("account:2"));
        var ledger = api.Db.Get<PaymentLedger>();
        var mine = await ledger.RecordAsync(Card("pi_api_1", 600.00m, a1));
        var theirs = await ledger.RecordAsync(Card("pi_api_2", 100.00m, a2));
        await ledger.RecordAsync(Card("pi_api_3", 5.00m, null));

        // Billing clerk: all three, newest first; a filter by account.
        var (status, all) = await api.SendAsync(HttpMethod.Get, Payments, role: StaffRoles.BillingClerk);
        status.ShouldBe(HttpStatusCode.OK);
        all.GetArrayLength().ShouldBe(3);
        var (_, one) = await api.SendAsync(HttpMethod.Get, $"{Payments}?account.id={a1}", role: StaffRoles.BillingClerk);
        var payment = one.EnumerateArray().Single();
        payment.GetProperty("id").GetString().ShouldBe(mine.PaymentId.ToString());
        payment.GetProperty("@type").GetString().ShouldBe("Payment");
        payment.GetProperty("correlatorId").GetString().ShouldBe("pi_api_1");
        payment.GetProperty("status").GetString().ShouldBe(PaymentStatus.Applied);
        payment.GetProperty("totalAmount").GetProperty("value").GetDecimal().ShouldBe(600.00m);
        payment.GetProperty("account").GetProperty("id").GetString().ShouldBe(a1.ToString());
        payment.GetProperty("account").GetProperty("@referredType").GetString().ShouldBe("BillingAccount");
        payment.GetProperty("paymentMethod").GetProperty("name").GetString().ShouldBe("visa ending 4242");
        var item = payment.GetProperty("paymentItem").EnumerateArray().Single();
        item.GetProperty("amount").GetProperty("value").GetDecimal().ShouldBe(506.22m);
        item.GetProperty("item").GetProperty("@referredType").GetString().ShouldBe("CustomerBill");
        var bill = item.GetProperty("item").GetProperty("href").GetString()!;
        (await api.SendAsync(HttpMethod.Get, bill, role: StaffRoles.BillingClerk)).Status.ShouldBe(HttpStatusCode.OK); // the href resolves
        payment.GetProperty("description").GetString().ShouldBe("506.22 INR allocated to 1 bill(s), 93.78 credit");

        // The owner (from the token): their payment only, the list narrowed to them; someone else's looks missing.
        var owner = await api.Identity.SubscriberTokenAsync(api.Db.Id("customer:1"));
        var (ownStatus, own) = await api.SendWithTokenAsync(HttpMethod.Get, Payments, owner);
        ownStatus.ShouldBe(HttpStatusCode.OK);
        own.EnumerateArray().Select(p => p.GetProperty("id").GetString()).ShouldBe([mine.PaymentId.ToString()]);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Payments}/{mine.PaymentId}", owner)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Payments}/{theirs.PaymentId}", owner)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Payments}?account.id={a2}", owner)).Body.GetArrayLength().ShouldBe(0);

        // Anonymous 401, staff without a billing role 403, a billing:read client reads, a malformed filter is 400, unknown 404.
        (await api.SendWithTokenAsync(HttpMethod.Get, Payments, null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, Payments, role: StaffRoles.InventoryClerk)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var reader = await api.Identity.ClientTokenAsync("payments-reader", ApiScopes.BillingRead);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Payments}/{theirs.PaymentId}", reader)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendAsync(HttpMethod.Get, $"{Payments}?account.id=nope", role: StaffRoles.BillingClerk)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Get, $"{Payments}/{Guid.NewGuid()}", role: StaffRoles.BillingClerk)).Status.ShouldBe(HttpStatusCode.NotFound);
    }
}
