using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CableHub.Identity;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// Identity and access on the real hub process: the demo access <c>up</c> prints (one curl line per kind) works as printed,
/// a TOTP code is good once, the operators' <c>users</c> / <c>clients</c> verbs act on the running hub, and the HTTPS-ready
/// pipeline (forwarded headers, HSTS, CORS, body limit, sign-in rate limit) answers as configured; the access audit those
/// requests wrote reaches the warehouse.
/// </summary>
[Collection(SharedHub.Name)]
public sealed partial class AccessTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task The_printed_demo_access_works_a_totp_code_is_good_once_and_the_operator_verbs_act_on_the_running_hub()
    {
        // admin: password + TOTP from the printed secret; the same code again is refused
        var admin = AdminLine().Match(_hub.Log);
        admin.Success.ShouldBeTrue("up prints the admin's curl line:\n" + _hub.Tail());
        var code = Accounts.TotpNow(admin.Groups["secret"].Value, DateTimeOffset.UtcNow);
        var adminForm = new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = "admin", ["password"] = admin.Groups["password"].Value, ["otp"] = code,
        };
        var (status, body) = await TokenAsync(adminForm);
        if (status != HttpStatusCode.OK && Accounts.TotpNow(admin.Groups["secret"].Value, DateTimeOffset.UtcNow) != code)
        {
            // the 30 s step turned between computing and checking (a loaded machine): once more with the new step's code
            adminForm["otp"] = code = Accounts.TotpNow(admin.Groups["secret"].Value, DateTimeOffset.UtcNow);
            (status, body) = await TokenAsync(adminForm);
        }

        status.ShouldBe(HttpStatusCode.OK, body.ToString());
        var (replayed, why) = await TokenAsync(adminForm);
        replayed.ShouldBe(HttpStatusCode.BadRequest, "a TOTP code is good once");
        why.GetProperty("error").GetString().ShouldBe("invalid_grant");
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE actor = 'admin' AND detail LIKE 'second factor already used (replay)%'")).ShouldBe(1);

        // subscriber: the printed line as is
        var subscriber = SubscriberLine().Match(_hub.Log);
        subscriber.Success.ShouldBeTrue("up prints the subscriber's curl line");
        var (subscriberStatus, subscriberToken) = await TokenAsync(new()
        {
            ["grant_type"] = "password", ["username"] = subscriber.Groups["number"].Value, ["password"] = subscriber.Groups["password"].Value,
        });
        subscriberStatus.ShouldBe(HttpStatusCode.OK, subscriberToken.ToString());
        (await MeAsync(subscriberToken.GetProperty("access_token").GetString()!)).GetProperty("actor").GetString().ShouldBe("subscriber:" + subscriber.Groups["number"].Value);

        // clients add → token; rotate → old and new secret both work; revoke → the live token and both secrets refused
        var added = await _hub.VerbAsync("clients", "add", "e2e-erp", "--scopes", "catalog:read,orders:read", "--name", "E2E ERP");
        var secret = Regex.Match(added, @"client_secret: (\S+)").Groups[1].Value;
        var token = await ClientTokenAsync("e2e-erp", secret);
        token.ShouldNotBeNull();
        (await MeAsync(token)).GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).ShouldBe(["catalog:read", "orders:read"], ignoreOrder: true);
        var rotated = Regex.Match(await _hub.VerbAsync("clients", "rotate", "e2e-erp"), @"new client_secret: (\S+)").Groups[1].Value;
        rotated.ShouldNotBe(secret);
        (await ClientTokenAsync("e2e-erp", secret)).ShouldNotBeNull("the previous secret stays valid until the next rotation");
        (await ClientTokenAsync("e2e-erp", rotated)).ShouldNotBeNull();
        await _hub.VerbAsync("clients", "revoke", "e2e-erp");
        (await SendAsync(HttpMethod.Get, "/api/v1/identity/me", token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ClientTokenAsync("e2e-erp", rotated)).ShouldBeNull();
        (await _hub.VerbAsync("clients", "list")).ShouldContain("revoked");

        // users add → sign in; users disable → refused
        await _hub.VerbAsync("users", "add", "e2e-clerk", "--roles", "inventory-clerk", "--password", "e2e-clerk-password");
        var (clerk, clerkToken) = await TokenAsync(new() { ["grant_type"] = "password", ["username"] = "e2e-clerk", ["password"] = "e2e-clerk-password" });
        clerk.ShouldBe(HttpStatusCode.OK, clerkToken.ToString());
        (await _hub.VerbAsync("users", "list")).ShouldContain("e2e-clerk");
        await _hub.VerbAsync("users", "disable", "e2e-clerk");
        (await SendAsync(HttpMethod.Get, "/api/v1/identity/me", clerkToken.GetProperty("access_token").GetString())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await TokenAsync(new() { ["grant_type"] = "password", ["username"] = "e2e-clerk", ["password"] = "e2e-clerk-password" })).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event IN ('user_added', 'user_disabled', 'client_added', 'client_rotated', 'client_revoked') AND actor LIKE 'cli:%'"))
            .ShouldBeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public async Task Forwarded_headers_hsts_cors_the_body_limit_and_the_sign_in_rate_limit_answer_as_configured_and_the_audit_reaches_the_warehouse()
    {
        const string ProxiedClient = "203.0.113.7";

        // Forwarded headers from the proxy on this machine: the client's address is what the audit records.
        using (var denied = new HttpRequestMessage(HttpMethod.Get, new Uri(_hub.Api, "/api/v1/identity/me")))
        {
            denied.Headers.Add("X-Forwarded-For", ProxiedClient);
            (await Anonymous.SendAsync(denied)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await _hub.ScalarAsync<string>("SELECT route FROM hub.access_audit WHERE event = 'denied' AND source_address = @a ORDER BY id DESC LIMIT 1", ("a", ProxiedClient)))
            .ShouldBe("GET /api/v1/identity/me");

        // HSTS only on requests that came over TLS (here: the proxy says https) and not for loopback host names.
        using (var overTls = new HttpRequestMessage(HttpMethod.Get, new Uri(_hub.Api, "/health")))
        {
            overTls.Headers.Add("X-Forwarded-Proto", "https");
            overTls.Headers.Add("X-Forwarded-Host", "tv.operator.example");
            using var answer = await Anonymous.SendAsync(overTls);
            answer.Headers.GetValues("Strict-Transport-Security").Single().ShouldBe("max-age=31536000; includeSubDomains");
        }

        using (var plain = await Anonymous.GetAsync(new Uri(_hub.Api, "/health")))
        {
            plain.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
        }

        // CORS: the configured origin only.
        foreach (var (origin, allowed) in new[] { (HubProcess.CorsOrigin, true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(_hub.Api, "/tmf-api/customerManagement/v4/customer"));
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization");
            using var answer = await Anonymous.SendAsync(preflight);
            answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var allow).ShouldBe(allowed, $"{origin}: {(int)answer.StatusCode}");
            if (allowed)
            {
                allow!.Single().ShouldBe(origin);
            }

            using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(_hub.Api, "/tmf-api/productCatalogManagement/v4/productOffering?limit=1"));
            get.Headers.Add("Origin", origin);
            using var read = await Anonymous.SendAsync(get);
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
            read.Headers.Contains("Access-Control-Allow-Origin").ShouldBe(allowed);
        }

        // Body limit (Authentication:MaxRequestBodyMegabytes, 4 MB for this hub): 413, nothing read. The client asks first
        // (Expect: 100-continue) and waits for the answer, so the refusal never races the upload (a reset connection).
        using (var patient = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) }) { Timeout = TimeSpan.FromSeconds(90) })
        using (var big = new HttpRequestMessage(HttpMethod.Post, new Uri(_hub.Api, "/api/v1/identity/activation")))
        {
            big.Headers.ExpectContinue = true;
            big.Content = new ByteArrayContent(new byte[5 * 1024 * 1024]);
            big.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var answer = await patient.SendAsync(big);
            answer.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
            (await answer.Content.ReadAsStringAsync()).ShouldContain("The request body is too large");
        }

        // Sign-in rate limit per client address (30 a minute by default): the 31st token request from one address waits.
        const string Guesser = "198.51.100.23";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 31; i++)
        {
            using var guess = new HttpRequestMessage(HttpMethod.Post, new Uri(_hub.Api, "/connect/token"))
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = "nobody-" + i, ["password"] = "guess-" + i }),
            };
            guess.Headers.Add("X-Forwarded-For", Guesser);
            statuses.Add((await Anonymous.SendAsync(guess)).StatusCode);
        }

        statuses.Take(30).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
        statuses[30].ShouldBe(HttpStatusCode.TooManyRequests);
        (await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "demo-backoffice", ["client_secret"] = HubProcess.ClientSecret }))
            .Status.ShouldBe(HttpStatusCode.OK, "other addresses are not limited by it");

        // The access audit flows to the warehouse like every hub table (CDC → Kafka → ClickHouse).
        var deadline = DateTime.UtcNow.AddSeconds(90);
        ulong inWarehouse = 0;
        while (DateTime.UtcNow < deadline)
        {
            inWarehouse = Convert.ToUInt64(await _hub.WarehouseScalarAsync(
                "SELECT count() FROM hub.access_audit WHERE source_address IN ({a:String}, {b:String})", ("a", ProxiedClient), ("b", Guesser)), System.Globalization.CultureInfo.InvariantCulture);
            if (inWarehouse >= 31)
            {
                break;
            }

            await Task.Delay(1000);
        }

        var inHub = await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE source_address IN (@a, @b)", ("a", ProxiedClient), ("b", Guesser));
        inHub.ShouldBeGreaterThanOrEqualTo(31);
        inWarehouse.ShouldBe((ulong)inHub);
    }

    private static readonly HttpClient Anonymous = new() { Timeout = TimeSpan.FromSeconds(60) };

    private async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var answer = await Anonymous.PostAsync(new Uri(_hub.Api, "/connect/token"), new FormUrlEncodedContent(form));
        var text = await answer.Content.ReadAsStringAsync();
        return (answer.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<string?> ClientTokenAsync(string clientId, string secret)
    {
        var (status, body) = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        return status == HttpStatusCode.OK ? body.GetProperty("access_token").GetString() : null;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, new Uri(_hub.Api, path));
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return await Anonymous.SendAsync(request);
    }

    private async Task<JsonElement> MeAsync(string token)
    {
        using var answer = await SendAsync(HttpMethod.Get, "/api/v1/identity/me", token);
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [GeneratedRegex(@"username=admin -d 'password=(?<password>[^']+)' -d otp=\$\(oathtool --totp -b (?<secret>[A-Z2-7]+)\)")]
    private static partial Regex AdminLine();

    [GeneratedRegex(@"username=(?<number>C\d+) -d 'password=(?<password>[^']+)'")]
    private static partial Regex SubscriberLine();
}
