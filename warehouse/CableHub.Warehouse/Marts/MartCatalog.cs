using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CableHub.Warehouse.Marts;

/// <summary>How a mart table is kept up to date by <see cref="MartRefresher"/>.</summary>
public enum MartKind
{
    /// <summary>One row per entity key; rows of keys changed since the watermark are recomputed and written as a new version, vanished keys as deleted rows.</summary>
    Entity,

    /// <summary>Recomputed whole when its sources changed since the watermark (or the reporting day rolled over); only rows that differ are written.</summary>
    Recomputed,

    /// <summary>Point-in-time snapshots taken once per configured instant; one partition per snapshot day.</summary>
    Snapshot,
}

/// <summary>One incrementally built mart table: its DDL, its refresh statement and what tells it what changed.</summary>
/// <param name="Name">Table name in the <c>marts</c> database.</param>
/// <param name="TableSql">CREATE TABLE (single-node dialect; the topology distributes it), reporting zone substituted.</param>
/// <param name="RefreshSql">The INSERT … SELECT; <c>$scope(column)</c> marks where the changed keys restrict it.</param>
/// <param name="ChangedSql">Keys (Entity) or any row (Recomputed) changed since <c>{since}</c>; null for snapshots.</param>
/// <param name="KeyColumns">The table's sorting key (what a deleted row must carry).</param>
/// <param name="ScopeColumn">The key column the changed keys are matched on.</param>
/// <param name="Checksum">SHA-256 of the definition: a different one drops and rebuilds the table.</param>
public sealed record MartDefinition(
    string Name,
    MartKind Kind,
    string TableSql,
    string RefreshSql,
    string? ChangedSql,
    IReadOnlyList<string> KeyColumns,
    string ScopeColumn,
    string Checksum)
{
    public string QualifiedName => $"marts.{Name}";

    /// <summary>
    /// Snapshot marts only: the per-snapshot count table (<c>{Name}_count</c>) filled from the snapshot's partition right
    /// after it is taken, in the same partition scheme (replaced with it). Null for other marts.
    /// </summary>
    public string? CountTableSql { get; init; }

    /// <summary>The INSERT … SELECT of the count table (parameters <c>snapshot_date</c>, <c>version</c>).</summary>
    public string? CountRefreshSql { get; init; }

    /// <summary>Qualified name of the count table (<c>marts.{Name}_count</c>).</summary>
    public string CountQualifiedName => $"marts.{Name}_count";
}

/// <summary>
/// The incrementally built marts, in refresh order (dimensions before the facts that join them), from the embedded
/// <c>Marts/Tables/*.sql</c> and <c>Marts/Refresh/*.sql</c>: one table file, one refresh file (and its <c>.changed.sql</c>), one line below.
/// </summary>
public static partial class MartCatalog
{
    private const string TablePrefix = "CableHub.Warehouse.Marts.Tables.";
    private const string RefreshPrefix = "CableHub.Warehouse.Marts.Refresh.";

    private static readonly (string Name, MartKind Kind, string[] Keys, string Scope)[] Order =
    [
        ("dim_plan", MartKind.Entity, ["plan_id"], "plan_id"),
        ("dim_channel", MartKind.Entity, ["channel_id"], "channel_id"),
        ("dim_bouquet", MartKind.Entity, ["bouquet_id"], "bouquet_id"),
        ("dim_customer", MartKind.Entity, ["customer_id"], "customer_id"),
        ("dim_device", MartKind.Entity, ["device_id"], "device_id"),
        ("fact_order", MartKind.Entity, ["requested_date", "order_id"], "order_id"),
        ("fact_subscription_daily", MartKind.Recomputed, ["snapshot_date", "plan_id", "lco_id"], "snapshot_date"),
        ("fact_entitlement_snapshot", MartKind.Snapshot, ["snapshot_date", "broadcaster_id", "channel_id", "bouquet_id", "device_id"], "snapshot_date"),
        ("fact_invoice", MartKind.Entity, ["issue_date", "invoice_id"], "invoice_id"),
        ("fact_invoice_line", MartKind.Entity, ["issue_date", "invoice_id", "line_no"], "invoice_id"),
        ("fact_revenue_monthly", MartKind.Recomputed, ["month", "currency", "plan_id", "tax_rate"], "month"),
        ("fact_payment", MartKind.Entity, ["received_date", "payment_id"], "payment_id"),
        ("fact_dunning_step", MartKind.Entity, ["taken_date", "invoice_id", "step"], "invoice_id"),
        ("fact_receivables_monthly", MartKind.Recomputed, ["month", "currency"], "month"),
    ];

    /// <summary>The marts with the reporting time zone substituted, in refresh order.</summary>
    public static IReadOnlyList<MartDefinition> Load(string reportingTimeZone)
    {
        CheckTimeZone(reportingTimeZone);
        var assembly = typeof(MartCatalog).Assembly;
        var marts = new List<MartDefinition>(Order.Length);
        foreach (var (name, kind, keys, scope) in Order)
        {
            var table = Substitute(Read(assembly, TablePrefix + name + ".sql"), reportingTimeZone);
            var refresh = Substitute(Read(assembly, RefreshPrefix + name + ".sql"), reportingTimeZone);
            var changed = kind == MartKind.Snapshot ? null : Substitute(Read(assembly, RefreshPrefix + name + ".changed.sql"), reportingTimeZone);
            var countTable = kind == MartKind.Snapshot ? Substitute(Read(assembly, TablePrefix + name + "_count.sql"), reportingTimeZone) : null;
            var countRefresh = kind == MartKind.Snapshot ? Substitute(Read(assembly, RefreshPrefix + name + "_count.sql"), reportingTimeZone) : null;
            var parts = countTable is null ? new[] { table, refresh, changed ?? "" } : [table, refresh, changed ?? "", countTable, countRefresh!];
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n--\n", parts).ReplaceLineEndings("\n"))));
            marts.Add(new MartDefinition(name, kind, StripComments(table), StripComments(refresh), changed is null ? null : StripComments(changed), keys, scope, checksum)
            {
                CountTableSql = countTable is null ? null : StripComments(countTable),
                CountRefreshSql = countRefresh is null ? null : StripComments(countRefresh),
            });
        }

        return marts;
    }

    /// <summary>Names of the incrementally built marts.</summary>
    public static IReadOnlyList<string> Names => [.. Order.Select(o => o.Name)];

    internal static string Substitute(string sql, string reportingTimeZone) => sql.Replace("{reporting_tz}", reportingTimeZone, StringComparison.Ordinal);

    /// <summary>Throws unless <paramref name="name"/> looks like an IANA zone name (it is put into SQL text).</summary>
    public static void CheckTimeZone(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || !TimeZoneName().IsMatch(name))
        {
            throw new ArgumentException($"ReportingTimeZone '{name}' is not an IANA time zone name (e.g. Asia/Kolkata)", nameof(name));
        }
    }

    /// <summary>Replaces <c>$scope(column)</c> with <c>1</c> (full build) or <c>column IN (changed keys)</c>.</summary>
    internal static string Scope(string sql, string? changedKeysSql) =>
        ScopeMarker().Replace(sql, m => changedKeysSql is null ? "1" : $"{m.Groups[1].Value.Trim()} IN ({changedKeysSql})");

    private static string StripComments(string sql) =>
        string.Join('\n', sql.ReplaceLineEndings("\n").Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"mart resource {resource} is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\$scope\(([^)]+)\)")]
    private static partial Regex ScopeMarker();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")]
    private static partial Regex TimeZoneName();
}
