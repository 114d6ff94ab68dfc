namespace CableHub.Core.Ports;

/// <summary>
/// What one module holds about a data subject (a customer), for an access request (GDPR art. 15, India DPDP s. 11).
/// Every module that keeps data about customers implements it over its own tables; the compliance access export asks
/// every registered implementation and never reads a module's tables itself. Personal fields come decrypted.
/// </summary>
public interface IDataSubjectRecords
{
    /// <summary>Sections are ordered by this (customer first, then what hangs off them).</summary>
    int Order { get; }

    Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct);
}

/// <summary>One holder's part of an access export: who holds it, why, and the records as tables.</summary>
public sealed record DataSubjectSection(string Name, string Holder, string Purpose, IReadOnlyList<DataSubjectTable> Tables);

/// <summary>Records of one kind: column names and rows (values: text, numbers, booleans, instants, dates, ids, null).</summary>
public sealed record DataSubjectTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows)
{
    /// <summary>Rows read as dictionaries (Dapper's <c>DapperRow</c> or any <c>IDictionary&lt;string, object?&gt;</c>), columns in the first row's order.</summary>
    public static DataSubjectTable From(string name, IEnumerable<object> rows, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.Cast<IDictionary<string, object?>>().ToList();
        IReadOnlyList<string> names = columns.Length > 0 ? columns : list.Count > 0 ? [.. list[0].Keys] : [];
        return new DataSubjectTable(name, names, [.. list.Select(r => names.Select(c => r.TryGetValue(c, out var v) ? v : null).ToArray())]);
    }
}

/// <summary>
/// Erases what one module holds about a data subject that the law does not require it to keep: personal fields become
/// unreadable (the subject's data key destroyed) or are removed; records kept by law (invoices, payments) stay,
/// pointing at the pseudonymous customer id. Idempotent.
/// </summary>
public interface IDataSubjectEraser
{
    Task<DataSubjectErasure> EraseAsync(Guid customerId, string actor, CancellationToken ct);
}

/// <summary>
/// Corrects what one module holds about a data subject (GDPR art. 16, DPDP s. 12): the fields it owns, named in
/// <see cref="Fields"/> (e.g. <c>givenName</c>, <c>email</c>). Personal values stay encrypted; the audit log records the
/// change with the encrypted fields redacted, and the outcome names fields, never values.
/// </summary>
public interface IDataSubjectRectifier
{
    /// <summary>The fields this holder can correct.</summary>
    IReadOnlyList<string> Fields { get; }

    /// <summary>Applies the corrections among <see cref="Fields"/> (one transaction); returns which fields changed.</summary>
    Task<DataSubjectRectification> RectifyAsync(Guid customerId, IReadOnlyDictionary<string, string> corrections, string actor, CancellationToken ct);
}

/// <summary>What a rectifier changed: the holder and the field names (no values).</summary>
public sealed record DataSubjectRectification(string Holder, IReadOnlyList<string> Changed);

/// <summary>What an eraser did, in words for the request's outcome and the audit log.</summary>
public sealed record DataSubjectErasure(string Holder, IReadOnlyList<string> Done)
{
    /// <summary>What erasure writes over text a person typed (notes, reasons, remittance text): the row stays, the text goes.</summary>
    public const string ErasedText = "[erased]";
}

/// <summary>
/// Produces a data subject's access export (everything every <see cref="IDataSubjectRecords"/> holds, as JSON and a
/// readable PDF), each file signed and recorded in the audit log. The compliance reports project implements it.
/// </summary>
public interface IDataSubjectAccessExporter
{
    /// <summary>Writes the export for <paramref name="customerId"/> under request <paramref name="requestId"/>; returns the signed files.</summary>
    Task<DataSubjectExport> ExportAsync(Guid requestId, Guid customerId, string actor, CancellationToken ct);

    /// <summary>The files of a request's export written earlier (file name → full path), empty if none.</summary>
    IReadOnlyList<DataSubjectExportFile> FilesOf(Guid requestId);
}

/// <summary>A written access export.</summary>
public sealed record DataSubjectExport(Guid RequestId, Guid CustomerId, DateTimeOffset GeneratedAt, int Sections, int Records, IReadOnlyList<DataSubjectExportFile> Files);

/// <summary>One file of an access export and its signed manifest (beside it as <c>&lt;file&gt;.manifest.json</c>).</summary>
public sealed record DataSubjectExportFile(string FileName, string Path, string Sha256, long Bytes, string ManifestPath);
