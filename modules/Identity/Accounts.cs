using System.Security.Cryptography;
using CableHub.Core.Api.Access;
using CableHub.Core.Security;
using CableHub.Customers.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace CableHub.Identity;

/// <summary>Outcome of a password (and TOTP) check.</summary>
public enum SignInOutcome
{
    Success,
    WrongCredentials,
    LockedOut,
    Disabled,
    NotActivated,
    SecondFactorRequired,
    SecondFactorNotEnrolled,
}

public sealed record SignInResult(SignInOutcome Outcome, IdentityUser? User, string? CustomerNumber = null);

/// <summary>
/// Staff and subscriber accounts: password sign-in with lockout (the <see cref="IdentityOptions.MaxFailures"/>+1-th wrong
/// password within <see cref="IdentityOptions.FailureWindow"/> locks for <see cref="IdentityOptions.LockoutDuration"/>),
/// TOTP for the roles that need it, activation by one-time code, password reset by single-use token, and the
/// operator's changes (add, roles, reset MFA, disable). Every decision is written to the access audit.
/// </summary>
public sealed class Accounts
{
    public const int MinPasswordLength = 10;

    private static readonly PasswordHasher<IdentityUser> Hasher = new();
    private readonly IdentityStore _store;
    private readonly AccessAudit _audit;
    private readonly ICustomerDirectory _customers;
    private readonly IIdentityMessenger _messenger;
    private readonly FieldEncryptor _encryptor;
    private readonly TimeProvider _clock;
    private readonly IdentityOptions _options;

    internal Accounts(IdentityStore store, AccessAudit audit, ICustomerDirectory customers, IIdentityMessenger messenger, FieldEncryptor encryptor, TimeProvider clock, IdentityOptions options)
    {
        _store = store;
        _audit = audit;
        _customers = customers;
        _messenger = messenger;
        _encryptor = encryptor;
        _clock = clock;
        _options = options;
    }

    /// <summary>
    /// How an unknown login is written to the access audit: a keyed hash (<c>unknown:</c> + 16 hex digits of the blind-index
    /// HMAC of <c>login:</c> + the typed value), never the text — what people type may be an e-mail address, and the audit is
    /// append-only and reaches the warehouse, so an erased customer's address must not reappear there. Repeated tries of
    /// the same login still share one value.
    /// </summary>
    public string UnknownLogin(string login) => "unknown:" + Convert.ToHexStringLower(_encryptor.BlindIndex("login:" + login))[..16];

    /// <summary>Staff user name, or a subscriber's customer number or e-mail address.</summary>
    public async Task<SignInResult> PasswordSignInAsync(string login, string password, string? totp, HttpContext? http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(login);
        var (user, customerNumber) = await FindLoginAsync(login, ct).ConfigureAwait(false);
        if (user is null)
        {
            Hasher.VerifyHashedPassword(null!, FakeHash, password ?? ""); // same work whether or not the login exists
            await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", UnknownLogin(login), null, http, 400, "unknown login", ct).ConfigureAwait(false);
            return new(SignInOutcome.WrongCredentials, null);
        }

        var now = _clock.GetUtcNow();
        if (user.DisabledAt is not null)
        {
            await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, "disabled", ct).ConfigureAwait(false);
            return new(SignInOutcome.Disabled, user);
        }

