using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using CableHub.Core.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Core.Api.Access;

/// <summary>
/// The hub's access rules, one per kind of route group. A module declares its group's rule where it maps the group
/// (<c>group.RequireAccess(HubPolicies.CatalogWrite)</c>, <c>.RequireStaff(...)</c>, <c>.RequireScope(...)</c>,
/// <c>.AllowAnonymousBecause("...")</c>); the host refuses to start when an endpoint has neither (see
/// <see cref="EndpointAccessCheck"/>). Admin passes every staff rule but <see cref="ComplianceReports"/>.
/// </summary>
public static class HubPolicies
{
    private static readonly string[] CatalogStaff = [StaffRoles.CatalogManager, StaffRoles.CustomerService, StaffRoles.Analyst, StaffRoles.ComplianceOfficer];

    /// <summary>Catalogue internals (rule check, notices, EPG sources/imports): catalogue staff, <c>catalog:read</c>.</summary>
    public static AccessRule CatalogRead { get; } = new("catalog.read", CatalogStaff, [ApiScopes.CatalogRead, ApiScopes.CatalogWrite], false);

    /// <summary>Channels, bouquets, prices, VOD titles, EPG imports: catalog-manager, <c>catalog:write</c>.</summary>
    public static AccessRule CatalogWrite { get; } = new("catalog.write", [StaffRoles.CatalogManager], [ApiScopes.CatalogWrite], false);

    /// <summary>Place a TMF622 order (new customer): customer-service, cashier, <c>orders:write</c>.</summary>
    public static AccessRule OrdersPlace { get; } = new("orders.place", [StaffRoles.CustomerService, StaffRoles.Cashier], [ApiScopes.OrdersWrite], false);

    /// <summary>Read orders: customer-service, billing-clerk, cashier, analyst, <c>orders:read</c>/<c>orders:write</c>; a subscriber their own.</summary>
    public static AccessRule OrdersRead { get; } = new("orders.read",
        [StaffRoles.CustomerService, StaffRoles.BillingClerk, StaffRoles.Cashier, StaffRoles.Analyst], [ApiScopes.OrdersRead, ApiScopes.OrdersWrite], true);

    /// <summary>A customer's own things (guide, VOD purchases and access, fees): customer-facing staff, <c>customers:read</c>; a subscriber their own.</summary>
    public static AccessRule CustomerRead { get; } = new("customer.read",
        [StaffRoles.CustomerService, StaffRoles.BillingClerk, StaffRoles.Cashier, StaffRoles.Technician], [ApiScopes.CustomersRead], true);

    /// <summary>Buy for a customer (VOD): customer-service, cashier, <c>orders:write</c>; a subscriber for themselves.</summary>
    public static AccessRule CustomerPurchase { get; } = new("customer.purchase", [StaffRoles.CustomerService, StaffRoles.Cashier], [ApiScopes.OrdersWrite], true);

    /// <summary>Charges and bills of an account: billing-clerk, cashier, customer-service, <c>billing:read</c>; a subscriber their own.</summary>
    public static AccessRule BillingRead { get; } = new("billing.read",
        [StaffRoles.BillingClerk, StaffRoles.Cashier, StaffRoles.CustomerService], [ApiScopes.BillingRead, ApiScopes.BillingWrite], true);

    /// <summary>Billing changes (payments, adjustments): billing-clerk, cashier, <c>billing:write</c>.</summary>
    public static AccessRule BillingWrite { get; } = new("billing.write", [StaffRoles.BillingClerk, StaffRoles.Cashier], [ApiScopes.BillingWrite], false);

    /// <summary>Stock, devices, purchase orders, EDI files (read): inventory-clerk, technician, analyst, <c>inventory:read</c>/<c>inventory:write</c>.</summary>
    public static AccessRule InventoryRead { get; } = new("inventory.read",
        [StaffRoles.InventoryClerk, StaffRoles.Technician, StaffRoles.Analyst], [ApiScopes.InventoryRead, ApiScopes.InventoryWrite], false);

