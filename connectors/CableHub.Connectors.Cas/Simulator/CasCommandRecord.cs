namespace CableHub.Connectors.Cas.Simulator;

/// <summary>Kinds of command the simulated CAS accepts (<c>cas_sim.command_log.kind</c>).</summary>
public static class CasCommandKind
{
    public const string Activate = "activate";
    public const string Deactivate = "deactivate";
    public const string UpdateEntitlements = "update_entitlements";
    public const string Register = "register";
    public const string AddProducts = "add_products";
    public const string RemoveProducts = "remove_products";
    public const string Pair = "pair";
    public const string Unpair = "unpair";
    public const string OnScreenMessage = "osd_message";
    public const string ForceTune = "force_tune";
}

/// <summary>What became of a received command (<c>cas_sim.command_log.outcome</c>).</summary>
public static class CasCommandOutcome
{
    /// <summary>First command with its idempotency key; it took effect.</summary>
    public const string Applied = "applied";

    /// <summary>First command with its idempotency key; refused, no effect.</summary>
    public const string Rejected = "rejected";

    /// <summary>The key was seen before: no effect, answered with the first command's result.</summary>
    public const string Duplicate = "duplicate";
}

/// <summary>One row of the simulator's command log.</summary>
public sealed record CasCommandRecord(
    long Id,
    string IdempotencyKey,
    string Kind,
    string CasDeviceId,
    string? SmartCardNumber,
    IReadOnlyList<string> ProductIds,
    DateTimeOffset ReceivedAt,
    string Outcome,
    string? RejectionReason,
    string? VendorReference,
    long? OriginalId,
    string TargetKind = "box",
    string? RejectionCode = null)
{
    public bool IsDuplicate => Outcome == CasCommandOutcome.Duplicate;
}

/// <summary>What the simulated CAS currently holds for a box.</summary>
public sealed record CasDeviceState(string CasDeviceId, string? SmartCardNumber, string State, IReadOnlyList<string> ProductIds)
{
    public bool IsActive => State == "active";
}

/// <summary>An on-screen message or forced tune the simulated head-end sent to a box.</summary>
public sealed record CasScreenCommand(long CommandId, string Kind, string? Text, string? Priority, string? ServiceId, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>A box (and the smart card delivered paired with it, if any) registered in the CAS by the vendor's device import.</summary>
public sealed record CasDeviceRegistration(string CasDeviceId, string? SmartCardNumber = null);
