using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Ordering;
using CableHub.Testing;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace CableHub.Identity.Tests;

/// <summary>
/// Every route of the API (read from the route table, not listed by hand) × anonymous, each staff role, subscriber A,
/// subscriber B and one client per scope, with real tokens: the answer must be what the route's declared rule says
/// (refused: 401 anonymous / 403 otherwise; allowed: neither), and subscriber B reaching subscriber A's resources gets 404.
/// </summary>
public sealed class AuthorizationMatrixTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private sealed record Caller(string Name, string? Token, string Kind, string? Role, string? Scope, Guid? Customer);

    [Fact]
    public async Task Every_route_answers_every_kind_of_caller_as_its_declared_rule_says()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var a = api.Db.ActiveCustomers[0];
        var b = api.Db.ActiveCustomers[1];
        var owned = await OwnedResourcesAsync(api, a);

        var callers = new List<Caller> { new("anonymous", null, "anonymous", null, null, null) };
        foreach (var role in StaffRoles.All)
        {
            callers.Add(new($"staff {role}", await api.Identity.StaffTokenAsync(role), HubClaims.Staff, role, null, null));
        }

        callers.Add(new("subscriber A", await api.Identity.SubscriberTokenAsync(a), HubClaims.Subscriber, null, null, a));
        callers.Add(new("subscriber B", await api.Identity.SubscriberTokenAsync(b), HubClaims.Subscriber, null, null, b));
        foreach (var scope in ApiScopes.All)
        {
            callers.Add(new($"client {scope}", await api.Identity.ClientTokenAsync("matrix-" + scope.Replace(':', '-'), scope), HubClaims.Client, null, scope, null));
        }

        var routes = api.Endpoints.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Endpoint: e)))
            .ToList();
        routes.Count.ShouldBeGreaterThan(80, "the route table was read");
        routes.Count(r => r.Endpoint.Metadata.GetOrderedMetadata<AccessRule>().Contains(HubPolicies.ComplianceReports))
            .ShouldBeGreaterThanOrEqualTo(3, "the compliance reports are in the matrix: compliance-officer only, admin refused too");

        var failures = new ConcurrentBag<string>();
        var checkedCount = 0;
        var crossSubscriber = 0;
        foreach (var (method, endpoint) in routes)
        {
            var rules = endpoint.Metadata.GetOrderedMetadata<AccessRule>();
            var anonymous = endpoint.Metadata.GetMetadata<AnonymousReason>() is not null;
            var ownedBy = endpoint.Metadata.GetMetadata<OwnedResource>();
            var path = Fill(endpoint.RoutePattern, ownedBy, owned);
            await Parallel.ForEachAsync(callers, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (caller, _) =>
            {
                var (status, _) = await api.SendWithTokenAsync(new HttpMethod(method), path, caller.Token, Body(method, endpoint));
                var allowed = anonymous || (caller.Kind != "anonymous" && rules.Count > 0 && rules.All(r => Allows(r, caller)));
                string? wrong = null;
                if (!allowed)
                {
                    var expected = caller.Kind == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden;
                    if (status != expected)
                    {
                        wrong = $"expected {(int)expected}";
                    }
                }
                else if (caller.Kind == HubClaims.Subscriber && ownedBy is not null && caller.Customer != a)
                {
                    Interlocked.Increment(ref crossSubscriber);
                    if (status != HttpStatusCode.NotFound)
                    {
                        wrong = "expected 404 (another subscriber's resource)";
                    }
                }
                else if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    wrong = "expected to be let through";
                }

                if (wrong is not null)
                {
                    failures.Add($"{method} {path} as {caller.Name}: {(int)status}, {wrong}");
                }

                Interlocked.Increment(ref checkedCount);
            });
        }

        failures.ShouldBeEmpty(string.Join('\n', failures.Order()));
        checkedCount.ShouldBe(routes.Count * callers.Count);
        crossSubscriber.ShouldBeGreaterThan(5, "subscriber B tried subscriber A's resources on every owned route");

        // Every refusal was written to the access audit.
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'denied' AND status = 401")).ShouldBeGreaterThan(50);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'denied' AND status = 403")).ShouldBeGreaterThan(50);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'denied' AND status = 404")).ShouldBeGreaterThan(5);
    }

    [Fact]
    public async Task A_route_without_a_rule_or_an_anonymous_route_without_a_reason_is_named_by_the_default_deny_check()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        EndpointAccessCheck.Violations(api.Endpoints).ShouldBeEmpty();

        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        await using var app = builder.Build();
        app.MapGet("/forgotten", () => "x");
        app.MapGet("/public", () => "x").AllowAnonymous();
        app.MapGet("/declared", () => "x").AllowAnonymousBecause("test");
        app.MapGet("/ruled", () => "x").RequireAccess(HubPolicies.CatalogRead);
        var violations = EndpointAccessCheck.Violations(((IEndpointRouteBuilder)app).DataSources);
        violations.Count.ShouldBe(2);
        violations.ShouldContain(v => v.Contains("/forgotten") && v.Contains("no access rule"));
        violations.ShouldContain(v => v.Contains("/public") && v.Contains("without a reason"));
        Should.Throw<InvalidOperationException>(() => EndpointAccessCheck.Verify(((IEndpointRouteBuilder)app).DataSources)).Message.ShouldContain("/forgotten");
    }

    private static bool Allows(AccessRule rule, Caller caller) => caller.Kind switch
    {
        HubClaims.Staff => (caller.Role == StaffRoles.Admin && rule.AdminPasses) || rule.Roles.Contains(caller.Role!),
        HubClaims.Client => rule.Scopes.Contains(caller.Scope!),
        HubClaims.Subscriber => rule.Subscribers,
        _ => false,
    };

    /// <summary>Subscriber A's resources by kind (route values of owned routes point at them).</summary>
    private static async Task<Dictionary<string, string>> OwnedResourcesAsync(ApiHost api, Guid customer)
    {
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        PlacedProductOrder placed;
        await using (var tx = await conn.BeginTransactionAsync())
        {
            placed = await api.Db.Get<ProductOrderStore>().PlaceAsync(new PlaceProductOrder(null,
                new Customers.Contracts.NewCustomer("Matrix", "Owner", null, null, null, null), api.Db.PlanId, "1", "INR", "online", 1, "matrix"), conn, tx);
            await tx.CommitAsync();
        }

        var account = await conn.ExecuteScalarAsync<Guid>("SELECT id FROM hub.billing_account WHERE customer_id = @customer LIMIT 1", new { customer });
        await conn.ExecuteAsync("UPDATE hub.product_order SET customer_id = @customer, billing_account_id = @account WHERE id = @id", new { customer, account, id = placed.OrderId });
        var device = await conn.ExecuteScalarAsync<string>("SELECT serial_number FROM hub.device WHERE customer_id = @customer LIMIT 1", new { customer });
        var message = Guid.NewGuid(); // a TMF681 message to the customer (the notification log's row)
        await conn.ExecuteAsync(
            """
            INSERT INTO notification.message (idempotency_key, id, channel, template_id, customer_id, state, created_at, updated_at)
            VALUES ('matrix:' || @message, @message, 'email', 'welcome', @customerText, 'sent', now(), now())
            """, new { message, customerText = customer.ToString() });
        return new()
        {
            [OwnedKinds.Customer] = customer.ToString(),
            [OwnedKinds.BillingAccount] = account.ToString(),
            [OwnedKinds.ProductOrder] = placed.OrderId.ToString(),
            [OwnedKinds.Device] = device!,
            [OwnedKinds.CommunicationMessage] = message.ToString(),
        };
    }

    private static string Fill(RoutePattern pattern, OwnedResource? owned, Dictionary<string, string> resources)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart p when owned is not null && p.Name == owned.RouteValue => resources[owned.Kind],
                    RoutePatternParameterPart p when p.Name == "customerId" => resources[OwnedKinds.Customer],
                    RoutePatternParameterPart p when p.ParameterPolicies.Any(x => x.Content == "guid") => Guid.NewGuid().ToString(),
                    RoutePatternParameterPart => "MATRIX-X",
                    _ => "",
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    /// <summary>A JSON body for writes, none for a route that takes a file (CSV, XML, EDI): a wrong media type would be refused before access.</summary>
    private static object? Body(string method, RouteEndpoint endpoint)
    {
        if (method is not ("POST" or "PUT" or "PATCH"))
        {
            return null;
        }

        var accepts = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>();
        return accepts is null || accepts.ContentTypes.Contains("application/json") ? "{}" : null;
    }
}
