using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CableHub.Core.Api.Access;

/// <summary>The staff roles (people). A staff member's token carries one <c>role</c> claim per role.</summary>
public static class StaffRoles
{
    public const string Admin = "admin";
    public const string CatalogManager = "catalog-manager";
    public const string CustomerService = "customer-service";
    public const string BillingClerk = "billing-clerk";
    public const string Cashier = "cashier";
    public const string Technician = "technician";
    public const string InventoryClerk = "inventory-clerk";
    public const string ComplianceOfficer = "compliance-officer";
    public const string Analyst = "analyst";

    public static IReadOnlyList<string> All { get; } =
        [Admin, CatalogManager, CustomerService, BillingClerk, Cashier, Technician, InventoryClerk, ComplianceOfficer, Analyst];

    /// <summary>Roles that must sign in with a TOTP second factor.</summary>
    public static IReadOnlyList<string> RequireTotp { get; } = [Admin, ComplianceOfficer];
}

/// <summary>OAuth 2.0 scopes a back-office client (client credentials) may be granted.</summary>
public static class ApiScopes
{
    public const string CatalogRead = "catalog:read";
    public const string CatalogWrite = "catalog:write";
    public const string OrdersRead = "orders:read";
    public const string OrdersWrite = "orders:write";
    public const string CustomersRead = "customers:read";
    public const string BillingRead = "billing:read";
    public const string BillingWrite = "billing:write";
    public const string InventoryRead = "inventory:read";
    public const string InventoryWrite = "inventory:write";
    public const string ReportsRead = "reports:read";
    public const string PersonalDataRead = "personal-data:read";

    public static IReadOnlyList<string> All { get; } =
        [CatalogRead, CatalogWrite, OrdersRead, OrdersWrite, CustomersRead, BillingRead, BillingWrite, InventoryRead, InventoryWrite, ReportsRead, PersonalDataRead];
}

/// <summary>The claims of the hub's access tokens (an external issuer maps its own onto these, see docs/ARCHITECTURE.md).</summary>
public static class HubClaims
{
    /// <summary><c>staff</c>, <c>subscriber</c> or <c>client</c>.</summary>
    public const string Kind = "hub_kind";
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Scope = "scope";
    public const string CustomerId = "customer_id";
    public const string Name = "name";
    public const string ClientId = "client_id";

    public const string Staff = "staff";
    public const string Subscriber = "subscriber";
    public const string Client = "client";
}

/// <summary>Who may call a route group: staff roles, client scopes, subscribers (their own resources only), or anyone.</summary>
/// <param name="Name">policy name (docs, audit, the authorization matrix).</param>
/// <param name="Roles">staff roles allowed (admin is added unless <see cref="AdminPasses"/> is false).</param>
/// <param name="Scopes">client scopes allowed (any one suffices).</param>
/// <param name="Subscribers">whether subscribers may call it (ownership checked per resource: another subscriber's → 404).</param>
public sealed record AccessRule(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes, bool Subscribers)
{
    /// <summary>Whether admin passes too (true for every rule but the few that name one role only: e.g. compliance reports).</summary>
    public bool AdminPasses { get; init; } = true;

    public bool Allows(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        return HubPrincipal.KindOf(user) switch
        {
            HubClaims.Staff => HubPrincipal.RolesOf(user).Any(r => (r == StaffRoles.Admin && AdminPasses) || Roles.Contains(r)),
            HubClaims.Client => HubPrincipal.ScopesOf(user).Any(Scopes.Contains),
            HubClaims.Subscriber => Subscribers,
            _ => false,
        };
    }
}

/// <summary>Endpoint metadata: the route is public on purpose, and why (the default-deny check refuses AllowAnonymous without it).</summary>
public sealed record AnonymousReason(string Reason);

/// <summary>Endpoint metadata: a subscriber reaches this route only for a resource of theirs, named by a route value.</summary>
/// <param name="RouteValue">the route value naming the resource (<c>customerId</c>, <c>id</c>, ...).</param>
/// <param name="Kind">resource kind resolved by an <see cref="IResourceOwnerResolver"/> (<see cref="OwnedKinds"/>).</param>
public sealed record OwnedResource(string RouteValue, string Kind);

/// <summary>Endpoint metadata: the route answers decrypted personal data; each successful call is recorded in the access audit.</summary>
public sealed record PersonalDataRead(string What);

/// <summary>Resource kinds a subscriber may own (resolved by the owning module's <see cref="IResourceOwnerResolver"/>).</summary>
public static class OwnedKinds
{
    /// <summary>The route value is the customer's own id (no lookup).</summary>
    public const string Customer = "customer";
    public const string BillingAccount = "billingAccount";
    public const string ProductOrder = "productOrder";
    public const string Device = "device";
    public const string Subscription = "subscription";

    /// <summary>A TMF681 communication message (the message's customer owns it).</summary>
    public const string CommunicationMessage = "communicationMessage";
}

/// <summary>A module's answer to "which customer owns resource <c>id</c> of kind <see cref="Kind"/>?" (null: none / unknown).</summary>
public interface IResourceOwnerResolver
{
    string Kind { get; }

    Task<Guid?> OwnerAsync(string id, CancellationToken ct);
}

/// <summary>Where access decisions and personal-data reads are recorded (implemented by the Identity module's audit log).</summary>
public interface IAccessAuditSink
{
    /// <summary>A request refused with 401 / 403 / (ownership) 404.</summary>
    Task DeniedAsync(HttpContext http, int status, string reason, CancellationToken ct);

    /// <summary>A successful read of decrypted personal data.</summary>
    Task PersonalDataReadAsync(HttpContext http, string what, CancellationToken ct);
}
