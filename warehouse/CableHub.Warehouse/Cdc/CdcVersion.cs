using System.Numerics;

namespace CableHub.Warehouse.Cdc;

/// <summary>
/// The <c>_version UInt128</c> of raw CDC tables (<c>ReplacingMergeTree(_version, _is_deleted)</c>): the
/// source's commit LSN in the high 64 bits, the change's ordinal inside the transaction in the low 64 bits,
/// so versions order like the source log and never depend on a clock. As a <see cref="BigInteger"/>, which
/// is what ClickHouse.Driver writes to (and reads from) UInt128 columns.
/// </summary>
public static class CdcVersion
{
    public static BigInteger Compose(ulong commitLsn, ulong ordinal) => (BigInteger)(((UInt128)commitLsn << 64) | ordinal);

    public static (ulong CommitLsn, ulong Ordinal) Split(BigInteger version)
    {
        var value = (UInt128)version;
        return ((ulong)(value >> 64), (ulong)value);
    }
}