    /// <summary>Stock movements, pairings, purchase orders, EDI uploads, imports: inventory-clerk, technician, <c>inventory:write</c>.</summary>
    public static AccessRule InventoryWrite { get; } = new("inventory.write", [StaffRoles.InventoryClerk, StaffRoles.Technician], [ApiScopes.InventoryWrite], false);

    /// <summary>Open and read trouble tickets (TMF621): customer-service, technician; a subscriber opens and reads their own.</summary>
    public static AccessRule Tickets { get; } = new("tickets", [StaffRoles.CustomerService, StaffRoles.Technician], [], true);

    /// <summary>Work a trouble ticket (status, severity, notes): customer-service, technician.</summary>
    public static AccessRule TicketsUpdate { get; } = new("tickets.update", [StaffRoles.CustomerService, StaffRoles.Technician], [], false);

    /// <summary>Reports and exports: analyst, compliance-officer, <c>reports:read</c>.</summary>
    public static AccessRule ReportsRead { get; } = new("reports.read", [StaffRoles.Analyst, StaffRoles.ComplianceOfficer], [ApiScopes.ReportsRead], false);

    /// <summary>
    /// Compliance reports for regulators and auditors (signed exports): the compliance-officer role ONLY — not admin, not
    /// analysts, no client scope. Every export is recorded in the audit log.
    /// </summary>
    public static AccessRule ComplianceReports { get; } = new("compliance.reports", [StaffRoles.ComplianceOfficer], [], false) { AdminPasses = false };

    /// <summary>
    /// Decrypted personal data (names, birth date, e-mail, phone, street): customer-service, compliance-officer,
    /// <c>personal-data:read</c>; a subscriber their own. Combine with <see cref="AccessEndpoints.RecordsPersonalDataRead{TBuilder}"/>.
    /// </summary>
    public static AccessRule PersonalDataRead { get; } = new("personal-data.read",
        [StaffRoles.CustomerService, StaffRoles.ComplianceOfficer], [ApiScopes.PersonalDataRead], true);

    /// <summary>Any signed-in principal (e.g. "who am I").</summary>
    public static AccessRule Authenticated { get; } = new("authenticated", StaffRoles.All, ApiScopes.All, true);

    /// <summary>Users, clients, the access audit: admin only.</summary>
    public static AccessRule IdentityAdmin { get; } = new("identity.admin", [], [], false);

    public static IReadOnlyList<AccessRule> All { get; } =
        [CatalogRead, CatalogWrite, OrdersPlace, OrdersRead, CustomerRead, CustomerPurchase, BillingRead, BillingWrite, InventoryRead, InventoryWrite, Tickets, TicketsUpdate, ReportsRead, ComplianceReports, PersonalDataRead, Authenticated, IdentityAdmin];
}

