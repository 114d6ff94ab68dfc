using CableHub.Catalog;
using CableHub.Core.Security;
using CableHub.Customers;
using CableHub.Epg;
using CableHub.Identity;
using CableHub.Host.Configuration;
using CableHub.Inventory;
using CableHub.Inventory.Edi;
using CableHub.Ordering;
using CableHub.Subscriptions;
using CableHub.Vod;
using Microsoft.AspNetCore.HttpOverrides;
using Npgsql;

namespace CableHub.Host.Composition;

/// <summary>
/// The composition of the modules: their options bound from configuration (libraries never read it), their services, and
/// their endpoint groups. The one place that knows every module.
/// </summary>
public static class HubComposition
{
    /// <summary>
    /// Registers every module. With <paramref name="backgroundJobs"/> the modules' background work runs too (price scheduler;
    /// for the api role the EDI inbox watcher and the low-stock monitor). Needs an <see cref="NpgsqlDataSource"/>, a
    /// <see cref="TimeProvider"/> and a <see cref="FieldEncryptor"/>; endpoints that publish events need the messaging's
    /// <c>IEventTransactions</c>.
    /// </summary>
    public static IServiceCollection AddHubModules(this IServiceCollection services, HubSettings settings, IConfiguration configuration, bool backgroundJobs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddCustomersModule();
        services.AddIdentityModule(IdentityOptions(settings));
        services.AddSubscriptionsModule();
        services.AddCatalogModule(CatalogOptions(configuration), priceScheduler: backgroundJobs);
        services.AddInventoryModule(settings.Inventory, EdiOptions.From(settings.DataDirectory, settings.Inventory), backgroundJobs && settings.HasRole("api"));
        services.AddOrderingModule();
        services.AddEpgModule();
        services.AddVodModule();
        return services;
    }

    /// <summary>
    /// The API's access layer: token validation and the built-in token server (<see cref="IdentityModule.AddHubAuthentication"/>,
    /// with the <see cref="IdentityOptions"/> <see cref="AddHubModules"/> registered), CORS for the configured origins,
    /// forwarded headers from a proxy on this machine, HSTS for requests that came over TLS.
    /// </summary>
    public static IServiceCollection AddHubAccess(this IServiceCollection services, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = services.Single(d => d.ServiceType == typeof(IdentityOptions)).ImplementationInstance as IdentityOptions
            ?? throw new InvalidOperationException("AddHubModules first: it registers the IdentityOptions");
        services.AddHubAuthentication(options, settings.Authentication.SignInPermitsPerMinute);
        var origins = settings.Authentication.CorsOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        services.AddCors(o => o.AddDefaultPolicy(p =>
        {
            if (origins.Length > 0)
            {
                p.WithOrigins(origins).WithHeaders("Authorization", "Content-Type", "X-Correlation-Id").AllowAnyMethod()
                    .WithExposedHeaders("X-Correlation-Id", "X-Total-Count", "X-Result-Count", "Location");
            }
        }));
        services.Configure<ForwardedHeadersOptions>(o => o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost);
        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        return services;
    }

    /// <summary>Every module's endpoint group.</summary>
    public static IEndpointRouteBuilder MapHubModules(this IEndpointRouteBuilder app)
    {
        app.MapIdentityEndpoints();
        app.MapCatalogEndpoints();
        app.MapEpgEndpoints();
        app.MapVodEndpoints();
        app.MapOrderingEndpoints();
        app.MapInventoryEndpoints();
        return app;
    }

    /// <summary>
    /// The modules for a CLI verb: no background work, no messaging, no HTTP (verbs parse their arguments and call module
    /// services from this provider).
    /// </summary>
    public static ServiceProvider CliServices(NpgsqlDataSource dataSource, HubSettings settings, IConfiguration configuration, ILoggerFactory loggers, FieldEncryptor? encryptor = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(dataSource);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(loggers);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        if (encryptor is not null)
        {
            services.AddSingleton(encryptor);
        }

        services.AddHubModules(settings, configuration, backgroundJobs: false);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// <c>Authentication:*</c>: issuer (default: the first of <c>Http:Urls</c>), audience, lifetimes, the token keys (files under
    /// <c>&lt;DataDirectory&gt;/keys</c>, created on first use, owner-only) unless an external <c>Authority</c> issues the tokens.
    /// </summary>
    public static IdentityOptions IdentityOptions(HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var auth = settings.Authentication;
        var issuer = string.IsNullOrWhiteSpace(auth.Issuer) ? settings.Http.Urls.Split(';', ',')[0].Trim() : auth.Issuer;
        var options = new IdentityOptions
        {
            Authority = string.IsNullOrWhiteSpace(auth.Authority) ? null : auth.Authority,
            Issuer = new Uri(issuer.EndsWith('/') ? issuer : issuer + "/"),
            Audience = auth.Audience,
            AccessTokenLifetime = TimeSpan.FromMinutes(Math.Max(1, auth.AccessTokenMinutes)),
            RefreshTokenLifetime = TimeSpan.FromHours(Math.Max(1, auth.RefreshTokenHours)),
            RoleClaim = auth.RoleClaim,
        };
        if (options.BuiltInServer)
        {
            var keys = Path.Combine(settings.DataDirectory, "keys");
            options.SigningKey = TokenKeys.LoadOrCreateRsa(string.IsNullOrWhiteSpace(auth.SigningKeyFile) ? Path.Combine(keys, "token-signing.pem") : auth.SigningKeyFile);
            options.EncryptionKey = TokenKeys.LoadOrCreateSecret(string.IsNullOrWhiteSpace(auth.EncryptionKeyFile) ? Path.Combine(keys, "token-encryption.key") : auth.EncryptionKeyFile);
        }

        return options;
    }

    /// <summary><c>Catalog:RegulatoryProfile</c> = IN (default) / US / EU; <c>Catalog:PriceSchedulerIntervalSeconds</c> (default 60).</summary>
    public static CatalogOptions CatalogOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var profile = RegulatoryProfile.FromCode(configuration["Catalog:RegulatoryProfile"] ?? RegulatoryProfile.India.Code);
        var interval = TimeSpan.FromSeconds(int.TryParse(configuration["Catalog:PriceSchedulerIntervalSeconds"], out var s) && s > 0 ? s : 60);
        return new CatalogOptions { Profile = profile, PriceSchedulerInterval = interval };
    }
}
