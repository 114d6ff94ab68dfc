namespace CableHub.Connectors.Edi.X12;

/// <summary>Segment ids packed into an int (see <see cref="X12Segment.IdKey"/>) for fast dispatch.</summary>
internal static class X12SegmentIds
{
    public const int ISA = ('I' << 16) | ('S' << 8) | 'A';
    public const int IEA = ('I' << 16) | ('E' << 8) | 'A';
    public const int GS = ('G' << 8) | 'S';
    public const int GE = ('G' << 8) | 'E';
    public const int ST = ('S' << 8) | 'T';
    public const int SE = ('S' << 8) | 'E';
    public const int BSN = ('B' << 16) | ('S' << 8) | 'N';
    public const int BEG = ('B' << 16) | ('E' << 8) | 'G';
    public const int CUR = ('C' << 16) | ('U' << 8) | 'R';
    public const int HL = ('H' << 8) | 'L';
    public const int DTM = ('D' << 16) | ('T' << 8) | 'M';
    public const int REF = ('R' << 16) | ('E' << 8) | 'F';
    public const int PRF = ('P' << 16) | ('R' << 8) | 'F';
    public const int MAN = ('M' << 16) | ('A' << 8) | 'N';
    public const int LIN = ('L' << 16) | ('I' << 8) | 'N';
    public const int SN1 = ('S' << 16) | ('N' << 8) | '1';
    public const int TD1 = ('T' << 16) | ('D' << 8) | '1';
    public const int TD5 = ('T' << 16) | ('D' << 8) | '5';
    public const int CTT = ('C' << 16) | ('T' << 8) | 'T';
    public const int N1 = ('N' << 8) | '1';
    public const int N2 = ('N' << 8) | '2';
    public const int N3 = ('N' << 8) | '3';
    public const int N4 = ('N' << 8) | '4';
    public const int PID = ('P' << 16) | ('I' << 8) | 'D';
    public const int PO1 = ('P' << 16) | ('O' << 8) | '1';

    public static int Key(ReadOnlySpan<byte> id) => id.Length switch
    {
        2 => (id[0] << 8) | id[1],
        3 => (id[0] << 16) | (id[1] << 8) | id[2],
        _ => -1,
    };
}
