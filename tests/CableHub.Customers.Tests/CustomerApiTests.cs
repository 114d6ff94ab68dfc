using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CableHub.Core.Api;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CableHub.Customers.Tests;

/// <summary>
/// TMF629 customer and TMF666 billingAccount over a real server: the hrefs a placed order hands out resolve, lists page in SQL
/// with TMF's headers, <c>fields</c> selects attributes, and personal data is decrypted only for a caller the
/// <see cref="IPersonalDataAccess"/> seam allows (default: nobody), each such read recorded.
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
        var (status, order) = await api.SendAsync(HttpMethod.Post, Orders, NewOrder(email), role: null);
        status.ShouldBe(HttpStatusCode.Created, order.ToString());
        return order;
    }

    [Fact]
    public async Task The_hrefs_of_an_order_resolve_to_its_customer_and_billing_account_without_personal_data_by_default()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var order = await PlaceAsync(api);
        var customerHref = order.GetProperty("relatedParty")[0].GetProperty("href").GetString()!;
        var accountHref = order.GetProperty("billingAccount").GetProperty("href").GetString()!;

        var (status, customer) = await api.SendAsync(HttpMethod.Get, customerHref, role: Roles.CustomerService);
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

        var (accountStatus, account) = await api.SendAsync(HttpMethod.Get, accountHref, role: Roles.CustomerService);
        accountStatus.ShouldBe(HttpStatusCode.OK, account.ToString());
        account.GetProperty("@type").GetString().ShouldBe("BillingAccount");
        account.GetProperty("name").GetString()!.ShouldStartWith("A");
        account.GetProperty("state").GetString().ShouldBe("active");
        account.GetProperty("accountType").GetString().ShouldBe("postpaid");
        account.GetProperty("defaultPaymentMethod").GetProperty("id").GetString().ShouldBe("direct_debit");
        account.GetProperty("billStructure").GetProperty("cycleSpecification").GetProperty("billingDateShift").GetInt32().ShouldBe(6);
        account.GetProperty("relatedParty")[0].GetProperty("href").GetString().ShouldBe(customerHref);

        (await api.SendAsync(HttpMethod.Get, customerHref, role: null)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendAsync(HttpMethod.Get, accountHref, role: null)).Status.ShouldBe(HttpStatusCode.Forbidden);
        var (missing, problem) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{Guid.NewGuid()}", role: Roles.CustomerService);
        missing.ShouldBe(HttpStatusCode.NotFound);
        problem.GetProperty("type").GetString().ShouldBe(ProblemMapping.NotFoundType);
        (await api.SendAsync(HttpMethod.Get, $"{Accounts}/not-an-id", role: Roles.CustomerService)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_allowed_caller_reads_decrypted_contact_data_and_each_read_is_recorded()
    {
        var access = new RecordingAccess();
        await using var api = await ApiHost.StartAsync(postgres, s => s.Replace(ServiceDescriptor.Singleton<IPersonalDataAccess>(access)));
        var order = await PlaceAsync(api, "anjali.r@example.in");
        var customerId = Guid.Parse(order.GetProperty("relatedParty")[0].GetProperty("id").GetString()!);
        access.Allowed.Add(customerId);

        var (_, customer) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: Roles.CustomerService);
        customer.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe("Anjali Rao");
        var media = customer.GetProperty("contactMedium").EnumerateArray().ToDictionary(m => m.GetProperty("mediumType").GetString()!, m => m.GetProperty("characteristic"));
        media["email"].GetProperty("emailAddress").GetString().ShouldBe("anjali.r@example.in");
        media["mobile"].GetProperty("phoneNumber").GetString().ShouldBe("+91 98450 12345");
        media["postalAddress"].GetProperty("street1").GetString().ShouldBe("4 Residency Road");
        media["postalAddress"].GetProperty("city").GetString().ShouldBe("Bengaluru");
        customer.GetProperty("characteristic").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "birthDate").GetProperty("value").GetString().ShouldBe("1988-02-14");
        var read = access.Reads.ShouldHaveSingleItem();
        read.SubjectId.ShouldBe(customerId);
        read.Resource.ShouldBe("customer");
        read.Fields.ShouldContain("contactMedium.email");

        // Asking only for attributes without personal data decrypts nothing and records nothing.
        var (_, trimmed) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}?fields=name,status", role: Roles.CustomerService);
        trimmed.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "href", "name", "status", "@type"], ignoreOrder: true);
        access.Reads.Count.ShouldBe(1);

        // Another customer, not allowed: no personal data, no read recorded.
        var other = await PlaceAsync(api, "someone.else@example.in");
        var (_, denied) = await api.SendAsync(HttpMethod.Get, other.GetProperty("relatedParty")[0].GetProperty("href").GetString()!, role: Roles.CustomerService);
        denied.TryGetProperty("contactMedium", out _).ShouldBeFalse();
        access.Reads.Count.ShouldBe(1);
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

        using var first = await api.Client.SendAsync(api.Request(HttpMethod.Get, $"{Customers}?limit=2&offset=0", role: Roles.CustomerService));
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        first.Headers.GetValues("X-Total-Count").Single().ShouldBe(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        first.Headers.GetValues("X-Result-Count").Single().ShouldBe("2");
        var page1 = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        var (_, second) = await api.SendAsync(HttpMethod.Get, $"{Customers}?limit=2&offset=2", role: Roles.CustomerService);
        var page2 = second.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        page1.Intersect(page2).ShouldBeEmpty();
        page1.ShouldBe(page1.Order(StringComparer.Ordinal).ToList());

        using var onlyActive = await api.Client.SendAsync(api.Request(HttpMethod.Get, $"{Customers}?status=active&fields=status", role: Roles.CustomerService));
        onlyActive.Headers.GetValues("X-Total-Count").Single().ShouldBe(active.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var actives = JsonDocument.Parse(await onlyActive.Content.ReadAsStringAsync()).RootElement;
        foreach (var item in actives.EnumerateArray())
        {
            item.GetProperty("status").GetString().ShouldBe("active");
            item.TryGetProperty("account", out _).ShouldBeFalse();
        }

        var (bad, problem) = await api.SendAsync(HttpMethod.Get, $"{Customers}?limit=0&status=gone", role: Roles.CustomerService);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("limit", out _).ShouldBeTrue();

        var customerId = api.Db.ActiveCustomers[0];
        using var accounts = await api.Client.SendAsync(api.Request(HttpMethod.Get, $"{Accounts}?relatedParty.id={customerId}", role: Roles.CustomerService));
        accounts.Headers.GetValues("X-Total-Count").Single().ShouldBe("1");
        var account = JsonDocument.Parse(await accounts.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Single();
        account.GetProperty("relatedParty")[0].GetProperty("id").GetString().ShouldBe(customerId.ToString());
        (await api.SendAsync(HttpMethod.Get, $"{Accounts}?relatedParty.id=x&state=open", role: Roles.CustomerService)).Body.GetProperty("errors")
            .EnumerateObject().Select(e => e.Name).ShouldBe(["relatedParty.id", "state"], ignoreOrder: true);
    }

    private sealed class RecordingAccess : IPersonalDataAccess
    {
        public ConcurrentBag<Guid> Allowed { get; } = [];

        public List<PersonalDataRead> Reads { get; } = [];

        public ValueTask<bool> MayReadAsync(HttpContext http, Guid subjectId, CancellationToken ct) => ValueTask.FromResult(Allowed.Contains(subjectId));

        public ValueTask RecordReadAsync(HttpContext http, PersonalDataRead read, CancellationToken ct)
        {
            lock (Reads)
            {
                Reads.Add(read);
            }

            return ValueTask.CompletedTask;
        }
    }
}
