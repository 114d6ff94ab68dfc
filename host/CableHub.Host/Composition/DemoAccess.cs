using System.Security.Cryptography;
using CableHub.Core.Api.Access;
using CableHub.Customers.Contracts;
using CableHub.Host.Configuration;
using CableHub.Identity;

namespace CableHub.Host.Composition;

/// <summary>
/// <c>up</c> on an empty database: a demo admin (<c>admin</c>, with TOTP), a demo subscriber (the first demo customer) and a
/// demo back-office client (<c>demo-backoffice</c>), and one curl line per kind to get a token. Passwords and the secret come
/// from <c>Demo:AdminPassword</c> / <c>SubscriberPassword</c> / <c>ClientSecret</c> or are random, printed once.
/// </summary>
internal static class DemoAccess
{
    public const string AdminUser = "admin";
    public const string ClientId = "demo-backoffice";
    public const string SubscriberNumber = "C00000001";

    public static async Task EnsureAsync(IServiceProvider services, HubSettings settings, Microsoft.Extensions.Logging.ILogger logger, CancellationToken ct)
    {
        var accounts = services.GetRequiredService<Accounts>();
        if (!settings.Demo.SeedWhenEmpty || await accounts.AnyUserAsync(ct).ConfigureAwait(false))
        {
            return;
        }

        var api = settings.Http.Urls.Split(';', ',')[0].Trim().TrimEnd('/');
        var adminPassword = Or(settings.Demo.AdminPassword);
        var admin = await accounts.AddStaffAsync(AdminUser, adminPassword, [StaffRoles.Admin], null, "Demo admin", "demo", ct).ConfigureAwait(false);
        var clientSecret = Or(settings.Demo.ClientSecret);
        await services.GetRequiredService<ApiClients>().AddAsync(ClientId, "Demo back-office system", ApiScopes.All, "demo", ct, clientSecret).ConfigureAwait(false);
        string? subscriberLine = null;
        if (await services.GetRequiredService<ICustomerDirectory>().FindAsync(SubscriberNumber, ct).ConfigureAwait(false) is { } customer)
        {
            var subscriberPassword = Or(settings.Demo.SubscriberPassword);
            await accounts.AddSubscriberAsync(customer.CustomerId, subscriberPassword, "demo", ct).ConfigureAwait(false);
            subscriberLine = $"  subscriber {customer.CustomerNumber}:  curl -s {api}/connect/token -d grant_type=password -d username={customer.CustomerNumber} -d 'password={subscriberPassword}'";
        }

        logger.LogInformation("Demo access created: staff '{Admin}', client '{Client}'{Subscriber}", AdminUser, ClientId, subscriberLine is null ? "" : $", subscriber {SubscriberNumber}");
        Console.Error.WriteLine($"""

            Demo access (printed once; ./cablehub users / clients manage it):
              admin (TOTP secret {admin.TotpSecret}, add it to an authenticator app; oathtool --totp -b SECRET prints the code):
                curl -s {api}/connect/token -d grant_type=password -d username={AdminUser} -d 'password={adminPassword}' -d otp=$(oathtool --totp -b {admin.TotpSecret})
              back-office client {ClientId} (all scopes):
                curl -s {api}/connect/token -d grant_type=client_credentials -d client_id={ClientId} -d 'client_secret={clientSecret}' -d 'scope=catalog:write orders:write'
            {subscriberLine ?? "  (no demo customer " + SubscriberNumber + ": no demo subscriber)"}
              then: curl -H "Authorization: Bearer <access_token>" {api}/api/v1/identity/me

            """);
    }

    private static string Or(string configured) =>
        string.IsNullOrWhiteSpace(configured) ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y') : configured;
}
