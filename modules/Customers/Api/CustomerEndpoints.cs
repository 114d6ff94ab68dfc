using System.Globalization;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Security;
using CableHub.Customers.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Customers.Api;

/// <summary>
/// TMF629 Customer Management (customer: retrieve, list with <c>offset</c>/<c>limit</c>, <c>fields</c> selection) and TMF666
/// Account Management (billingAccount: retrieve, list). Reads only; customers and accounts are created by product orders.
/// Personal data is decrypted only for a caller <see cref="IPersonalDataAccess"/> allows, and each such read is recorded.
/// </summary>
public static class CustomerEndpoints
{
    public const string CustomerPath = CustomerHrefs.CustomerPath;
    public const string BillingAccountPath = CustomerHrefs.BillingAccountPath;

    /// <summary>First-level customer attributes that carry personal data.</summary>
    private static readonly string[] PersonalAttributes = ["engagedParty", "contactMedium", "characteristic"];

    internal static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        // Staff and clients read any customer; a subscriber only their own (another's answers 404, the list holds only them).
        // Decrypted personal data additionally needs personal-data.read (IPersonalDataAccess) and each disclosure is audited.
        var customers = app.MapModuleGroup(CustomerPath, "TMF629 Customer Management");
        customers.MapGet("", ListCustomersAsync).WithFieldSelection().RequireAccess(HubPolicies.CustomerRead);
        customers.MapGet("/{id}", GetCustomerAsync).WithFieldSelection().RequireOwnerOrStaff(HubPolicies.CustomerRead, "id", OwnedKinds.Customer);