        if (user.LockedUntil is { } until && until > now)
        {
            await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, $"locked until {until:O}", ct).ConfigureAwait(false);
            return new(SignInOutcome.LockedOut, user);
        }

        if (user.PasswordHash is null)
        {
            await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, "not activated", ct).ConfigureAwait(false);
            return new(SignInOutcome.NotActivated, user);
        }

        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, password ?? "") == PasswordVerificationResult.Failed)
        {
            return await FailAsync(user, "wrong password", http, ct).ConfigureAwait(false);
        }

        if (user.IsStaff && user.Roles.Any(StaffRoles.RequireTotp.Contains))
        {
            if (user.TotpSecretEnc is null)
            {
                await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, "second factor not enrolled", ct).ConfigureAwait(false);
                return new(SignInOutcome.SecondFactorNotEnrolled, user);
            }

            if (string.IsNullOrWhiteSpace(totp))
            {
                await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, "second factor missing", ct).ConfigureAwait(false);
                return new(SignInOutcome.SecondFactorRequired, user);
            }

            var secret = Base32Encoding.ToBytes(_encryptor.Decrypt(user.TotpSecretEnc));
            if (!new Totp(secret).VerifyTotp(now.UtcDateTime, totp.Trim(), out var step, VerificationWindow.RfcSpecifiedNetworkDelay))
            {
                return await FailAsync(user, "wrong second factor", http, ct).ConfigureAwait(false);
            }

            // RFC 6238 §5.2: a code is good once. Only a step later than the last accepted one passes (atomically, so two
            // concurrent requests with one code cannot both win); a replay counts as a failed sign-in.
            if (!await _store.AcceptTotpStepAsync(user.Id, step, ct).ConfigureAwait(false))
            {
                return await FailAsync(user, "second factor already used (replay)", http, ct).ConfigureAwait(false);
            }
        }

        await _store.ClearFailuresAsync(user.Id, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.SignIn, "success", user.UserName, user.Id.ToString(), http, 200, null, ct).ConfigureAwait(false);
        return new(SignInOutcome.Success, user, customerNumber);
    }

    /// <summary>Whether a user or client behind a token may still act (refresh, every API call).</summary>
    public Task<bool> IsActiveAsync(string kind, string subject, CancellationToken ct) => _store.IsActiveAsync(kind, subject, ct);

    public Task<IdentityUser?> GetUserAsync(Guid id, CancellationToken ct) => _store.GetUserAsync(id, ct);

    // Subscribers: activation by a one-time code sent to their contact.

    /// <summary>
    /// Sends a one-time activation code to the customer's e-mail (the customer found by number or e-mail). Answers the same
    /// whether or not the customer exists (nothing is revealed); an activated account is not touched.
    /// </summary>
    public async Task RequestActivationAsync(string login, HttpContext? http, CancellationToken ct)
    {
        var customer = await _customers.FindAsync(login, ct).ConfigureAwait(false);
        if (customer is null || customer.Status is "terminated" or "inactive")
        {
            await _audit.RecordAsync(AuditEvents.ActivationRequested, "failure", login, null, http, 202, "no such customer", ct).ConfigureAwait(false);
            return;
        }

        var user = await EnsureSubscriberAsync(customer, ct).ConfigureAwait(false);
        if (user.ActivatedAt is not null)
        {
            await _audit.RecordAsync(AuditEvents.ActivationRequested, "failure", login, user.Id.ToString(), http, 202, "already activated", ct).ConfigureAwait(false);
            return;
        }

        if (string.IsNullOrWhiteSpace(customer.Email) && string.IsNullOrWhiteSpace(customer.Phone))
        {
            await _audit.RecordAsync(AuditEvents.ActivationRequested, "failure", login, user.Id.ToString(), http, 202, "no e-mail address or phone number", ct).ConfigureAwait(false);
            return;
        }

        var code = RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        var (codeId, expires) = await _store.SaveCodeAsync(user.Id, "activation", code, _options.ActivationCodeLifetime, ct).ConfigureAwait(false);
        var delivery = await _messenger.SendCodeAsync(new IdentityCode(codeId, "activation", code, expires,
            new IdentityRecipient(customer.CustomerNumber, customer.CustomerNumber, customer.Email, customer.Phone, customer.PreferredLanguage)), ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.ActivationRequested, delivery.Delivered ? "success" : "failure", login, user.Id.ToString(), http, 202, delivery.Detail, ct).ConfigureAwait(false);
    }

    /// <summary>Sets the first password with the one-time code. Wrong codes count as failed sign-ins (lockout).</summary>
    public async Task<SignInOutcome> ActivateAsync(string login, string code, string password, HttpContext? http, CancellationToken ct)
    {
        CheckPassword(password);
        var customer = await _customers.FindAsync(login, ct).ConfigureAwait(false);
        var user = customer is null ? null : await _store.FindSubscriberAsync(customer.CustomerId, ct).ConfigureAwait(false);
        if (user is null || user.ActivatedAt is not null)
        {
            await _audit.RecordAsync(AuditEvents.Activated, "failure", login, user?.Id.ToString(), http, 400, "no pending activation", ct).ConfigureAwait(false);
            return SignInOutcome.WrongCredentials;
        }

        if (user.LockedUntil is { } until && until > _clock.GetUtcNow())
        {
            await _audit.RecordAsync(AuditEvents.Activated, "failure", login, user.Id.ToString(), http, 400, "locked", ct).ConfigureAwait(false);
            return SignInOutcome.LockedOut;
        }

        if (!await _store.UseCodeAsync(user.Id, "activation", code ?? "", ct).ConfigureAwait(false))
        {
            return (await FailAsync(user, "wrong activation code", http, ct).ConfigureAwait(false)).Outcome;
        }

        await _store.UpdateUserAsync(user.Id, "password_hash = @hash, activated_at = @now, failed_count = 0, first_failed_at = NULL",
            new { hash = Hasher.HashPassword(user, password) }, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.Activated, "success", user.UserName, user.Id.ToString(), http, 200, null, ct).ConfigureAwait(false);
        return SignInOutcome.Success;
    }

    // Password reset by a single-use token sent to the person (staff: their e-mail; subscribers: their contact e-mail, else
    // their phone by SMS).

    public async Task RequestPasswordResetAsync(string login, HttpContext? http, CancellationToken ct)
    {
        var (user, _) = await FindLoginAsync(login, ct).ConfigureAwait(false);
        IdentityRecipient? to = null;
        if (user is { IsStaff: true })
        {
            var email = _encryptor.DecryptOptional(await _store.EmailOfAsync(user.Id, ct).ConfigureAwait(false));
            to = email is null ? null : new IdentityRecipient(null, user.UserName, email, null, _options.MessageLanguage);
        }
        else if (user is { CustomerId: { } customerId } && await _customers.GetAsync(customerId, ct).ConfigureAwait(false) is { } customer
                 && (!string.IsNullOrWhiteSpace(customer.Email) || !string.IsNullOrWhiteSpace(customer.Phone)))
        {
            to = new IdentityRecipient(customer.CustomerNumber, customer.CustomerNumber, customer.Email, customer.Phone, customer.PreferredLanguage);
        }

        if (user is null || user.DisabledAt is not null || to is null)
        {
            await _audit.RecordAsync(AuditEvents.PasswordResetRequested, "failure", login, user?.Id.ToString(), http, 202,
                user is null ? "unknown login" : user.DisabledAt is not null ? "disabled" : "no e-mail address or phone number", ct).ConfigureAwait(false);
            return;
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var (codeId, expires) = await _store.SaveCodeAsync(user.Id, "password_reset", token, _options.ResetTokenLifetime, ct).ConfigureAwait(false);
        var delivery = await _messenger.SendCodeAsync(new IdentityCode(codeId, "password_reset", token, expires, to), ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.PasswordResetRequested, delivery.Delivered ? "success" : "failure", login, user.Id.ToString(), http, 202, delivery.Detail, ct).ConfigureAwait(false);
    }

    public async Task<SignInOutcome> ResetPasswordAsync(string login, string token, string password, HttpContext? http, CancellationToken ct)
    {
        CheckPassword(password);
        var (user, _) = await FindLoginAsync(login, ct).ConfigureAwait(false);
        if (user is null || user.DisabledAt is not null || !await _store.UseCodeAsync(user.Id, "password_reset", token ?? "", ct).ConfigureAwait(false))
        {
            await _audit.RecordAsync(AuditEvents.PasswordReset, "failure", login, user?.Id.ToString(), http, 400, "invalid or used token", ct).ConfigureAwait(false);
            return SignInOutcome.WrongCredentials;
        }

        await _store.UpdateUserAsync(user.Id, "password_hash = @hash, activated_at = coalesce(activated_at, @now), failed_count = 0, first_failed_at = NULL, locked_until = NULL",
            new { hash = Hasher.HashPassword(user, password) }, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.PasswordReset, "success", user.UserName, user.Id.ToString(), http, 200, null, ct).ConfigureAwait(false);
        return SignInOutcome.Success;
    }

    // Operators (CLI): staff users.

    public async Task<AddedStaff> AddStaffAsync(string userName, string password, IReadOnlyList<string> roles, string? email, string? displayName, string actor, CancellationToken ct)
    {
        CheckRoles(roles);
        CheckPassword(password);
        var name = IdentityStore.Normalize(userName);
        if (name.Length == 0 || name.Contains('@', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
        {
            throw new RequestInvalidException("userName", "must be a non-empty name without '@' or ':'");
        }

        var id = Guid.CreateVersion7();
        var (secret, uri) = roles.Any(StaffRoles.RequireTotp.Contains) ? NewTotp(name) : (null, null);
        var inserted = await _store.InsertUserAsync(id, "staff", name, null, displayName, _encryptor.EncryptOptional(email), Hasher.HashPassword(null!, password),
            roles.Distinct().ToArray(), secret is null ? null : _encryptor.Encrypt(secret), activated: true, ct).ConfigureAwait(false);
        if (!inserted)
        {
            throw new StateConflictException("IDENTITY-USER-EXISTS", $"a user named '{name}' exists", "userName", $"A user named '{name}' exists");
        }

        await _audit.RecordAsync(AuditEvents.UserAdded, "success", actor, name, null, null, "roles " + string.Join(',', roles), ct).ConfigureAwait(false);
        return new AddedStaff(id, name, roles, secret, uri);
    }

    /// <summary>Replaces the roles; a new TOTP secret is issued when the new roles need one and none is enrolled.</summary>
    public async Task<AddedStaff> SetRolesAsync(string userName, IReadOnlyList<string> roles, string actor, CancellationToken ct)
    {
        CheckRoles(roles);
        var user = await StaffAsync(userName, ct).ConfigureAwait(false);
        string? secret = null, uri = null;
        if (roles.Any(StaffRoles.RequireTotp.Contains) && user.TotpSecretEnc is null)
        {
            (secret, uri) = NewTotp(user.UserName);
            await _store.UpdateUserAsync(user.Id, "roles = @roles, totp_secret_enc = @totp, totp_last_step = NULL", new { roles = roles.Distinct().ToArray(), totp = _encryptor.Encrypt(secret) }, ct).ConfigureAwait(false);
        }
        else
        {
            await _store.UpdateUserAsync(user.Id, "roles = @roles", new { roles = roles.Distinct().ToArray() }, ct).ConfigureAwait(false);
        }

        await _audit.RecordAsync(AuditEvents.RolesChanged, "success", actor, user.UserName, null, null,
            $"from {string.Join(',', user.Roles)} to {string.Join(',', roles)}", ct).ConfigureAwait(false);
        return new AddedStaff(user.Id, user.UserName, roles, secret, uri);
    }

    /// <summary>A new TOTP secret (the old one stops working); shown once.</summary>
    public async Task<AddedStaff> ResetMfaAsync(string userName, string actor, CancellationToken ct)
    {
        var user = await StaffAsync(userName, ct).ConfigureAwait(false);
        var (secret, uri) = NewTotp(user.UserName);
        await _store.UpdateUserAsync(user.Id, "totp_secret_enc = @totp, totp_last_step = NULL", new { totp = _encryptor.Encrypt(secret) }, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.MfaReset, "success", actor, user.UserName, null, null, null, ct).ConfigureAwait(false);
        return new AddedStaff(user.Id, user.UserName, user.Roles, secret, uri);
    }

    /// <summary>Disables a staff member or subscriber: sign-in refused and their live tokens stop working at once.</summary>
    public async Task DisableAsync(string login, string actor, CancellationToken ct)
    {
        var (user, _) = await FindLoginAsync(login, ct).ConfigureAwait(false);
        if (user is null)
        {
            throw new NotFoundException($"user '{login}'");
        }

        await _store.UpdateUserAsync(user.Id, "disabled_at = coalesce(disabled_at, @now)", new { }, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.UserDisabled, "success", actor, user.UserName, null, null, null, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<IdentityUser>> ListStaffAsync(CancellationToken ct) => _store.ListStaffAsync(ct);

    /// <summary>A subscriber account with a password set directly (demo data, tests): no activation round trip.</summary>
    public async Task<IdentityUser> AddSubscriberAsync(Guid customerId, string password, string actor, CancellationToken ct)
    {
        CheckPassword(password);
        var customer = await _customers.GetAsync(customerId, ct).ConfigureAwait(false) ?? throw new NotFoundException($"customer '{customerId}'");
        var user = await EnsureSubscriberAsync(customer, ct).ConfigureAwait(false);
        await _store.UpdateUserAsync(user.Id, "password_hash = @hash, activated_at = coalesce(activated_at, @now)", new { hash = Hasher.HashPassword(user, password) }, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.UserAdded, "success", actor, user.UserName, null, null, "subscriber", ct).ConfigureAwait(false);
        return (await _store.GetUserAsync(user.Id, ct).ConfigureAwait(false))!;
    }

    public Task<bool> AnyUserAsync(CancellationToken ct) => _store.AnyUserAsync(ct);

    /// <summary>The current TOTP code of a secret (tests and the demo's printed instructions).</summary>
    public static string TotpNow(string base32Secret, DateTimeOffset at) => new Totp(Base32Encoding.ToBytes(base32Secret)).ComputeTotp(at.UtcDateTime);

    private async Task<SignInResult> FailAsync(IdentityUser user, string reason, HttpContext? http, CancellationToken ct)
    {
        var failures = await _store.CountFailureAsync(user.Id, _options.FailureWindow, ct).ConfigureAwait(false);
        await _audit.RecordAsync(AuditEvents.SignInFailed, "failure", user.UserName, user.Id.ToString(), http, 400, $"{reason} ({failures} in the window)", ct).ConfigureAwait(false);
        if (failures > _options.MaxFailures)
        {
            var until = _clock.GetUtcNow() + _options.LockoutDuration;
            await _store.LockAsync(user.Id, until, ct).ConfigureAwait(false);
            await _audit.RecordAsync(AuditEvents.Lockout, "failure", user.UserName, user.Id.ToString(), http, 400,
                $"{failures} failures within {_options.FailureWindow.TotalSeconds:0} s; locked until {until:O}", ct).ConfigureAwait(false);
            return new(SignInOutcome.LockedOut, user);
        }

        return new(SignInOutcome.WrongCredentials, user);
    }

    private async Task<(IdentityUser? User, string? CustomerNumber)> FindLoginAsync(string login, CancellationToken ct)
    {
        var trimmed = login.Trim();
        if (!trimmed.Contains('@', StringComparison.Ordinal) && await _store.FindUserAsync(trimmed, ct).ConfigureAwait(false) is { } direct)
        {
            return (direct, direct.IsStaff ? null : direct.UserName.ToUpperInvariant());
        }

        var customer = await _customers.FindAsync(trimmed, ct).ConfigureAwait(false);
        return customer is null ? (null, null) : (await _store.FindSubscriberAsync(customer.CustomerId, ct).ConfigureAwait(false), customer.CustomerNumber);
    }

    private async Task<IdentityUser> EnsureSubscriberAsync(CustomerContact customer, CancellationToken ct)
    {
        if (await _store.FindSubscriberAsync(customer.CustomerId, ct).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        await _store.InsertUserAsync(Guid.CreateVersion7(), "subscriber", customer.CustomerNumber, customer.CustomerId, null, null, null, [], null, activated: false, ct).ConfigureAwait(false);
        return (await _store.FindSubscriberAsync(customer.CustomerId, ct).ConfigureAwait(false))!;
    }

    private async Task<IdentityUser> StaffAsync(string userName, CancellationToken ct) =>
        await _store.FindUserAsync(userName, ct).ConfigureAwait(false) is { IsStaff: true } user ? user : throw new NotFoundException($"staff user '{userName}'");

    private static (string Secret, string Uri) NewTotp(string userName)
    {
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
        return (secret, $"otpauth://totp/CableHub:{Uri.EscapeDataString(userName)}?secret={secret}&issuer=CableHub&digits=6&period=30");
    }

    private static void CheckRoles(IReadOnlyList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var unknown = roles.Where(r => !StaffRoles.All.Contains(r)).ToList();
        if (roles.Count == 0 || unknown.Count > 0)
        {
            throw new RequestInvalidException("roles", roles.Count == 0 ? "at least one role is required" : $"unknown role(s) {string.Join(", ", unknown)}; known: {string.Join(", ", StaffRoles.All)}");
        }
    }

    private static void CheckPassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            throw new RequestInvalidException("password", $"must have at least {MinPasswordLength} characters");
        }
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static readonly string FakeHash = Hasher.HashPassword(null!, "not-a-password-of-anyone");
}
