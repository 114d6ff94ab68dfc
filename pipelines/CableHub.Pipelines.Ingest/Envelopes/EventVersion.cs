namespace CableHub.Pipelines.Ingest.Envelopes;

/// <summary>
/// The <c>_version</c> of a raw row: a position in the source's log, never a clock.
/// <para>
/// <c>_version = (commitPart &lt;&lt; 64) | changePart</c> as UInt128, where
/// <list type="bullet">
/// <item><c>commitPart</c> = <c>source.sequence[0]</c> when present and not null, else <c>source.lsn</c>;</item>
/// <item><c>changePart</c> = <c>source.sequence[1]</c> when present and not null, else 0.</item>
/// </list>
/// The hub's CDC reader writes <c>sequence = ["&lt;commit LSN&gt;", "&lt;change LSN&gt;"]</c>; Debezium writes
/// <c>sequence = ["&lt;last commit LSN&gt;", "&lt;change LSN&gt;"]</c> (the commit before this transaction; a JSON array
/// encoded as a string). Both first elements grow from one transaction to the next in commit order, and change LSNs
/// grow inside a transaction, so for one row the version grows with every change in either form. Snapshot reads
/// (op <c>r</c>) and old connectors without <c>sequence</c> use <c>(lsn, 0)</c>: a snapshot's lsn is its consistent
/// point, below the commit LSN of every change streamed after it.
/// Mixing the two forms for one table (switching CDC implementation in place) is not ordered: re-snapshot instead.
/// </para>
/// </summary>
public static class EventVersion
{
    public static UInt128 Compose(ulong commitPart, ulong changePart) => new(commitPart, changePart);

    public static ulong CommitPart(UInt128 version) => (ulong)(version >> 64);

    public static ulong ChangePart(UInt128 version) => (ulong)(version & ulong.MaxValue);
}
