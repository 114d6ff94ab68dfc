namespace CableHub.Sagas.Dunning;

/// <summary>
/// The dunning policy (the host binds it from <c>Dunning:*</c>): steps at day offsets after the due date, in the reporting time
/// zone's local dates. Tests pass their own <see cref="Clock"/> to jump time.
/// </summary>
public sealed class DunningOptions
{
    /// <summary>Reminders at due date + N days (e-mail, template <c>payment-reminder</c>; SMS too with <see cref="SmsReminders"/>).</summary>
    public IReadOnlyList<int> ReminderDays { get; set; } = [1, 7];

    /// <summary>Each reminder also by SMS to the customer's phone number (the template's SMS text); without a number the SMS is suppressed and recorded so.</summary>
    public bool SmsReminders { get; set; } = true;

    /// <summary>The late fee at due date + N days (null: none): fixed amount plus a percentage of what is open.</summary>
    public int? LateFeeDays { get; set; } = 10;

    public decimal LateFeeFixed { get; set; } = 50m;

    public decimal LateFeePercent { get; set; }

    /// <summary>Suspension of the account's active subscriptions at due date + N days (null: never), through the lifecycle saga.</summary>
    public int? SuspendDays { get; set; } = 15;

    /// <summary>
    /// The last step at due date + N days (null: never): what is still open of the invoice is written off (billing: status
    /// <c>written_off</c>, final), the subscriptions dunning suspended are disconnected (<see cref="DisconnectOnWriteOff"/>) and the saga ends.
    /// </summary>
    public int? WriteOffDays { get; set; } = 60;

    /// <summary>Whether the write-off disconnects the subscriptions dunning suspended (through the lifecycle saga); false: they stay suspended.</summary>
    public bool DisconnectOnWriteOff { get; set; } = true;

    /// <summary>Longest wait between two looks at an invoice (a missed step is caught up at the next look).</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the sweep looks for newly overdue invoices (0 = no sweep in this process).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    public string NotificationLanguage { get; set; } = "en";

    public TimeZoneInfo ReportingTimeZone { get; set; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    /// <summary>The clock dunning decides with (the system clock; tests pass a fake one and jump).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>The last step's offset: invoices overdue longer are not swept in again.</summary>
    public int LastStepDays => new[] { ReminderDays.DefaultIfEmpty(0).Max(), LateFeeDays ?? 0, SuspendDays ?? 0, WriteOffDays ?? 0 }.Max();

    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Clock.GetUtcNow(), ReportingTimeZone).DateTime);

    public DateTimeOffset StartOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, ReportingTimeZone.GetUtcOffset(local));
    }

    public void Validate()
    {
        if (ReminderDays.Any(d => d < 0) || LateFeeDays < 0 || SuspendDays < 0 || WriteOffDays < 0)
        {
            throw new ArgumentException("Dunning: day offsets are ≥ 0 (days after the due date)");
        }

        if (LateFeeFixed < 0 || LateFeePercent is < 0 or > 100)
        {
            throw new ArgumentException("Dunning: the late fee is ≥ 0 and its percentage within 0–100");
        }

        if (WriteOffDays is { } w && new[] { ReminderDays.DefaultIfEmpty(0).Max(), LateFeeDays ?? 0, SuspendDays ?? 0 }.Max() > w)
        {
            throw new ArgumentException("Dunning: the write-off is the last step (WriteOffDays ≥ every other step's day)");
        }
    }
}
