using System.Collections.Frozen;
using System.Text;

namespace CableHub.Pipelines.Ingest.Schema;

/// <summary>A source column of a raw table.</summary>
internal sealed class RawColumn
{
    public RawColumn(string name, ColumnType type)
    {
        Name = name;
        Type = type;
        Utf8Name = Encoding.UTF8.GetBytes(name);
    }

    public string Name { get; }

    public ColumnType Type { get; }

    public byte[] Utf8Name { get; }

    public override string ToString() => $"{Name} {Type}";
}

/// <summary>
/// The metadata columns every raw table carries after its source columns. Rows are built as
/// <c>[metadata…, source columns…]</c>, so the indices below are fixed.
/// </summary>
internal static class MetadataColumns
{
    public const int Version = 0;
    public const int IsDeleted = 1;
    public const int Op = 2;
    public const int SourceTimestamp = 3;
    public const int Lsn = 4;
    public const int TxId = 5;
    public const int Topic = 6;
    public const int Partition = 7;
    public const int Offset = 8;
    public const int IngestedAt = 9;

    public static readonly (string Name, string Type)[] All =
    [
        ("_version", "UInt128"),
        ("_is_deleted", "UInt8"),
        ("_op", "LowCardinality(String)"),
        ("_source_ts", "DateTime64(3, 'UTC')"),
        ("_lsn", "UInt64"),
        ("_tx_id", "Nullable(UInt64)"),
        ("_topic", "LowCardinality(String)"),
        ("_partition", "Int32"),
        ("_offset", "Int64"),
        ("_ingested_at", "DateTime64(3, 'UTC')"),
    ];

    public static readonly FrozenSet<string> Names = All.Select(c => c.Name).ToFrozenSet(StringComparer.Ordinal);

    public const int Count = 10; // All.Length, checked by a unit test
}

/// <summary>
/// The shape of a raw table at one moment: its source columns (append-only), and what an insert needs.
/// A new shape replaces the old one whenever columns are added; rows remember the shape they were built with.
/// </summary>
internal sealed class RawTableShape
{
    private readonly Dictionary<string, int> _index;

    public RawTableShape(IReadOnlyList<RawColumn> columns)
    {
        Columns = columns;
        _index = new Dictionary<string, int>(columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            _index[columns[i].Name] = i;
        }

        InsertColumns = [.. MetadataColumns.All.Select(c => c.Name), .. columns.Select(c => c.Name)];
        var types = new Dictionary<string, string>(InsertColumns.Length, StringComparer.Ordinal);
        foreach (var (name, type) in MetadataColumns.All)
        {
            types[name] = type;
        }

        foreach (var column in columns)
        {
            types[column.Name] = column.Type.ToSql();
        }

        InsertColumnTypes = types;

        DefaultRow = new object?[InsertColumns.Length];
        for (var i = 0; i < columns.Count; i++)
        {
            DefaultRow[MetadataColumns.Count + i] = ValueConverter.DefaultFor(columns[i].Type);
        }
    }

    /// <summary>A row with every source column at its default (NULL, or the type's zero); copy it to start a row.</summary>
    public object?[] DefaultRow { get; }

    public IReadOnlyList<RawColumn> Columns { get; }

    /// <summary>Metadata columns then source columns: the row layout.</summary>
    public string[] InsertColumns { get; }

    public IReadOnlyDictionary<string, string> InsertColumnTypes { get; }

    public int RowWidth => InsertColumns.Length;

    /// <summary>Index of a source column within <see cref="Columns"/>, or -1.</summary>
    public int IndexOf(string name) => _index.GetValueOrDefault(name, -1);

    /// <summary>Index of a source column; tries <paramref name="hint"/> first (fields usually arrive in column order).</summary>
    public int IndexOf(System.Text.Json.JsonProperty property, int hint)
    {
        if ((uint)hint < (uint)Columns.Count && property.NameEquals(Columns[hint].Utf8Name))
        {
            return hint;
        }

        return _index.GetValueOrDefault(property.Name, -1);
    }
}

/// <summary>A raw CDC table <c>raw.&lt;schema&gt;_&lt;table&gt;</c> and its current-state view.</summary>
internal sealed class RawTable
{
    public RawTable(string sourceSchema, string sourceTable, string database, string name, string viewDatabase, string viewName, IReadOnlyList<string> keyColumns, RawTableShape shape)
    {
        SourceSchema = sourceSchema;
        SourceTable = sourceTable;
        Database = database;
        Name = name;
        ViewDatabase = viewDatabase;
        ViewName = viewName;
        KeyColumns = keyColumns;
        Shape = shape;
    }

    public string SourceSchema { get; }

    public string SourceTable { get; }

    public string Database { get; }

    public string Name { get; }

    public string ViewDatabase { get; }

    public string ViewName { get; }

    public string QualifiedName => Sql.Qualified(Database, Name);

    public string QualifiedViewName => Sql.Qualified(ViewDatabase, ViewName);

    /// <summary>Columns of the ORDER BY (the source primary key).</summary>
    public IReadOnlyList<string> KeyColumns { get; }

    public RawTableShape Shape { get; set; }

    private readonly Lock _truncation = new();
    private UInt128 _truncatedBelow;

    /// <summary>Rows whose version is below this were truncated away: they are written as deleted. Only grows.</summary>
    public UInt128 TruncatedBelow
    {
        get
        {
            lock (_truncation)
            {
                return _truncatedBelow;
            }
        }
    }

    /// <summary>Raises <see cref="TruncatedBelow"/> (the consumer thread loads it, the writer applies truncates).</summary>
    public void RaiseTruncatedBelow(UInt128 version)
    {
        lock (_truncation)
        {
            if (version > _truncatedBelow)
            {
                _truncatedBelow = version;
            }
        }
    }

    public bool TruncationsLoaded { get; set; }

    public override string ToString() => $"{Database}.{Name}";
}
