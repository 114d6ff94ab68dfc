using System.CommandLine;
using CableHub.Core.Errors;
using CableHub.Identity;

namespace CableHub.Host.Cli;

/// <summary>
/// Operators' verbs for identity and access: <c>users add|roles|reset-mfa|disable|list</c> (staff; <c>disable</c> also takes a
/// subscriber's customer number) and <c>clients add|rotate|revoke|list</c> (back-office systems, OAuth 2.0 client credentials).
/// Secrets and TOTP secrets are printed once; every change is written to the access audit with the operator as actor.
/// </summary>
public static class AccessCommand
{
    private static string Operator() => "cli:" + Environment.UserName;

    public static Command Users()
    {
        var command = new Command("users", "Staff users: add, change roles, reset the second factor, disable, list");

        var name = new Argument<string>("name") { Description = "the user name (staff) or customer number (subscriber, disable only)" };
        var roles = new Option<string>("--roles") { Description = "comma-separated: " + string.Join(", ", Core.Api.Access.StaffRoles.All), Required = true };
        var password = new Option<string?>("--password") { Description = "initial password (at least 10 characters); default: a random one, printed" };
        var email = new Option<string?>("--email") { Description = "where password-reset tokens go" };
        var add = new Command("add", "Add a staff user (admin and compliance-officer get a TOTP secret, printed once)") { name, roles, password, email };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction((parse, ct) => RunAsync("users add", parse, ct, async (services, _) =>
        {
            var initial = parse.GetValue(password) ?? NewPassword();
            var added = await services.GetRequiredService<Accounts>().AddStaffAsync(parse.GetValue(name)!, initial, Split(parse.GetValue(roles)), parse.GetValue(email), null, Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"user {added.UserName} added with roles {string.Join(',', added.Roles)}");
            if (parse.GetValue(password) is null)
            {
                Console.WriteLine($"password: {initial}");
            }

            PrintTotp(added);
        }));
        command.Subcommands.Add(add);

        var roleName = new Argument<string>("name") { Description = "the staff user name" };
        var newRoles = new Option<string>("--set") { Description = "the user's roles from now on, comma-separated", Required = true };
        var setRoles = new Command("roles", "Replace a staff user's roles (takes effect at the next token)") { roleName, newRoles };
        setRoles.TreatUnmatchedTokensAsErrors = false;
        setRoles.SetAction((parse, ct) => RunAsync("users roles", parse, ct, async (services, _) =>
        {
            var changed = await services.GetRequiredService<Accounts>().SetRolesAsync(parse.GetValue(roleName)!, Split(parse.GetValue(newRoles)), Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"user {changed.UserName}: roles {string.Join(',', changed.Roles)}");
            PrintTotp(changed);
        }));
        command.Subcommands.Add(setRoles);

        var mfaName = new Argument<string>("name") { Description = "the staff user name" };
        var resetMfa = new Command("reset-mfa", "Issue a new TOTP secret (the old authenticator stops working)") { mfaName };
        resetMfa.TreatUnmatchedTokensAsErrors = false;
        resetMfa.SetAction((parse, ct) => RunAsync("users reset-mfa", parse, ct, async (services, _) =>
            PrintTotp(await services.GetRequiredService<Accounts>().ResetMfaAsync(parse.GetValue(mfaName)!, Operator(), ct).ConfigureAwait(false))));
        command.Subcommands.Add(resetMfa);

        var disableName = new Argument<string>("name") { Description = "staff user name, or a subscriber's customer number" };
        var disable = new Command("disable", "Disable a user: sign-in refused, live tokens stop working") { disableName };
        disable.TreatUnmatchedTokensAsErrors = false;
        disable.SetAction((parse, ct) => RunAsync("users disable", parse, ct, async (services, _) =>
        {
            await services.GetRequiredService<Accounts>().DisableAsync(parse.GetValue(disableName)!, Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"{parse.GetValue(disableName)} disabled");
        }));
        command.Subcommands.Add(disable);

        var list = new Command("list", "List staff users with roles and state");
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction((parse, ct) => RunAsync("users list", parse, ct, async (services, _) =>
        {
            foreach (var u in await services.GetRequiredService<Accounts>().ListStaffAsync(ct).ConfigureAwait(false))
            {
                Console.WriteLine($"{u.UserName,-24} {string.Join(',', u.Roles),-40} {(u.DisabledAt is null ? "active" : "disabled")}{(u.TotpSecretEnc is null ? "" : " totp")}");
            }
        }));
        command.Subcommands.Add(list);
        return command;
    }

