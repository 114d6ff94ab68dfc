namespace CableHub.Customers.Contracts;

/// <summary>What the Identity module needs to know of a customer signing in: who, their state, and where to send codes.</summary>
public sealed record CustomerContact(Guid CustomerId, string CustomerNumber, string Status, string? Email, string? Phone, string PreferredLanguage);

/// <summary>Finds a customer for sign-in and activation (by customer number, or by e-mail through the blind index).</summary>
public interface ICustomerDirectory
{
    /// <summary>The customer with this customer number, or the only customer with this e-mail address; null if none or ambiguous.</summary>
    Task<CustomerContact?> FindAsync(string customerNumberOrEmail, CancellationToken ct);

    Task<CustomerContact?> GetAsync(Guid customerId, CancellationToken ct);
}
