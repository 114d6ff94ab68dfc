using System.Net;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Identity.Tests;

/// <summary>Brute force, second factor, activation by one-time code, password reset by single-use token, refresh.</summary>
public sealed class LockoutAndAccountTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task The_sixth_wrong_password_within_a_minute_locks_the_account_and_is_audited()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await api.Identity.Accounts.AddStaffAsync("ravi", TestIdentity.Password, [StaffRoles.Cashier], null, null, "test", CancellationToken.None);
        for (var i = 1; i <= 5; i++)
        {
            var (status, body) = await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", "wrong-password-" + i, null));
            status.ShouldBe(HttpStatusCode.BadRequest);
            body.GetProperty("error_description").GetString()!.ShouldContain("wrong user name or password");
            api.Db.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        // five failures do not lock: the right password still works, and resets the count
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", TestIdentity.Password, null))).Status.ShouldBe(HttpStatusCode.OK);
        for (var i = 1; i <= 6; i++)
        {
            await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", "wrong-password-" + i, null));
            api.Db.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        var (locked, problem) = await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", TestIdentity.Password, null));
        locked.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("error_description").GetString()!.ShouldContain("locked");

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var lockouts = (await conn.QueryAsync<(string Actor, string Detail)>("SELECT actor, detail FROM hub.access_audit WHERE event = 'lockout'")).ToList();
        lockouts.ShouldHaveSingleItem().Actor.ShouldBe("ravi");
        lockouts[0].Detail.ShouldContain("6 failures");
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'sign_in_failed' AND actor = 'ravi'")).ShouldBe(12);

        // the lock ends after its duration; failures spread over more than a minute never lock
        api.Db.Clock.Advance(TimeSpan.FromMinutes(16));
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", TestIdentity.Password, null))).Status.ShouldBe(HttpStatusCode.OK);
        for (var i = 1; i <= 8; i++)
        {
            await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", "slow-guess-" + i, null));
            api.Db.Clock.Advance(TimeSpan.FromSeconds(20));
        }

        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("ravi", TestIdentity.Password, null))).Status.ShouldBe(HttpStatusCode.OK);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'lockout'")).ShouldBe(1);
    }

    [Fact]
    public async Task A_failed_sign_in_with_an_unknown_login_is_audited_under_a_keyed_hash_never_the_typed_text()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var typed = $"Someone.{Guid.NewGuid():N}@Example.in";
        for (var i = 0; i < 2; i++)
        {
            (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm(typed, "wrong-password-" + i, null))).Status.ShouldBe(HttpStatusCode.BadRequest);
        }

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var actors = (await conn.QueryAsync<string>("SELECT actor FROM hub.access_audit WHERE event = 'sign_in_failed' AND detail = 'unknown login' AND actor LIKE 'unknown:%'")).ToList();
        actors.Count.ShouldBeGreaterThanOrEqualTo(2);
        actors.ShouldContain(api.Identity.Accounts.UnknownLogin(typed));
        actors.Count(a => a == api.Identity.Accounts.UnknownLogin(typed)).ShouldBe(2); // the same login twice: one value, so repeated tries stay visible
        api.Identity.Accounts.UnknownLogin(typed).ShouldMatch("^unknown:[0-9a-f]{16}$");
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE strpos(lower(concat_ws(' ', actor, subject, detail)), lower(@part)) > 0",
            new { part = typed.Split('@')[0] })).ShouldBe(0);
    }

    [Fact]
    public async Task Admins_need_their_one_time_password_and_refresh_tokens_follow_role_changes()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var added = await api.Identity.Accounts.AddStaffAsync("meera", TestIdentity.Password, [StaffRoles.Admin], null, null, "test", CancellationToken.None);
        added.TotpSecret.ShouldNotBeNull();
        var (missing, why) = await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("meera", TestIdentity.Password, null));
        missing.ShouldBe(HttpStatusCode.BadRequest);
        why.GetProperty("error_description").GetString()!.ShouldContain("otp");
        var wrongOtp = api.Identity.PasswordForm("meera", TestIdentity.Password, null);
        wrongOtp["otp"] = "000000" == api.Identity.Totp(added.TotpSecret!) ? "111111" : "000000";
        (await api.Identity.RequestTokenAsync(wrongOtp)).Status.ShouldBe(HttpStatusCode.BadRequest);

        var form = api.Identity.PasswordForm("meera", TestIdentity.Password, added.TotpSecret);
        form["scope"] = "offline_access";
        var (ok, tokens) = await api.Identity.RequestTokenAsync(form);
        ok.ShouldBe(HttpStatusCode.OK);
        var refresh = tokens.GetProperty("refresh_token").GetString()!;

        await api.Identity.Accounts.SetRolesAsync("meera", [StaffRoles.Analyst], "test", CancellationToken.None);
        var renewed = await api.Identity.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh });
        (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/identity/me", renewed)).Body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldBe([StaffRoles.Analyst]);
        (await api.SendWithTokenAsync(HttpMethod.Put, "/api/v1/epg/sources/NOPE", renewed, new { name = "x" })).Status.ShouldBe(HttpStatusCode.Forbidden);

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<string>("SELECT detail FROM hub.access_audit WHERE event = 'roles_changed'")).ShouldBe("from admin to analyst");
        (await conn.ExecuteScalarAsync<byte[]>("SELECT totp_secret_enc FROM hub.identity_user WHERE user_name = 'meera'"))!.ShouldNotBe(System.Text.Encoding.UTF8.GetBytes(added.TotpSecret!));
    }

    [Fact]
    public async Task A_one_time_password_is_good_once_a_replay_within_its_window_is_refused_and_audited()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var added = await api.Identity.Accounts.AddStaffAsync("kiran", TestIdentity.Password, [StaffRoles.ComplianceOfficer], null, null, "test", CancellationToken.None);
        var form = api.Identity.PasswordForm("kiran", TestIdentity.Password, added.TotpSecret); // the code of the current 30 s step
        (await api.Identity.RequestTokenAsync(form)).Status.ShouldBe(HttpStatusCode.OK);

        // The same code again, in the same step and in the next one (where the RFC's one-step network delay still accepts it).
        var (replayed, why) = await api.Identity.RequestTokenAsync(form);
        replayed.ShouldBe(HttpStatusCode.BadRequest);
        why.GetProperty("error_description").GetString()!.ShouldContain("wrong user name or password");
        api.Db.Clock.Advance(TimeSpan.FromSeconds(35));
        (await api.Identity.RequestTokenAsync(form)).Status.ShouldBe(HttpStatusCode.BadRequest);

        // The next step's fresh code passes once.
        var fresh = api.Identity.PasswordForm("kiran", TestIdentity.Password, added.TotpSecret);
        fresh["otp"].ShouldNotBe(form["otp"]);
        (await api.Identity.RequestTokenAsync(fresh)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.Identity.RequestTokenAsync(fresh)).Status.ShouldBe(HttpStatusCode.BadRequest);

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var failures = (await conn.QueryAsync<string>("SELECT detail FROM hub.access_audit WHERE event = 'sign_in_failed' AND actor = 'kiran' ORDER BY id")).ToList();
        failures.Count.ShouldBe(3);
        failures.ShouldAllBe(d => d.Contains("second factor already used (replay)"));
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.access_audit WHERE event = 'sign_in' AND actor = 'kiran'")).ShouldBe(2);

        // A new secret (reset-mfa) starts afresh: its current code is accepted at once.
        var reset = await api.Identity.Accounts.ResetMfaAsync("kiran", "test", CancellationToken.None);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("kiran", TestIdentity.Password, reset.TotpSecret))).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_subscriber_activates_with_the_one_time_code_then_signs_in_with_the_customer_number_and_resets_by_token()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var customer = api.Db.ActiveCustomers[0];
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var number = await conn.ExecuteScalarAsync<string>("SELECT customer_number FROM hub.customer WHERE id = @customer", new { customer });

        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation", new { login = number }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation", new { login = "C99999999" }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);
        var code = api.Identity.Messages.Sent.Single(m => m.Kind == "activation").Secret;
        code.Length.ShouldBe(8);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation/complete", new { login = number, code = "12345678" == code ? "87654321" : "12345678", password = "my-new-password" }, role: null))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation/complete", new { login = number, code, password = "my-new-password" }, role: null)).Status.ShouldBe(HttpStatusCode.NoContent);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/activation/complete", new { login = number, code, password = "other-password" }, role: null)).Status.ShouldBe(HttpStatusCode.BadRequest);

        var token = await api.Identity.TokenAsync(api.Identity.PasswordForm(number!, "my-new-password", null));
        var me = (await api.SendWithTokenAsync(HttpMethod.Get, "/api/v1/identity/me", token)).Body;
        me.GetProperty("customerId").GetGuid().ShouldBe(customer);
        me.GetProperty("actor").GetString().ShouldBe("subscriber:" + number);

        // Reset: needs an e-mail address; the seeded customers have none, so give this one an address through the store.
        await api.Identity.Accounts.AddStaffAsync("lata", TestIdentity.Password, [StaffRoles.CustomerService], "lata@operator.example", null, "test", CancellationToken.None);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset", new { login = "lata" }, role: null)).Status.ShouldBe(HttpStatusCode.Accepted);
        var reset = api.Identity.Messages.Sent.Single(m => m.Kind == "password_reset").Secret;
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset/complete", new { login = "lata", code = reset, password = "brand-new-password" }, role: null)).Status.ShouldBe(HttpStatusCode.NoContent);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/identity/password-reset/complete", new { login = "lata", code = reset, password = "again-new-password" }, role: null)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("lata", "brand-new-password", null))).Status.ShouldBe(HttpStatusCode.OK);
        (await api.Identity.RequestTokenAsync(api.Identity.PasswordForm("lata", TestIdentity.Password, null))).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.identity_one_time_code WHERE code_hash = convert_to(@reset, 'UTF8')", new { reset })).ShouldBe(0, "only a hash is stored");
    }
}