    public static Command Clients()
    {
        var command = new Command("clients", "Back-office API clients (OAuth 2.0 client credentials): add, rotate the secret, revoke, list");

        var id = new Argument<string>("client-id") { Description = "the client id (e.g. erp, accounting, reseller-lco007)" };
        var scopes = new Option<string>("--scopes") { Description = "comma- or space-separated: " + string.Join(", ", Core.Api.Access.ApiScopes.All), Required = true };
        var display = new Option<string?>("--name") { Description = "display name" };
        var add = new Command("add", "Add a client; its secret is printed once") { id, scopes, display };
        add.TreatUnmatchedTokensAsErrors = false;
        add.SetAction((parse, ct) => RunAsync("clients add", parse, ct, async (services, _) =>
        {
            var clientId = parse.GetValue(id)!;
            var issued = await services.GetRequiredService<ApiClients>().AddAsync(clientId, parse.GetValue(display) ?? clientId, Split(parse.GetValue(scopes)), Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"client {issued.ClientId} added with scopes {string.Join(' ', issued.Scopes)}");
            Console.WriteLine($"client_secret: {issued.Secret}");
        }));
        command.Subcommands.Add(add);

        var rotateId = new Argument<string>("client-id") { Description = "the client id" };
        var rotate = new Command("rotate", "Issue a new secret; the previous one stays valid until the next rotation (switch over in between)") { rotateId };
        rotate.TreatUnmatchedTokensAsErrors = false;
        rotate.SetAction((parse, ct) => RunAsync("clients rotate", parse, ct, async (services, _) =>
        {
            var issued = await services.GetRequiredService<ApiClients>().RotateAsync(parse.GetValue(rotateId)!, Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"client {issued.ClientId}: new client_secret: {issued.Secret} (the previous one stays valid until the next rotation)");
        }));
        command.Subcommands.Add(rotate);

        var revokeId = new Argument<string>("client-id") { Description = "the client id" };
        var revoke = new Command("revoke", "Revoke a client: every secret retired, its live tokens refused at once") { revokeId };
        revoke.TreatUnmatchedTokensAsErrors = false;
        revoke.SetAction((parse, ct) => RunAsync("clients revoke", parse, ct, async (services, _) =>
        {
            await services.GetRequiredService<ApiClients>().RevokeAsync(parse.GetValue(revokeId)!, Operator(), ct).ConfigureAwait(false);
            Console.WriteLine($"client {parse.GetValue(revokeId)} revoked");
        }));
        command.Subcommands.Add(revoke);

        var list = new Command("list", "List clients with scopes and state");
        list.TreatUnmatchedTokensAsErrors = false;
        list.SetAction((parse, ct) => RunAsync("clients list", parse, ct, async (services, _) =>
        {
            foreach (var c in await services.GetRequiredService<ApiClients>().ListAsync(ct).ConfigureAwait(false))
            {
                Console.WriteLine($"{c.ClientId,-24} {string.Join(' ', c.Scopes),-60} {(c.RevokedAt is null ? "active" : "revoked")}");
            }
        }));
        command.Subcommands.Add(list);
        return command;
    }

    private static async Task<int> RunAsync(string verb, ParseResult parse, CancellationToken ct, Func<IServiceProvider, CliDatabase, Task> action)
    {
        try
        {
            await using var cli = await CliDatabase.OpenAsync(parse, ct).ConfigureAwait(false);
            await action(cli.Services, cli).ConfigureAwait(false);
            return 0;
        }
        catch (DomainException ex)
        {
            await Console.Error.WriteLineAsync($"{verb}: {ex.Message}{string.Concat(ex.Errors.Select(e => $"{Environment.NewLine}  {e.Field}: {e.Message}"))}").ConfigureAwait(false);
            return 1;
        }
    }

    private static void PrintTotp(AddedStaff user)
    {
        if (user.TotpSecret is not null)
        {
            Console.WriteLine($"TOTP secret (shown once; add it to an authenticator app): {user.TotpSecret}");
            Console.WriteLine($"  {user.TotpUri}");
        }
    }

    private static List<string> Split(string? value) =>
        (value ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static string NewPassword() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
}
