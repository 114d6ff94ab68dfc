using System.Net;
using System.Text.Json;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Customers.Tests;

/// <summary>
/// TMF629 customer and TMF666 billingAccount over a real server: the hrefs a placed order hands out resolve, lists page in SQL
/// with TMF's headers, <c>fields</c> selects attributes, and personal data is decrypted only for a caller the
/// <c>personal-data.read</c> rule admits (a subscriber only for themselves), each disclosure in the access audit. Real tokens.
/// </summary>
public sealed class CustomerApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Orders = "/tmf-api/productOrderingManagement/v4/productOrder";
    private const string Customers = "/tmf-api/customerManagement/v4/customer";
    private const string Accounts = "/tmf-api/accountManagement/v4/billingAccount";

    private static object NewOrder(string email) => new Dictionary<string, object>
    {
        ["externalId"] = "cust-" + Guid.NewGuid().ToString("N")[..10],
        ["relatedParty"] = new[]
        {
            new Dictionary<string, object>
            {
                ["role"] = "Customer",
                ["@type"] = "Individual",
                ["givenName"] = "Anjali",
                ["familyName"] = "Rao",
                ["birthDate"] = "1988-02-14",
                ["contactMedium"] = new object[]
                {
                    new { mediumType = "email", characteristic = new { emailAddress = email } },
                    new { mediumType = "mobile", characteristic = new { phoneNumber = "+91 98450 12345" } },
                    new { mediumType = "postalAddress", characteristic = new { street1 = "4 Residency Road", city = "Bengaluru", postCode = "560025", country = "IN" } },
                },
            },
        },
        ["billingAccount"] = new { paymentMethod = "direct_debit", billCycleDay = 7 },
        ["productOrderItem"] = new[] { new { id = "1", action = "add", productOffering = new { id = "FAMILY-M" } } },
    };

    private static async Task<JsonElement> PlaceAsync(ApiHost api, string email = "anjali.rao@example.in")
    {
        var (status, order) = await api.SendAsync(HttpMethod.Post, Orders, NewOrder(email), role: StaffRoles.CustomerService);
        status.ShouldBe(HttpStatusCode.Created, order.ToString());
        return order;
    }

    [Fact]
    public async Task The_hrefs_of_an_order_resolve_to_its_customer_and_billing_account_without_personal_data_for_a_caller_without_the_permission()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var order = await PlaceAsync(api);
        var customerHref = order.GetProperty("relatedParty")[0].GetProperty("href").GetString()!;
        var accountHref = order.GetProperty("billingAccount").GetProperty("href").GetString()!;

        var (status, customer) = await api.SendAsync(HttpMethod.Get, customerHref, role: StaffRoles.BillingClerk);
        status.ShouldBe(HttpStatusCode.OK, customer.ToString());
        customer.GetProperty("@type").GetString().ShouldBe("Customer");
        customer.GetProperty("href").GetString().ShouldBe(customerHref);
        customer.GetProperty("id").GetString().ShouldBe(order.GetProperty("relatedParty")[0].GetProperty("id").GetString());
        customer.GetProperty("name").GetString()!.ShouldStartWith("C");
        customer.GetProperty("status").GetString().ShouldBe("prospective");
        customer.GetProperty("engagedParty").GetProperty("@referredType").GetString().ShouldBe("Individual");
        customer.GetProperty("engagedParty").TryGetProperty("name", out _).ShouldBeFalse();
        customer.TryGetProperty("contactMedium", out _).ShouldBeFalse();
        customer.GetRawText().ShouldNotContain("Anjali");
        customer.GetRawText().ShouldNotContain("example.in");
        customer.GetProperty("account")[0].GetProperty("href").GetString().ShouldBe(accountHref);

        var (accountStatus, account) = await api.SendAsync(HttpMethod.Get, accountHref, role: StaffRoles.BillingClerk);
        accountStatus.ShouldBe(HttpStatusCode.OK, account.ToString());
        account.GetProperty("@type").GetString().ShouldBe("BillingAccount");
        account.GetProperty("name").GetString()!.ShouldStartWith("A");
        account.GetProperty("state").GetString().ShouldBe("active");
        account.GetProperty("accountType").GetString().ShouldBe("postpaid");
        account.GetProperty("defaultPaymentMethod").GetProperty("id").GetString().ShouldBe("direct_debit");
        account.GetProperty("billStructure").GetProperty("cycleSpecification").GetProperty("billingDateShift").GetInt32().ShouldBe(6);
        account.GetProperty("relatedParty")[0].GetProperty("href").GetString().ShouldBe(customerHref);

        (await api.SendAsync(HttpMethod.Get, customerHref, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, accountHref, role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, customerHref, role: StaffRoles.InventoryClerk)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendAsync(HttpMethod.Get, accountHref, role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var (missing, problem) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{Guid.NewGuid()}", role: StaffRoles.CustomerService);
        missing.ShouldBe(HttpStatusCode.NotFound);
        problem.GetProperty("type").GetString().ShouldBe(ProblemMapping.NotFoundType);
        (await api.SendAsync(HttpMethod.Get, $"{Accounts}/not-an-id", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.NotFound);

        // A client with customers:read and billing:read but not personal-data:read: the same answer, nothing decrypted.
        var reader = await api.Identity.ClientTokenAsync("crm-reader", ApiScopes.CustomersRead, ApiScopes.BillingRead);
        var (clientStatus, seen) = await api.SendWithTokenAsync(HttpMethod.Get, customerHref, reader);
        clientStatus.ShouldBe(HttpStatusCode.OK);
        seen.GetRawText().ShouldNotContain("Anjali");
        (await api.SendWithTokenAsync(HttpMethod.Get, accountHref, reader)).Status.ShouldBe(HttpStatusCode.OK);
        (await PersonalDataReadsAsync(api)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_allowed_caller_reads_decrypted_contact_data_and_each_read_is_audited()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var order = await PlaceAsync(api, "anjali.r@example.in");
        var customerId = Guid.Parse(order.GetProperty("relatedParty")[0].GetProperty("id").GetString()!);

        var (_, customer) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService);
        customer.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe("Anjali Rao");
        var media = customer.GetProperty("contactMedium").EnumerateArray().ToDictionary(m => m.GetProperty("mediumType").GetString()!, m => m.GetProperty("characteristic"));
        media["email"].GetProperty("emailAddress").GetString().ShouldBe("anjali.r@example.in");
        media["mobile"].GetProperty("phoneNumber").GetString().ShouldBe("+91 98450 12345");
        media["postalAddress"].GetProperty("street1").GetString().ShouldBe("4 Residency Road");
        media["postalAddress"].GetProperty("city").GetString().ShouldBe("Bengaluru");
        customer.GetProperty("characteristic").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "birthDate").GetProperty("value").GetString().ShouldBe("1988-02-14");
        var read = (await PersonalDataReadsAsync(api)).ShouldHaveSingleItem();
        read.Actor.ShouldBe("staff:test-customer-service");
        read.Subject.ShouldStartWith($"customer {customerId}: ");
        read.Subject.ShouldContain("contactMedium.email");
        read.Route.ShouldBe($"GET {Customers}/{customerId}");

        // Asking only for attributes without personal data decrypts nothing and records nothing.
        var (_, trimmed) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}?fields=name,status", role: StaffRoles.CustomerService);
        trimmed.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "href", "name", "status", "@type"], ignoreOrder: true);
        (await PersonalDataReadsAsync(api)).Count.ShouldBe(1);

        // The subscriber reads their own personal data (recorded, as them); another customer's record answers 404.
        var subscriber = await api.Identity.SubscriberTokenAsync(customerId);
        var (own, mine) = await api.SendWithTokenAsync(HttpMethod.Get, $"{Customers}/{customerId}", subscriber);
        own.ShouldBe(HttpStatusCode.OK);
        mine.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe("Anjali Rao");
        var other = await PlaceAsync(api, "someone.else@example.in");
        var otherHref = other.GetProperty("relatedParty")[0].GetProperty("href").GetString()!;
        (await api.SendWithTokenAsync(HttpMethod.Get, otherHref, subscriber)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, other.GetProperty("billingAccount").GetProperty("href").GetString()!, subscriber)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, order.GetProperty("billingAccount").GetProperty("href").GetString()!, subscriber)).Status.ShouldBe(HttpStatusCode.OK);
        var reads = await PersonalDataReadsAsync(api);
        reads.Count.ShouldBe(2);
        reads[^1].Subject.ShouldStartWith($"customer {customerId}: ");

        // A client with personal-data:read gets it; a billing clerk (no such permission) does not, and nothing is recorded.
        var privileged = await api.Identity.ClientTokenAsync("crm-private", ApiScopes.CustomersRead, ApiScopes.PersonalDataRead);
        (await api.SendWithTokenAsync(HttpMethod.Get, otherHref, privileged)).Body.GetProperty("contactMedium")[0]
            .GetProperty("characteristic").GetProperty("emailAddress").GetString().ShouldBe("someone.else@example.in");
        var (_, denied) = await api.SendAsync(HttpMethod.Get, otherHref, role: StaffRoles.BillingClerk);
        denied.TryGetProperty("contactMedium", out _).ShouldBeFalse();
        (await PersonalDataReadsAsync(api)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_seeded_customers_personal_data_decrypts_for_an_allowed_caller()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (status, customer) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{api.Db.ActiveCustomers[0]}", role: StaffRoles.CustomerService);
        status.ShouldBe(HttpStatusCode.OK, customer.ToString());
        customer.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe("Asha Verma");
        var media = customer.GetProperty("contactMedium").EnumerateArray().ToDictionary(m => m.GetProperty("mediumType").GetString()!, m => m.GetProperty("characteristic"));
        media["email"].GetProperty("emailAddress").GetString().ShouldBe(CatalogDatabase.People[0].Email);
        media["mobile"].GetProperty("phoneNumber").GetString().ShouldBe(CatalogDatabase.People[0].Phone);
        media["postalAddress"].GetProperty("street1").GetString().ShouldBe("12 MG Road");
        media["postalAddress"].GetProperty("city").GetString().ShouldBe("Pune");

        // The whole seeded list decrypts (the phone-only customer included), and the e-mail blind index finds its owner.
        var (listed, list) = await api.SendAsync(HttpMethod.Get, $"{Customers}?limit=10", role: StaffRoles.CustomerService);
        listed.ShouldBe(HttpStatusCode.OK, list.ToString());
        list.EnumerateArray().Select(c => c.GetProperty("engagedParty").GetProperty("name").GetString()).ShouldBe(["Asha Verma", "Ravi Kumar", "Meena Iyer"], ignoreOrder: true);
        (await api.Db.Get<CustomerStore>().FindByEmailAsync(CatalogDatabase.People[2].Email!)).ShouldBe([api.Db.TerminatedCustomer]);
    }

    private sealed record AuditRow(string Actor, string Subject, string Route);

    private static async Task<List<AuditRow>> PersonalDataReadsAsync(ApiHost api)
    {
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<AuditRow>(
            "SELECT actor, subject, route FROM hub.access_audit WHERE event = 'personal_data_read' ORDER BY id")).ToList();
    }

    [Fact]
    public async Task Lists_page_in_sql_with_tmf_headers_and_filters()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await PlaceAsync(api);
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var total = (long)(await new Npgsql.NpgsqlCommand("SELECT count(*) FROM hub.customer", conn).ExecuteScalarAsync())!;
        var active = (long)(await new Npgsql.NpgsqlCommand("SELECT count(*) FROM hub.customer WHERE status = 'active'", conn).ExecuteScalarAsync())!;
        total.ShouldBeGreaterThan(2);

        using var first = await api.Client.SendAsync(await api.RequestAsync(HttpMethod.Get, $"{Customers}?limit=2&offset=0", role: StaffRoles.BillingClerk));
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        first.Headers.GetValues("X-Total-Count").Single().ShouldBe(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        first.Headers.GetValues("X-Result-Count").Single().ShouldBe("2");
        var page1 = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        var (_, second) = await api.SendAsync(HttpMethod.Get, $"{Customers}?limit=2&offset=2", role: StaffRoles.BillingClerk);
        var page2 = second.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        page1.Intersect(page2).ShouldBeEmpty();
        page1.ShouldBe(page1.Order(StringComparer.Ordinal).ToList());

        using var onlyActive = await api.Client.SendAsync(await api.RequestAsync(HttpMethod.Get, $"{Customers}?status=active&fields=status", role: StaffRoles.BillingClerk));
        onlyActive.Headers.GetValues("X-Total-Count").Single().ShouldBe(active.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var actives = JsonDocument.Parse(await onlyActive.Content.ReadAsStringAsync()).RootElement;
        foreach (var item in actives.EnumerateArray())
        {
            item.GetProperty("status").GetString().ShouldBe("active");
            item.TryGetProperty("account", out _).ShouldBeFalse();
        }

        var (bad, problem) = await api.SendAsync(HttpMethod.Get, $"{Customers}?limit=0&status=gone", role: StaffRoles.BillingClerk);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("limit", out _).ShouldBeTrue();

        var customerId = api.Db.ActiveCustomers[0];
        using var accounts = await api.Client.SendAsync(await api.RequestAsync(HttpMethod.Get, $"{Accounts}?relatedParty.id={customerId}", role: StaffRoles.BillingClerk));
        accounts.Headers.GetValues("X-Total-Count").Single().ShouldBe("1");
        var account = JsonDocument.Parse(await accounts.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Single();
        account.GetProperty("relatedParty")[0].GetProperty("id").GetString().ShouldBe(customerId.ToString());
        (await api.SendAsync(HttpMethod.Get, $"{Accounts}?relatedParty.id=x&state=open", role: StaffRoles.BillingClerk)).Body.GetProperty("errors")
            .EnumerateObject().Select(e => e.Name).ShouldBe(["relatedParty.id", "state"], ignoreOrder: true);

        // A subscriber's lists hold only themselves and their own accounts, whatever they ask for.
        var subscriber = await api.Identity.SubscriberTokenAsync(customerId);
        using var mine = await api.Client.SendAsync(Bearer(await api.RequestAsync(HttpMethod.Get, $"{Customers}?limit=50&fields=name,status", role: null), subscriber));
        mine.Headers.GetValues("X-Total-Count").Single().ShouldBe("1");
        JsonDocument.Parse(await mine.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Single().GetProperty("id").GetString().ShouldBe(customerId.ToString());
        var (_, ownAccounts) = await api.SendWithTokenAsync(HttpMethod.Get, Accounts, subscriber);
        ownAccounts.EnumerateArray().Single().GetProperty("relatedParty")[0].GetProperty("id").GetString().ShouldBe(customerId.ToString());
        var (_, othersAccounts) = await api.SendWithTokenAsync(HttpMethod.Get, $"{Accounts}?relatedParty.id={api.Db.ActiveCustomers[1]}", subscriber);
        othersAccounts.GetArrayLength().ShouldBe(0);
    }

    private static HttpRequestMessage Bearer(HttpRequestMessage request, string token)
    {
        TestIdentity.Authorize(request, token);
        return request;
    }
}
