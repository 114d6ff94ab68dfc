namespace CableHub.Sagas.Dunning;

/// <summary>Look at the invoice now: take every step that is due (scheduled by the saga itself; tests send it after a time jump).</summary>
public sealed record DunningCheck(Guid InvoiceId);

/// <summary>One step the saga took (kept in its state, and logged).</summary>
public sealed record DunningStep(string Kind, int Day, DateTimeOffset At, string Detail);

public static class DunningStepKind
{
    public const string Reminder = "reminder";
    public const string LateFee = "late_fee";
    public const string Suspension = "suspension";
    public const string WriteOff = "write_off";
    public const string Disconnect = "disconnect";
    public const string Promise = "promise";
    public const string Restore = "restore";
    public const string Settled = "settled";
}
