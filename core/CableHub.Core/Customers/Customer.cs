namespace CableHub.Core.Customers;

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

/// <summary>A customer with personal data decrypted for an authorised reader.</summary>
public sealed record Customer(
    Guid Id,
    string CustomerNumber,
    string Status,
    string GivenName,
    string FamilyName,
    DateOnly? BirthDate,
    string? Email,
    string? Phone,
    PostalAddress? Address,
    string PreferredLanguage,
    Guid? LcoId,
    DateTimeOffset CreatedAt);

public static class CustomerStatus
{
    public const string Prospective = "prospective";
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Inactive = "inactive";
    public const string Terminated = "terminated";
}