/// <summary>How route groups declare their access rule.</summary>
public static class AccessEndpoints
{
    /// <summary>The group (or endpoint) needs <paramref name="rule"/>; an unauthenticated caller gets 401, a refused one 403.</summary>
    public static TBuilder RequireAccess<TBuilder>(this TBuilder builder, AccessRule rule)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(rule);
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(c => rule.Allows(c.User)).Build();
        builder.WithMetadata(rule);
        builder.RequireAuthorization(policy);
        return builder;
    }

    /// <summary>Staff with one of <paramref name="roles"/> (admin always), nobody else.</summary>
    public static TBuilder RequireStaff<TBuilder>(this TBuilder builder, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAccess(new AccessRule("staff:" + string.Join('+', roles), roles, [], false));

    /// <summary>Clients with one of <paramref name="scopes"/> or staff with one of <paramref name="roles"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope, params string[] roles)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAccess(new AccessRule("scope:" + scope, roles, [scope], false));

    /// <summary>
    /// <paramref name="rule"/> (which must admit subscribers), and a subscriber only for a resource of theirs: the route value
    /// <paramref name="routeValue"/> names a resource of <paramref name="kind"/> (<see cref="OwnedKinds"/>); someone else's
    /// answers 404 exactly like a missing one.
    /// </summary>
    public static TBuilder RequireOwnerOrStaff<TBuilder>(this TBuilder builder, AccessRule rule, string routeValue, string kind)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(rule);
        builder.RequireAccess(rule);
        builder.WithMetadata(new OwnedResource(routeValue, kind));
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (HubPrincipal.KindOf(http.User) == HubClaims.Subscriber && !await OwnsAsync(http, routeValue, kind).ConfigureAwait(false))
            {
                await AuditDeniedAsync(http, StatusCodes.Status404NotFound, $"not the owner of {kind} '{http.GetRouteValue(routeValue)}'").ConfigureAwait(false);
                return NotFound(kind, http.GetRouteValue(routeValue)?.ToString());
            }

            return await next(context).ConfigureAwait(false);
        });
        return builder;
    }

    /// <summary>Public on purpose (catalogue, guide, sign-in): <paramref name="reason"/> is kept with the endpoint and listed in the docs.</summary>
    public static TBuilder AllowAnonymousBecause<TBuilder>(this TBuilder builder, string reason)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        builder.WithMetadata(new AnonymousReason(reason));
        builder.AllowAnonymous();
        return builder;
    }

    /// <summary>Each successful call reads decrypted personal data: needs <see cref="HubPolicies.PersonalDataRead"/> and is recorded in the access audit.</summary>
    public static TBuilder RecordsPersonalDataRead<TBuilder>(this TBuilder builder, string what)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new PersonalDataRead(what));
        builder.RequireAccess(HubPolicies.PersonalDataRead);
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context).ConfigureAwait(false);
            var http = context.HttpContext;
            if (http.RequestServices.GetService<IAccessAuditSink>() is { } audit)
            {
                await audit.PersonalDataReadAsync(http, what, http.RequestAborted).ConfigureAwait(false);
            }

            return result;
        });
        return builder;
    }

    /// <summary>Whether the signed-in subscriber owns the resource named by route value <paramref name="routeValue"/>.</summary>
    public static async Task<bool> OwnsAsync(HttpContext http, string routeValue, string kind)
    {
        ArgumentNullException.ThrowIfNull(http);
        var customer = HubPrincipal.CustomerIdOf(http.User);
        var id = http.GetRouteValue(routeValue)?.ToString();
        if (customer is null || string.IsNullOrEmpty(id))
        {
            return false;
        }

        if (kind == OwnedKinds.Customer)
        {
            return Guid.TryParse(id, out var g) && g == customer;
        }

        var resolver = http.RequestServices.GetServices<IResourceOwnerResolver>().FirstOrDefault(r => r.Kind == kind)
            ?? throw new InvalidOperationException($"no IResourceOwnerResolver for kind '{kind}' is registered");
        return await resolver.OwnerAsync(id, http.RequestAborted).ConfigureAwait(false) == customer;
    }

    /// <summary>
    /// For a customer named in a request body: a subscriber may only act for themselves; another customer is answered as
    /// not found (404), like a missing one. Staff and clients pass (their rule was checked by the group).
    /// </summary>
    public static void EnsureSubscriberOwns(HttpContext http, Guid? customerId, string what)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (HubPrincipal.KindOf(http.User) == HubClaims.Subscriber && (customerId is null || HubPrincipal.CustomerIdOf(http.User) != customerId))
        {
            throw new NotFoundException($"{what} '{customerId}'");
        }
    }

    private static async Task AuditDeniedAsync(HttpContext http, int status, string reason)
    {
        if (http.RequestServices.GetService<IAccessAuditSink>() is { } audit)
        {
            await audit.DeniedAsync(http, status, reason, http.RequestAborted).ConfigureAwait(false);
        }
    }

    private static IResult NotFound(string kind, string? id) =>
        ProblemMapping.NotFound($"{kind} '{id}'");
}
