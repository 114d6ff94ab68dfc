using CableHub.Customers.Contracts;

namespace CableHub.Customers;

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
