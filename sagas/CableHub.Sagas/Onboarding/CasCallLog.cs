using CableHub.Core.Persistence;
using Dapper;

namespace CableHub.Sagas.Onboarding;

/// <summary>What the CAS was asked for a box of an order (<c>sagas.cas_call</c>).</summary>
public sealed record CasCall(
    string IdempotencyKey,
    Guid OrderId,
    Guid DeviceId,
    string Kind,
    int Attempts,
    DateTimeOffset StartedAt,
    DateTimeOffset LeaseUntil,
    DateTimeOffset? FinishedAt,
    string? Outcome,
    string? VendorReference,
    string? Reason)
{
    public const string Activate = "activate";
    public const string Deactivate = "deactivate";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string Unavailable = "unavailable";

    /// <summary>Started and neither finished nor past its lease: the CAS may be working on it right now.</summary>
    public bool InFlight(DateTimeOffset now) => FinishedAt is null && LeaseUntil > now;

    /// <summary>The CAS gave a definitive answer.</summary>
    public bool Answered => Outcome is Accepted or Rejected;
}

/// <summary>The SQL of <c>sagas.cas_call</c>: short statements in the caller's short transactions.</summary>
internal static class CasCallLog
{
    private const string Columns =
        "idempotency_key, order_id, device_id, kind, attempts, started_at, lease_until, finished_at, outcome, vendor_reference, reason";

    public static async Task<IReadOnlyList<CasCall>> ForAsync(Guid orderId, Guid deviceId, DbSession session, CancellationToken ct) =>
        (await session.Connection.QueryAsync<CasCall>(new CommandDefinition(
            $"SELECT {Columns} FROM sagas.cas_call WHERE order_id = @orderId AND device_id = @deviceId", new { orderId, deviceId }, session.Transaction, cancellationToken: ct))
            .ConfigureAwait(false)).ToList();

    /// <summary>Records that a call starts now and may run until <paramref name="leaseUntil"/> (a new attempt of the same key counts up).</summary>
    public static Task StartAsync(string key, Guid orderId, Guid deviceId, string kind, DateTimeOffset now, DateTimeOffset leaseUntil, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO sagas.cas_call (idempotency_key, order_id, device_id, kind, started_at, lease_until)
            VALUES (@key, @orderId, @deviceId, @kind, @now, @leaseUntil)
            ON CONFLICT (idempotency_key) DO UPDATE SET attempts = sagas.cas_call.attempts + 1, started_at = @now, lease_until = @leaseUntil,
                finished_at = NULL, outcome = NULL, vendor_reference = NULL, reason = NULL
            """, new { key, orderId, deviceId, kind, now, leaseUntil }, session.Transaction, cancellationToken: ct));

    /// <summary>Records the outcome of the call.</summary>
    public static Task FinishAsync(string key, string outcome, string? vendorReference, string? reason, DateTimeOffset now, DbSession session, CancellationToken ct) =>
        session.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE sagas.cas_call SET finished_at = @now, outcome = @outcome, vendor_reference = @vendorReference, reason = @reason WHERE idempotency_key = @key",
            new { key, outcome, vendorReference, reason, now }, session.Transaction, cancellationToken: ct));
}

/// <summary>Another step's CAS call for the same box may still be running: retry later (transient, retried with back-off).</summary>
public sealed class CasCallInFlightException : Exception
{
    public CasCallInFlightException()
    {
    }

    public CasCallInFlightException(string message)
        : base(message)
    {
    }

    public CasCallInFlightException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// The CAS could not be reached for an onboarding activation: the step runs again on the schedule
/// <see cref="OnboardingOptions.CasOutageRetries"/> (an outage is waited out inside the step timeout), with the same idempotency key.
/// </summary>
public sealed class OnboardingCasUnavailableException : Exception
{
    public OnboardingCasUnavailableException()
    {
    }

    public OnboardingCasUnavailableException(string message)
        : base(message)
    {
    }

    public OnboardingCasUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