        var accounts = app.MapModuleGroup(BillingAccountPath, "TMF666 Account Management");
        accounts.MapGet("", ListAccountsAsync).WithFieldSelection().RequireAccess(HubPolicies.BillingRead);
        accounts.MapGet("/{id}", GetAccountAsync).WithFieldSelection().RequireOwnerOrStaff(HubPolicies.BillingRead, "id", OwnedKinds.BillingAccount);
        return app;
    }

    /// <summary>Customers by customer number (a subscriber: only themselves); <c>?status=active</c>; <c>?offset=&amp;limit=</c> (X-Total-Count, X-Result-Count).</summary>
    [Paged]
    [QueryParameter("status", "Only customers in this status (prospective, active, suspended, inactive, terminated)")]
    private static async Task<Ok<IReadOnlyList<CustomerResource>>> ListCustomersAsync(
        HttpContext http, CustomerReads directory, CustomerKeys keys, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        var status = ApiRequest.Query(http, "status");
        if (status is not null && !Statuses.Contains(status))
        {
            throw new RequestInvalidException("status", $"'{status}' is not one of {string.Join(", ", Statuses)}");
        }

        var found = await directory.ListAsync(status, OnlyCustomer(http), page, ct).ConfigureAwait(false);
        var resources = new List<CustomerResource>(found.Items.Count);
        foreach (var record in found.Items)
        {
            resources.Add(await ToResourceAsync(record, http, keys, access, clock, ct).ConfigureAwait(false));
        }

        return TypedResults.Ok(new Page<CustomerResource>(resources, found.Total).WriteHeaders(http.Response));
    }

    private static async Task<Ok<CustomerResource>> GetCustomerAsync(
        string id, HttpContext http, CustomerReads directory, CustomerKeys keys, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct) =>
        Guid.TryParse(id, out var customerId) && await directory.GetAsync(customerId, ct).ConfigureAwait(false) is { } record
            ? TypedResults.Ok(await ToResourceAsync(record, http, keys, access, clock, ct).ConfigureAwait(false))
            : throw new NotFoundException($"customer '{id}'");

    /// <summary>Billing accounts by account number (a subscriber: only their own); <c>?relatedParty.id=</c> (customer id), <c>?state=</c>; paged.</summary>
    [Paged]
    [QueryParameter("relatedParty.id", "Only the accounts of this customer (id)")]
    [QueryParameter("state", "Only accounts in this state (active, suspended, closed)")]
    private static async Task<Ok<IReadOnlyList<BillingAccountResource>>> ListAccountsAsync(HttpContext http, CustomerReads directory, CancellationToken ct)
    {
        var page = PageRequest.From(http);
        var errors = new RequestErrors();
        Guid? customerId = null;
        if (ApiRequest.Query(http, "relatedParty.id") is { } party)
        {
            if (Guid.TryParse(party, out var parsed))
            {
                customerId = parsed;
            }
            else
            {
                errors.Add("relatedParty.id", $"'{party}' is not a customer id");
            }
        }

        var state = ApiRequest.Query(http, "state");
        if (state is not null && state is not ("active" or "suspended" or "closed"))
        {
            errors.Add("state", $"'{state}' is not one of active, suspended, closed");
        }

        errors.ThrowIfAny();
        if (OnlyCustomer(http) is { } own)
        {
            if (customerId is { } asked && asked != own)
            {
                return TypedResults.Ok(new Page<BillingAccountResource>([], 0).WriteHeaders(http.Response));
            }

            customerId = own;
        }

        var found = await directory.ListAccountsAsync(customerId, state, page, ct).ConfigureAwait(false);
        return TypedResults.Ok(new Page<BillingAccountResource>(found.Items.Select(ToResource).ToList(), found.Total).WriteHeaders(http.Response));
    }

    private static async Task<Ok<BillingAccountResource>> GetAccountAsync(string id, CustomerReads directory, CancellationToken ct) =>
        Guid.TryParse(id, out var accountId) && await directory.GetAccountAsync(accountId, ct).ConfigureAwait(false) is { } account
            ? TypedResults.Ok(ToResource(account))
            : throw new NotFoundException($"billingAccount '{id}'");

    /// <summary>For a subscriber, their own customer id (lists are narrowed to it); null for staff and clients.</summary>
    private static Guid? OnlyCustomer(HttpContext http) =>
        HubPrincipal.KindOf(http.User) == HubClaims.Subscriber ? HubPrincipal.CustomerIdOf(http.User) ?? Guid.Empty : null;

    private static readonly string[] Statuses = [CustomerStatus.Prospective, CustomerStatus.Active, CustomerStatus.Suspended, CustomerStatus.Inactive, CustomerStatus.Terminated];

    private static async Task<CustomerResource> ToResourceAsync(CustomerRecord record, HttpContext http, CustomerKeys keys, IPersonalDataAccess access, TimeProvider clock, CancellationToken ct)
    {
        var c = record.Customer;
        var resource = new CustomerResource
        {
            Id = c.Id.ToString(),
            Href = CustomerHrefs.Customer(c.Id),
            Name = c.CustomerNumber,
            Status = c.Status,
            ValidFor = new TimePeriod(c.CreatedAt),
            EngagedParty = new PartyRef { Id = c.Id.ToString(), Role = "Customer", ReferredType = "Individual" },
            Account = record.Accounts.Select(a => new AccountRef(a.Id.ToString(), CustomerHrefs.BillingAccount(a.Id), a.AccountNumber)).ToList(),
            Characteristic = [new Characteristic("customerNumber", "string", c.CustomerNumber), new Characteristic("preferredLanguage", "string", c.PreferredLanguage)],
        };

        var fields = ApiRequest.List(http, FieldSelection.Parameter);
        if (fields is not null && !fields.Intersect(PersonalAttributes, StringComparer.Ordinal).Any())
        {
            return resource; // personal data not asked for: nothing decrypted, nothing to record
        }

        if (!await access.MayReadAsync(http, c.Id, ct).ConfigureAwait(false))
        {
            return resource;
        }

        var personal = await keys.ReaderAsync([c.Id], ct).ConfigureAwait(false);
        string Decrypt(byte[] value) => personal.Required(c.Id, value);
        var birth = personal.Read(c.Id, c.BirthDateEnc);
        var media = record.Media.Select(m => new ContactMedium(
            m.MediumType switch { "phone" => "mobile", "postal_address" => "postalAddress", _ => m.MediumType },
            m.Preferred,
            m.MediumType switch
            {
                "email" => new MediumCharacteristic { EmailAddress = Decrypt(m.ValueEnc) },
                "phone" => new MediumCharacteristic { PhoneNumber = Decrypt(m.ValueEnc) },
                _ => new MediumCharacteristic
                {
                    Street1 = Decrypt(m.ValueEnc), City = m.City, PostCode = m.PostalCode, StateOrProvince = m.StateOrProvince, Country = m.Country?.Trim(),
                },
            })).ToList();
        resource = resource with
        {
            EngagedParty = resource.EngagedParty with { Name = $"{Decrypt(c.GivenNameEnc)} {Decrypt(c.FamilyNameEnc)}" },
            ContactMedium = media,
            Characteristic = birth is null ? resource.Characteristic : [.. resource.Characteristic, new Characteristic("birthDate", "date", birth)],
        };
        List<string> read = ["engagedParty.name", .. media.Select(m => $"contactMedium.{m.MediumType}")];
        if (birth is not null)
        {
            read.Add("characteristic.birthDate");
        }

        await access.RecordReadAsync(http, new PersonalDataDisclosure("customer", c.Id, read, clock.GetUtcNow()), ct).ConfigureAwait(false);
        return resource;
    }

    private static BillingAccountResource ToResource(BillingAccountRecord a) => new()
    {
        Id = a.Id.ToString(),
        Href = CustomerHrefs.BillingAccount(a.Id),
        Name = a.AccountNumber,
        AccountType = a.Prepaid ? "prepaid" : "postpaid",
        State = a.Status,
        LastModified = a.UpdatedAt,
        RelatedParty = [new PartyRef { Id = a.CustomerId.ToString(), Href = CustomerHrefs.Customer(a.CustomerId), Name = a.CustomerNumber, Role = "Customer", ReferredType = "Customer" }],
        BillStructure = new BillStructure(new BillingCycleSpecification(
            $"monthly, day {a.BillCycleDay.ToString(CultureInfo.InvariantCulture)}", "monthly", a.BillCycleDay - 1)),
        DefaultPaymentMethod = new PaymentMethodRef(a.PaymentMethod, a.PaymentMethod),
    };
}
