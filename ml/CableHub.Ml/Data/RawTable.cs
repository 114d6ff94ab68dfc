using System.Security.Cryptography;
using CsvHelper;

namespace CableHub.Ml.Data;

/// <summary>
/// A table as text: column names and one string per cell (<see langword="null"/> never; blanks are empty strings).
/// Every model input goes through this shape — a CSV file, a warehouse query, synthetic benchmark rows — so type
/// inference, encoding and scoring treat them alike.
/// </summary>
public sealed class RawTable
{
    public RawTable(IReadOnlyList<string> columns, IReadOnlyList<string[]> rows, string source = "table")
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        Columns = columns;
        Rows = rows;
        Source = source;
        var duplicates = columns.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new InvalidDataException($"{source}: duplicate column name(s) {string.Join(", ", duplicates.Select(d => $"'{d}'"))}");
        }

        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != columns.Count)
            {
                throw new InvalidDataException($"{source}: row {i + 1} has {rows[i].Length} fields, the header has {columns.Count}");
            }
        }
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Where the rows came from (file path, query), for error messages.</summary>
    public string Source { get; }

    /// <summary>SHA-256 of the data (hex) when read from a file: the registry records which data trained a model.</summary>
    public string? Sha256 { get; init; }

    public int RowCount => Rows.Count;

    /// <summary>Index of a column by exact name, else case-insensitively; -1 when absent.</summary>
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i], column, StringComparison.Ordinal))
            {
                return i;
            }
        }

        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i].Trim(), column.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The rows at the given indices (same columns).</summary>
    public RawTable Subset(IEnumerable<int> indices) => new([.. Columns], [.. indices.Select(i => Rows[i])], Source) { Sha256 = Sha256 };

    /// <summary>
    /// Reads a CSV file with a header line (separator detected among , ; tab |, RFC 4180 quoting, fields trimmed).
    /// A malformed line is an error naming the file, the line and the reason; nothing is returned half-read.
    /// </summary>
    public static RawTable ReadCsv(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var bytes = File.ReadAllBytes(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var table = ReadCsv(bytes, path);
        return new RawTable(table.Columns, table.Rows, path) { Sha256 = hash };
    }

    /// <summary>Reads CSV from UTF-8 bytes (see <see cref="ReadCsv(string)"/>).</summary>
    public static RawTable ReadCsv(byte[] utf8, string source)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var problems = new List<string>();
        var options = CsvReaderOptions.Default with
        {
            TrackLineNumbers = true,
            TrimWhitespace = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            FieldCountMismatch = CsvFieldCountHandling.Skip,
            OnMalformedRecord = m => problems.Add($"line {m.LineNumber}: {m.Reason}"),
        };

        using var reader = CsvReader.Create(utf8, options);
        string[] header;
        try
        {
            header = [.. reader.Headers.Select(h => h.Trim())];
        }
        catch (CsvFormatException ex)
        {
            throw new InvalidDataException($"{source}: the header line cannot be read: {ex.Message}", ex);
        }

        if (header.Length == 0)
        {
            throw new InvalidDataException($"{source}: no header line (the file is empty)");
        }

        var rows = new List<string[]>();
        while (reader.Read())
        {
            var row = new string[header.Length];
            for (var i = 0; i < header.Length; i++)
            {
                row[i] = reader.GetString(i);
            }

            rows.Add(row);
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{source}: {problems.Count} malformed line(s), nothing read: {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? "; …" : "")}");
        }

        return new RawTable(header, rows, source);
    }
}
