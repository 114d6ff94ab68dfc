using CableHub.Core.Persistence;

namespace CableHub.Customers.Contracts;

// What other modules may use of Customers: commands, small read models, and the service that handles them.
// Customers owns hub.lco, hub.customer, hub.contact_medium, hub.consent, hub.billing_account.

public sealed record PostalAddress(string Street, string City, string PostalCode, string? StateOrProvince, string Country);

/// <summary>What is known of a new customer (TMF629 customer engaged by a TMF632 individual).</summary>
public sealed record NewCustomer(
    string GivenName,
    string FamilyName,
    DateOnly? BirthDate,
    string? Email,
    string? Phone,
    PostalAddress? Address,
    string PreferredLanguage = "en",
    Guid? LcoId = null);

/// <summary>Register a prospective customer with contact media and open a billing account (TMF666) for them.</summary>
public sealed record RegisterCustomer(NewCustomer Customer, string Currency, string PaymentMethod, int BillCycleDay);

public sealed record RegisteredCustomer(Guid CustomerId, string CustomerNumber, Guid BillingAccountId);

/// <summary>The customer has an active subscription now.</summary>
public sealed record ActivateCustomer(Guid CustomerId);

/// <summary>A billing account as other modules see it.</summary>
public sealed record BillingAccountSummary(Guid Id, Guid CustomerId, string Currency, string Status);

/// <summary>Payment methods a billing account accepts.</summary>
public static class PaymentMethods
{
    public static IReadOnlyList<string> All { get; } = ["online", "cash", "bank_transfer", "direct_debit", "card"];
}

/// <summary>
/// The Customers module's command and query handlers for other modules. Commands take the caller's
/// <see cref="DbSession"/> so they commit with the caller's work (an order and its new customer, one transaction).
/// </summary>
public interface ICustomerRegistry
{
    Task<RegisteredCustomer> RegisterAsync(RegisterCustomer command, DbSession session, CancellationToken ct);

    /// <summary>Marks the customer active (idempotent).</summary>
    Task ActivateAsync(ActivateCustomer command, DbSession session, CancellationToken ct);

    /// <summary>The customer's oldest active billing account, if any.</summary>
    Task<BillingAccountSummary?> ActiveBillingAccountAsync(Guid customerId, DbSession session, CancellationToken ct);

    /// <summary>The country (ISO 3166-1 alpha-2) of the customer's preferred postal address, if known.</summary>
    Task<string?> CountryAsync(Guid customerId, DbSession session, CancellationToken ct);
}

/// <summary>A billing account's terms as billing needs them (number, cycle day, currency, method) and the customer's country.</summary>
public sealed record BillingAccountTerms(Guid Id, string AccountNumber, Guid CustomerId, string CustomerNumber, string Currency, string Status, int BillCycleDay, string PaymentMethod, string? Country);

/// <summary>Billing accounts for the billing module: read in bulk (a bill run, documents of many invoices).</summary>
public interface IBillingAccountDirectory
{
    /// <summary>The terms of the given accounts (unknown ids are left out).</summary>
    Task<IReadOnlyList<BillingAccountTerms>> TermsAsync(IReadOnlyCollection<Guid> billingAccountIds, CancellationToken ct);
}
