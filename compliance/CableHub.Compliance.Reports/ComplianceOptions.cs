using CableHub.Warehouse.Ddl;
using CableHub.Warehouse.Marts;

namespace CableHub.Compliance.Reports;

/// <summary>Which regulator's practice applies (host setting <c>Compliance:Profile</c>).</summary>
public enum RegulatoryProfile
{
    /// <summary>TRAI (addressable systems): monthly subscription reports per broadcaster, subscriber and activation registers, SMS↔CAS reconciliation.</summary>
    India,

    /// <summary>FCC practice: subscriber and activation registers, revenue register, the all-in price check on bills, SMS↔CAS reconciliation.</summary>
    US,

    /// <summary>EU: subscriber, activation and revenue registers, SMS↔CAS reconciliation; the GDPR records are the data-subject request log and the audit log.</summary>
    EU,
}

/// <summary>The reports of this project.</summary>
public enum ReportKind
{
    /// <summary>Monthly subscription report per broadcaster (TRAI): average of the 7th/14th/21st/28th counts.</summary>
    Msr,

    /// <summary>Subscriber register: every subscription active at some time in the period.</summary>
    Subscribers,

    /// <summary>Activation / deactivation register: every entitlement start and end in the period, per box and instant.</summary>
    Activations,

    /// <summary>Revenue register: revenue billed per month, plan and tax rate from marts.fact_revenue_monthly and fact_invoice.</summary>
    Revenue,

    /// <summary>SMS↔CAS reconciliation: the last reconciliation run by the as-of instant, every difference with its age.</summary>
    Reconciliation,

    /// <summary>US: every bill of the month checked for the all-in video price line, first (FCC all-in pricing).</summary>
    AllIn,

    /// <summary>
    /// CAS command log (every command sent to the CAS with outcome and timestamps) from the operational database: built by
    /// the caller (<c>cas log</c>), exported, signed and recorded by <see cref="ComplianceReporter.ExportAsync"/>; in no profile's list.
    /// </summary>
    CasCommands,
}

/// <summary>File formats of an export.</summary>
public enum ReportFormat
{
    Csv,
    Xlsx,
    Pdf,
}

/// <summary>How the compliance reports are made. The host fills it from <c>Compliance:*</c>, <c>ReportingTimeZone</c> and <c>Marts:*</c>.</summary>
public sealed class ComplianceOptions
{
    public RegulatoryProfile Profile { get; set; } = RegulatoryProfile.India;

    /// <summary>IANA zone of every local date and time in the reports (the marts' zone).</summary>
    public string ReportingTimeZone { get; set; } = "Asia/Kolkata";

    /// <summary>Snapshot days of the month (the marts' <c>Marts:SnapshotDays</c>).</summary>
    public IReadOnlyList<int> SnapshotDays { get; set; } = [7, 14, 21, 28];

    /// <summary>Local time of the snapshots, 19:00–23:00 (the marts' <c>Marts:SnapshotTime</c>).</summary>
    public TimeOnly SnapshotTime { get; set; } = new(21, 0);

    /// <summary>HMAC key file for export manifests (created on first use, mode 600), e.g. <c>&lt;DataDirectory&gt;/keys/report-signing.key</c>.</summary>
    public string SigningKeyPath { get; set; } = "report-signing.key";

    /// <summary>At most this many rows in a PDF table (a register can have millions); the CSV and XLSX carry all rows.</summary>
    public int PdfMaxRows { get; set; } = 2000;

    public ClickHouseTopology Topology { get; set; } = ClickHouseTopology.SingleNode;

    public MartOptions MartOptions() => new()
    {
        ReportingTimeZone = ReportingTimeZone,
        SnapshotDays = SnapshotDays,
        SnapshotTime = SnapshotTime,
    };

    /// <summary>Reads <c>India</c>/<c>IN</c>, <c>US</c>/<c>USA</c>, <c>EU</c> (any case); throws naming the setting otherwise.</summary>
    public static RegulatoryProfile ParseProfile(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "IN" or "INDIA" => RegulatoryProfile.India,
        "US" or "USA" => RegulatoryProfile.US,
        "EU" => RegulatoryProfile.EU,
        _ => throw new ArgumentException($"Compliance:Profile '{value}' is not India (IN), US or EU"),
    };

    /// <summary>The reports a profile asks for, in the order they are listed.</summary>
    public static IReadOnlyList<ReportKind> ReportsOf(RegulatoryProfile profile) => profile switch
    {
        RegulatoryProfile.India => [ReportKind.Msr, ReportKind.Subscribers, ReportKind.Activations, ReportKind.Reconciliation],
        RegulatoryProfile.US => [ReportKind.Subscribers, ReportKind.Activations, ReportKind.Revenue, ReportKind.AllIn, ReportKind.Reconciliation],
        RegulatoryProfile.EU => [ReportKind.Subscribers, ReportKind.Activations, ReportKind.Revenue, ReportKind.Reconciliation],
        _ => throw new ArgumentOutOfRangeException(nameof(profile)),
    };

    public static string Name(ReportKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>The reports made by <see cref="ComplianceReporter.BuildAsync"/> (the CAS command log is built by its verb).</summary>
    public static IReadOnlyList<ReportKind> Buildable { get; } =
        [ReportKind.Msr, ReportKind.Subscribers, ReportKind.Activations, ReportKind.Revenue, ReportKind.Reconciliation, ReportKind.AllIn];

    /// <summary>Parses a report name (<c>msr</c>, <c>subscribers</c>, <c>activations</c>, <c>revenue</c>, <c>reconciliation</c>, <c>allin</c>).</summary>
    public static ReportKind ParseReport(string value) =>
        Enum.TryParse<ReportKind>(value, ignoreCase: true, out var kind) && Buildable.Contains(kind) && !int.TryParse(value, out _)
            ? kind
            : throw new ArgumentException($"report '{value}' is not one of {string.Join(", ", Buildable.Select(Name))}");
}

/// <summary>A report failed for a reason its reader can act on (missing snapshot, report not in the profile, …).</summary>
public sealed class ReportException(string message) : Exception(message);
