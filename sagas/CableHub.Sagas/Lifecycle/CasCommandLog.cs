using CableHub.Core.Errors;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Sagas.Lifecycle;

/// <summary>One command sent (or being sent) to the CAS, with its outcome and timestamps.</summary>
public sealed class CasCommandRecord
{
    /// <summary>The idempotency key sent to the CAS (onboarding:…, lifecycle:…, reconcile:…).</summary>
    public string IdempotencyKey { get; init; } = "";

    /// <summary><c>onboarding</c> (sagas.cas_call) or <c>lifecycle</c> (sagas.lifecycle_cas_op: changes, repairs).</summary>
    public string Source { get; init; } = "";

    public Guid DeviceId { get; init; }

    public string? CasDeviceId { get; init; }

    /// <summary>activate, deactivate, add, remove, message.</summary>
    public string Command { get; init; } = "";

    public string[] Products { get; init; } = [];

    public bool Compensation { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>accepted, rejected, unavailable; null while the call runs (or when its process died before the answer).</summary>
    public string? Outcome { get; init; }

    public string? Reason { get; init; }

    public Guid? OrderId { get; init; }

    public Guid? ChangeId { get; init; }
}

/// <summary>
/// The CAS command log for auditors: every activation / deactivation / product command the sagas sent to the CAS
/// (<c>sagas.cas_call</c> for onboarding, <c>sagas.lifecycle_cas_op</c> for changes and reconciliation repairs) with its
/// outcome and timestamps, per subscriber, device and date range. The rows are never deleted by the hub. A subscriber's
/// commands are those of every box they held, while they held it (Inventory's custody history, <see cref="IDeviceDirectory.CustodyAsync"/>):
/// a box swapped out keeps its earlier commands in their log, and a box handed to another subscriber later is not theirs from then.
/// The same log reaches the warehouse (<c>marts.cas_command</c>, attributed by the same custody history).
/// </summary>
public sealed class CasCommandLog(NpgsqlDataSource dataSource, ICustomerDirectory customers, IDeviceDirectory devices)
{
    /// <summary>
    /// Commands started in [<paramref name="from"/>, <paramref name="to"/>) for the boxes <paramref name="customer"/> (customer
    /// number or id) held at the time and/or <paramref name="device"/> (id, serial number or CAS id); neither: all.
    /// </summary>
    /// <exception cref="NotFoundException">The customer or device is unknown.</exception>
    public async Task<IReadOnlyList<CasCommandRecord>> ListAsync(string? customer, string? device, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        IReadOnlyList<DeviceCustody>? held = null;
        if (!string.IsNullOrWhiteSpace(customer))
        {
            var customerId = Guid.TryParse(customer, out var id) ? id
                : (await customers.FindAsync(customer, ct).ConfigureAwait(false))?.CustomerId ?? throw new NotFoundException($"customer '{customer}'", "customer");
            held = await devices.CustodyAsync(customerId, ct).ConfigureAwait(false);
        }

        Guid[]? deviceIds = null;
        if (!string.IsNullOrWhiteSpace(device))
        {
            var found = await devices.FindIdsAsync(device, ct).ConfigureAwait(false);
            if (found.Count == 0)
            {
                throw new NotFoundException($"device '{device}'", "device");
            }

            deviceIds = [.. found];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<CasCommandRecord>(new CommandDefinition(
            """
            SELECT * FROM (
                SELECT idempotency_key, 'onboarding' AS source, device_id, NULL::text AS cas_device_id, kind AS command, '{}'::text[] AS products,
                       false AS compensation, attempts, started_at, finished_at, outcome, reason, order_id, NULL::uuid AS change_id
                FROM sagas.cas_call
                UNION ALL
                SELECT idempotency_key, 'lifecycle', device_id, cas_device_id, op, products, compensation, attempts, started_at, finished_at,
                       outcome, reason, NULL::uuid, change_id
                FROM sagas.lifecycle_cas_op) c
            WHERE (NOT @bySubscriber OR EXISTS (
                      SELECT 1 FROM unnest(@heldDevices::uuid[], @heldFrom::timestamptz[], @heldTo::timestamptz[]) AS h(device_id, held_from, held_to)
                      WHERE h.device_id = c.device_id AND c.started_at >= h.held_from AND (h.held_to IS NULL OR c.started_at < h.held_to)))
              AND (@deviceIds::uuid[] IS NULL OR device_id = ANY(@deviceIds))
              AND (@from::timestamptz IS NULL OR started_at >= @from)
              AND (@to::timestamptz IS NULL OR started_at < @to)
            ORDER BY started_at, idempotency_key
            """,
            new
            {
                bySubscriber = held is not null,
                heldDevices = held?.Select(h => h.DeviceId).ToArray() ?? [],
                heldFrom = held?.Select(h => h.HeldFrom.UtcDateTime).ToArray() ?? [],
                heldTo = held?.Select(h => h.HeldTo?.UtcDateTime).ToArray() ?? [],
                deviceIds,
                from,
                to,
            }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }
}
