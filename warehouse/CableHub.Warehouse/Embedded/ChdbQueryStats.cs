namespace CableHub.Warehouse.Embedded;

/// <summary>What a statement did, as chDB reports it (the numbers behind ClickHouse's X-ClickHouse-Summary).</summary>
/// <param name="ResultRows">Rows in the result.</param>
/// <param name="ResultBytes">Bytes of the result in ClickHouse's internal representation.</param>
/// <param name="ReadRows">Rows read from storage.</param>
/// <param name="ReadBytes">Bytes read from storage.</param>
/// <param name="WrittenRows">Rows written (INSERT, including cascaded materialized views).</param>
/// <param name="WrittenBytes">Bytes written.</param>
/// <param name="Elapsed">Execution time.</param>
public readonly record struct ChdbQueryStats(
    ulong ResultRows,
    ulong ResultBytes,
    ulong ReadRows,
    ulong ReadBytes,
    ulong WrittenRows,
    ulong WrittenBytes,
    TimeSpan Elapsed)
{
    internal static ChdbQueryStats From(IntPtr result) => new(
        ChdbNative.ResultRowsRead(result),
        ChdbNative.ResultBytesRead(result),
        ChdbNative.ResultStorageRowsRead(result),
        ChdbNative.ResultStorageBytesRead(result),
        ChdbNative.ResultRowsWritten(result),
        ChdbNative.ResultBytesWritten(result),
        TimeSpan.FromSeconds(Math.Max(0, ChdbNative.ResultElapsed(result))));

    /// <summary>Adds the numbers of a later chunk of the same streamed statement.</summary>
    internal ChdbQueryStats Add(ChdbQueryStats chunk) => new(
        ResultRows + chunk.ResultRows,
        ResultBytes + chunk.ResultBytes,
        Math.Max(ReadRows, chunk.ReadRows),
        Math.Max(ReadBytes, chunk.ReadBytes),
        Math.Max(WrittenRows, chunk.WrittenRows),
        Math.Max(WrittenBytes, chunk.WrittenBytes),
        Elapsed > chunk.Elapsed ? Elapsed : chunk.Elapsed);
}
