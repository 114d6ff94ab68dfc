namespace CableHub.Warehouse.Embedded.Http;

/// <summary>
/// chDB's streaming API formats every chunk as a document of its own (a RowBinaryWithNamesAndTypes
/// chunk starts with the header again, a CSVWithNames chunk with the names line). This joins chunks
/// into one result for the formats where that is possible; others are not streamed.
/// </summary>
internal sealed class ChunkJoiner
{
    private enum Kind
    {
        Concatenate,
        BinaryNames,
        BinaryNamesAndTypes,
        TextLines,
        CsvLines,
    }

    private static readonly Dictionary<string, (Kind Kind, int Lines)> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TabSeparated"] = (Kind.Concatenate, 0),
        ["TSV"] = (Kind.Concatenate, 0),
        ["TabSeparatedRaw"] = (Kind.Concatenate, 0),
        ["TSVRaw"] = (Kind.Concatenate, 0),
        ["Raw"] = (Kind.Concatenate, 0),
        ["CSV"] = (Kind.Concatenate, 0),
        ["JSONEachRow"] = (Kind.Concatenate, 0),
        ["JSONLines"] = (Kind.Concatenate, 0),
        ["NDJSON"] = (Kind.Concatenate, 0),
        ["JSONStringsEachRow"] = (Kind.Concatenate, 0),
        ["JSONCompactEachRow"] = (Kind.Concatenate, 0),
        ["JSONCompactStringsEachRow"] = (Kind.Concatenate, 0),
        ["RowBinary"] = (Kind.Concatenate, 0),
        ["Native"] = (Kind.Concatenate, 0),
        ["TSKV"] = (Kind.Concatenate, 0),
        ["LineAsString"] = (Kind.Concatenate, 0),
        ["RawBLOB"] = (Kind.Concatenate, 0),
        ["Null"] = (Kind.Concatenate, 0),
        ["RowBinaryWithNames"] = (Kind.BinaryNames, 0),
        ["RowBinaryWithNamesAndTypes"] = (Kind.BinaryNamesAndTypes, 0),
        ["TabSeparatedWithNames"] = (Kind.TextLines, 1),
        ["TSVWithNames"] = (Kind.TextLines, 1),
        ["TabSeparatedRawWithNames"] = (Kind.TextLines, 1),
        ["TSVRawWithNames"] = (Kind.TextLines, 1),
        ["TabSeparatedWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["TSVWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["TabSeparatedRawWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["TSVRawWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["JSONCompactEachRowWithNames"] = (Kind.TextLines, 1),
        ["JSONCompactEachRowWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["JSONCompactStringsEachRowWithNames"] = (Kind.TextLines, 1),
        ["JSONCompactStringsEachRowWithNamesAndTypes"] = (Kind.TextLines, 2),
        ["CSVWithNames"] = (Kind.CsvLines, 1),
        ["CSVWithNamesAndTypes"] = (Kind.CsvLines, 2),
    };

    private readonly Kind _kind;
    private readonly int _lines;
    private bool _first = true;

    private ChunkJoiner(Kind kind, int lines)
    {
        _kind = kind;
        _lines = lines;
    }

    /// <summary>A joiner for <paramref name="format"/>, or null when its chunks cannot be joined (JSON, Parquet, Pretty, ...).</summary>
    public static ChunkJoiner? For(string format) =>
        Formats.TryGetValue(format, out var rule) ? new ChunkJoiner(rule.Kind, rule.Lines) : null;

    /// <summary>The part of <paramref name="chunk"/> that continues the result (the header is kept from the first chunk only).</summary>
    public ReadOnlySpan<byte> Continue(ReadOnlySpan<byte> chunk)
    {
        if (_first || _kind == Kind.Concatenate)
        {
            _first = false;
            return chunk;
        }

        var skip = _kind switch
        {
            Kind.BinaryNames => BinaryHeaderLength(chunk, withTypes: false),
            Kind.BinaryNamesAndTypes => BinaryHeaderLength(chunk, withTypes: true),
            Kind.TextLines => TextLinesLength(chunk, _lines, csv: false),
            _ => TextLinesLength(chunk, _lines, csv: true),
        };
        return chunk[skip..];
    }

    private static int BinaryHeaderLength(ReadOnlySpan<byte> chunk, bool withTypes)
    {
        var pos = 0;
        var columns = ReadVarInt(chunk, ref pos);
        var strings = withTypes ? columns * 2 : columns;
        for (var i = 0UL; i < strings; i++)
        {
            var length = ReadVarInt(chunk, ref pos);
            pos = checked(pos + (int)length);
        }

        return pos <= chunk.Length ? pos : throw new InvalidDataException("chDB returned a chunk shorter than its RowBinary header");
    }

    private static ulong ReadVarInt(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("bad VarUInt in a RowBinary header");
    }

    private static int TextLinesLength(ReadOnlySpan<byte> chunk, int lines, bool csv)
    {
        var pos = 0;
        var quoted = false;
        while (lines > 0 && pos < chunk.Length)
        {
            var b = chunk[pos++];
            if (csv && b == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (b == (byte)'\n' && !quoted)
            {
                lines--;
            }
        }

        return pos;
    }
}
