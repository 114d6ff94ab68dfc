using System.Net;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Identity.Tests;

/// <summary>Tokens the API must refuse (401) without doing anything: expired, wrong audience, wrong signature, revoked client, disabled user.</summary>
public sealed class TokenTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string SourcePath = "/api/v1/epg/sources/";

    [Fact]
    public async Task Expired_wrong_audience_and_wrong_signature_tokens_get_401_and_write_nothing()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await api.Identity.StaffTokenAsync(StaffRoles.CatalogManager);
        var manager = (await api.Identity.Accounts.ListStaffAsync(CancellationToken.None)).Single(u => u.UserName == "test-catalog-manager");
        var claims = new[]
        {
            new System.Security.Claims.Claim(HubClaims.Subject, manager.Id.ToString()), new System.Security.Claims.Claim(HubClaims.Kind, HubClaims.Staff),
            new System.Security.Claims.Claim(HubClaims.Name, manager.UserName), new System.Security.Claims.Claim(HubClaims.Role, StaffRoles.CatalogManager),
        };

        // The control: a token made the same way, right in every respect, is accepted and writes.
        (await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "CONTROL", api.Identity.ForgeToken(claims: claims), new { name = "control" })).Status.ShouldBe(HttpStatusCode.OK);
        var before = await SourcesAsync(api);

        var refused = new Dictionary<string, string>
        {
            ["expired"] = api.Identity.ForgeToken(claims: claims, expires: DateTimeOffset.UtcNow.AddMinutes(-5)),
            ["wrong audience"] = api.Identity.ForgeToken(claims: claims, audience: "someone-else"),
            ["wrong signature"] = api.Identity.ForgeToken(claims: claims, otherKey: true),
            ["not a token"] = "abc.def.ghi",
        };
        foreach (var (name, token) in refused)
        {
            var (status, _) = await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "X" + name.Replace(' ', '-').ToUpperInvariant(), token, new { name });
            status.ShouldBe(HttpStatusCode.Unauthorized, name);
        }

        (await SourcesAsync(api)).ShouldBe(before, "nothing was written");
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'denied' AND status = 401 AND route LIKE 'PUT /api/v1/epg/sources/X%'")).ShouldBe(refused.Count);
    }

    [Fact]
    public async Task A_revoked_client_and_a_disabled_user_are_refused_at_once_with_their_live_tokens()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var token = await api.Identity.ClientTokenAsync("erp", ApiScopes.CatalogWrite);
        (await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "ERP1", token, new { name = "erp" })).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/identity/me", token)).Body.GetProperty("actor").GetString().ShouldBe("client:erp");

        await api.Identity.Clients.RevokeAsync("erp", "test", CancellationToken.None);
        var before = await SourcesAsync(api);
        (await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "ERP2", token, new { name = "erp" })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await SourcesAsync(api)).ShouldBe(before);

        var staff = await api.Identity.StaffTokenAsync(StaffRoles.CatalogManager);
        (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/identity/me", staff)).Status.ShouldBe(HttpStatusCode.OK);
        await api.Identity.Accounts.DisableAsync("test-catalog-manager", "test", CancellationToken.None);
        (await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "DISABLED", staff, new { name = "x" })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await SourcesAsync(api)).ShouldBe(before);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("test-catalog-manager", TestIdentity.Password, null))).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Client_tokens_carry_only_granted_scopes_and_the_actor_is_taken_from_the_token()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var issued = await api.Identity.Clients.AddAsync("reseller", "Reseller", [ApiScopes.CatalogRead], "test", CancellationToken.None);
        var (status, body) = await api.Identity.RequestTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "reseller", ["client_secret"] = issued.Secret, ["scope"] = "catalog:write" });
        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("error").GetString().ShouldBe("invalid_scope");
        (await api.Identity.RequestTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "reseller", ["client_secret"] = "wrong" })).Status.ShouldBe(HttpStatusCode.Unauthorized);

        var token = await api.Identity.TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "reseller", ["client_secret"] = issued.Secret });
        (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/catalog/check", token)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendWithTokenAsync(HttpMethod.Put, SourcePath + "RESELLER", token, new { name = "no" })).Status.ShouldBe(HttpStatusCode.Forbidden);

        // The price change records who announced it: the staff member of the token, not a header.
        var manager = await api.Identity.StaffTokenAsync("priya", [StaffRoles.CatalogManager]);
        using var request = await api.RequestAsync(HttpMethod.Post, "/tmf-api/productCatalogManagement/v4/productOfferingPrice", new
        {
            productOffering = new { id = "SONYMAX" },
            price = new { unit = "INR", value = 16m },
            validFor = new { startDateTime = api.Db.Clock.GetUtcNow().AddDays(31) },
        }, role: null);
        request.Headers.Add("X-Actor", "someone-else");
        TestIdentity.Authorize(request, manager);
        using var response = await api.Client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.QueryAsync<string>("SELECT DISTINCT created_by FROM hub.catalog_price WHERE reason IS DISTINCT FROM 'initial price' AND created_by IS NOT NULL")).ShouldBe(["staff:priya"]);
    }

    [Fact]
    public async Task Rotation_keeps_two_live_secrets_and_the_third_retires_the_oldest()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var first = await api.Identity.Clients.AddAsync("accounting", "Accounting", [ApiScopes.BillingRead], "test", CancellationToken.None);
        var second = await api.Identity.Clients.RotateAsync("accounting", "test", CancellationToken.None);
        foreach (var secret in new[] { first.Secret, second.Secret })
        {
            var (s0, b0) = await api.Identity.RequestTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "accounting", ["client_secret"] = secret });
            s0.ShouldBe(HttpStatusCode.OK, b0.ToString());
        }

        var third = await api.Identity.Clients.RotateAsync("accounting", "test", CancellationToken.None);
        (await api.Identity.RequestTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "accounting", ["client_secret"] = first.Secret })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Identity.RequestTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "accounting", ["client_secret"] = third.Secret })).Status.ShouldBe(HttpStatusCode.OK);
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.QueryAsync<string>("SELECT secret_hash FROM hub.api_client_secret WHERE client_id = 'accounting'")).ShouldAllBe(h => !h.Contains(first.Secret) && h.Length > 40);
    }

    private static async Task<List<string>> SourcesAsync(ApiHost api)
    {
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<string>("SELECT code FROM hub.epg_source ORDER BY code")).ToList();
    }
}
