using System.Threading.RateLimiting;
using CableHub.Core.Api.Access;
using CableHub.Core.Persistence;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using CableHub.Customers.Contracts;
using CableHub.Identity.Api;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CableHub.Identity;

/// <summary>
/// The Identity module: accounts (staff, subscribers), API clients, the built-in OAuth 2.0 token server (OpenIddict in
/// degraded mode over the module's own tables), JWT validation for the API (JwtBearer: the built-in keys, or any OIDC
/// authority by configuration), default-deny authorization and the access audit.
/// </summary>
public static class IdentityModule
{
    /// <summary>Columns of its tables that may leave PostgreSQL in the change stream: no display name, e-mail, password hash or TOTP secret.</summary>
    public static IReadOnlyDictionary<string, string> StreamedColumns { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hub.identity_user"] = "id,kind,user_name,customer_id,roles,failed_count,first_failed_at,locked_until,disabled_at,activated_at,created_at,updated_at",
    };

    /// <summary>Rate limiter policy of the sign-in, token, activation and reset endpoints.</summary>
    public const string SignInRateLimit = "identity-sign-in";

    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.identity</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("identity", typeof(IdentityModule).Assembly, "CableHub.Identity.Migrations.");

    /// <summary>Accounts, clients, audit. Needs <see cref="NpgsqlDataSource"/>, <see cref="FieldEncryptor"/>, <see cref="TimeProvider"/> and the Customers module.</summary>
    public static IServiceCollection AddIdentityModule(this IServiceCollection services, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new IdentityStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AccessAudit>();
        services.AddSingleton<CableHub.Core.Ports.IDataSubjectRecords, IdentityDataSubjectRecords>(); // what it holds on a customer (access export)
        services.AddSingleton<IAccessAuditSink>(sp => sp.GetRequiredService<AccessAudit>());
        services.AddIdentityMessenger(options);
        services.AddSingleton(sp => new Accounts(sp.GetRequiredService<IdentityStore>(), sp.GetRequiredService<AccessAudit>(), sp.GetRequiredService<ICustomerDirectory>(),
            sp.GetRequiredService<IIdentityMessenger>(), sp.GetRequiredService<FieldEncryptor>(), sp.GetRequiredService<TimeProvider>(), options));
        services.AddSingleton(sp => new ApiClients(sp.GetRequiredService<IdentityStore>(), sp.GetRequiredService<AccessAudit>()));
        return services;
    }

    /// <summary>
    /// The API's authentication and authorization: JwtBearer as the default scheme (built-in keys, or
    /// <see cref="IdentityOptions.Authority"/>), the built-in token server when no authority is set, a fallback policy that
    /// refuses anonymous callers (401), denied requests written to the access audit, and a rate limit on sign-in.
    /// </summary>
    public static IServiceCollection AddHubAuthentication(this IServiceCollection services, IdentityOptions options, int signInPermitsPerMinute = 30)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                NameClaimType = HubClaims.Name,
                RoleClaimType = options.RoleClaim,
                ValidAudience = options.Audience,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            if (options.BuiltInServer)
            {
                var key = options.SigningKey ?? throw new InvalidOperationException("IdentityOptions.SigningKey is required for the built-in token server");
                o.TokenValidationParameters.ValidIssuer = options.Issuer.AbsoluteUri;
                o.TokenValidationParameters.IssuerSigningKey = new RsaSecurityKey(key.ExportParameters(false));
            }
            else
            {
                o.Authority = options.Authority;
                o.Audience = options.Audience;
                o.RequireHttpsMetadata = options.Authority!.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
            }

            o.Events = new JwtBearerEvents
            {
                // Revoked clients and disabled users stop at once, whatever their tokens' lifetime.
                OnTokenValidated = async context =>
                {
                    var user = context.Principal!;
                    var kind = HubPrincipal.KindOf(user);
                    var subject = user.FindFirst(HubClaims.Subject)?.Value;
                    var accounts = context.HttpContext.RequestServices.GetRequiredService<Accounts>();
                    if (kind is null || subject is null || !await accounts.IsActiveAsync(kind, subject, context.HttpContext.RequestAborted).ConfigureAwait(false))
                    {
                        context.Fail("the token's principal is unknown, revoked or disabled");
                    }
                },
            };
        });

        if (options.BuiltInServer)
        {
            services.AddOpenIddict().AddServer(s =>
            {
                s.SetTokenEndpointUris(TokenEndpoints.TokenPath.TrimStart('/'));
                s.AllowClientCredentialsFlow().AllowPasswordFlow().AllowRefreshTokenFlow();
                s.AcceptAnonymousClients();
                s.EnableDegradedMode(); // clients and users live in the module's tables; the token endpoint validates them
                // Degraded mode asks for a validation handler: client secrets, users, passwords and second factors are checked by
                // the passthrough handler (TokenEndpoints), which has the request's context for the access audit; no token is
                // issued before it signs in.
                s.AddEventHandler<OpenIddict.Server.OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseInlineHandler(_ => default));
                s.DisableAccessTokenEncryption(); // JWT access tokens any standard validator reads
                s.AddSigningKey(new RsaSecurityKey(options.SigningKey!));
                s.AddEncryptionKey(new SymmetricSecurityKey(options.EncryptionKey ?? throw new InvalidOperationException("IdentityOptions.EncryptionKey is required")));
                s.SetIssuer(options.Issuer);
                s.SetAccessTokenLifetime(options.AccessTokenLifetime);
                s.SetRefreshTokenLifetime(options.RefreshTokenLifetime);
                s.RegisterScopes([.. ApiScopes.All, Scopes.OfflineAccess]);
                s.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
                s.Configure(o => o.TimeProvider = TimeProvider.System); // token lifetimes follow the wall clock, not a test's fake one
            });
        }

        services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AuditingAuthorizationResultHandler>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = signInPermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }

    /// <summary>
    /// Activation codes and reset tokens go through the hub's <see cref="INotificationSender"/> (registered by the host with the
    /// connectors; resolved when a code is sent). Without one (CLI verbs) the messenger reports "not delivered" to the audit.
    /// A messenger registered before is kept.
    /// </summary>
    public static IServiceCollection AddIdentityMessenger(this IServiceCollection services, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton<IIdentityMessenger>(sp => new NotificationIdentityMessenger(sp.GetService<INotificationSender>(), options.MessageTimeZone));
        return services;
    }

    /// <summary>Authentication, rate limiting and authorization, in that order (after routing and CORS).</summary>
    public static IApplicationBuilder UseHubAuthentication(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Token endpoint, activation, password reset, "who am I".</summary>
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        TokenEndpoints.Map(app);
        AccountEndpoints.Map(app);
        return app;
    }
}

/// <summary>Writes every 401 / 403 the authorization middleware answers to the access audit, then answers as usual.</summary>
internal sealed class AuditingAuthorizationResultHandler(IAccessAuditSink audit) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged || authorizeResult.Forbidden)
        {
            var rule = context.GetEndpoint()?.Metadata.GetMetadata<AccessRule>()?.Name ?? "fallback";
            await audit.DeniedAsync(context, authorizeResult.Challenged ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden,
                (authorizeResult.Challenged ? "not authenticated" : "not allowed") + " by " + rule, context.RequestAborted).ConfigureAwait(false);
        }

        // Whoever the token names is the actor of every change the request makes (hub.audit_log, via cablehub.actor).
        using (AuditActor.Use(authorizeResult.Succeeded ? HubPrincipal.ActorOrNull(context.User) : null))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        }
    }
}
