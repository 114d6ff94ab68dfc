using System.Globalization;
using System.Text;

namespace CableHub.Pipelines.Ingest.Schema;

/// <summary>The ClickHouse column types the ingester writes, as a small tree (Nullable, LowCardinality and Array wrap a base).</summary>
internal enum ColumnKind
{
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    UInt128,
    Float32,
    Float64,
    Bool,
    String,
    DateTime64,
    Date32,
    Uuid,
    Decimal,
    Array,

    /// <summary>A type the ingester does not convert to (a column somebody added by hand); only NULL/default is written.</summary>
    Other,
}

/// <summary>
/// A ClickHouse column type. <see cref="ToSql"/> renders the DDL/driver form; <see cref="Parse"/> reads what
/// <c>system.columns.type</c> reports for tables that already exist.
/// </summary>
internal sealed record ColumnType(
    ColumnKind Kind,
    bool Nullable = false,
    bool LowCardinality = false,
    int Precision = 0,
    int Scale = 0,
    ColumnType? Element = null,
    string? OtherSql = null)
{
    public static readonly ColumnType Int8 = new(ColumnKind.Int8);
    public static readonly ColumnType Int16 = new(ColumnKind.Int16);
    public static readonly ColumnType Int32 = new(ColumnKind.Int32);
    public static readonly ColumnType Int64 = new(ColumnKind.Int64);
    public static readonly ColumnType UInt8 = new(ColumnKind.UInt8);
    public static readonly ColumnType UInt64 = new(ColumnKind.UInt64);
    public static readonly ColumnType UInt128 = new(ColumnKind.UInt128);
    public static readonly ColumnType Float32 = new(ColumnKind.Float32);
    public static readonly ColumnType Float64 = new(ColumnKind.Float64);
    public static readonly ColumnType Bool = new(ColumnKind.Bool);
    public static readonly ColumnType String = new(ColumnKind.String);
    public static readonly ColumnType Date32 = new(ColumnKind.Date32);
    public static readonly ColumnType Uuid = new(ColumnKind.Uuid);

    /// <summary>DateTime64(precision, 'UTC').</summary>
    public static ColumnType DateTime64(int precision) => new(ColumnKind.DateTime64, Precision: precision);

    public static ColumnType Decimal(int precision, int scale) => new(ColumnKind.Decimal, Precision: precision, Scale: scale);

    public static ColumnType ArrayOf(ColumnType element) => new(ColumnKind.Array, Element: element);

    /// <summary>This type wrapped in Nullable, where ClickHouse allows it (not for arrays).</summary>
    public ColumnType AsNullable() => Kind == ColumnKind.Array || Nullable ? this : this with { Nullable = true };

    public ColumnType AsNotNullable() => Nullable ? this with { Nullable = false } : this;

    public string ToSql()
    {
        var core = Kind switch
        {
            ColumnKind.DateTime64 => string.Create(CultureInfo.InvariantCulture, $"DateTime64({Precision}, 'UTC')"),
            ColumnKind.Decimal => string.Create(CultureInfo.InvariantCulture, $"Decimal({Precision}, {Scale})"),
            ColumnKind.Array => $"Array({Element!.ToSql()})",
            ColumnKind.Uuid => "UUID",
            ColumnKind.Other => OtherSql!,
            _ => Kind.ToString(),
        };
        if (Nullable)
        {
            core = $"Nullable({core})";
        }

        return LowCardinality ? $"LowCardinality({core})" : core;
    }

    public override string ToString() => ToSql();

    /// <summary>Reads a type as <c>system.columns</c> prints it, e.g. <c>Nullable(DateTime64(6, 'UTC'))</c>.</summary>
    public static ColumnType Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var s = sql.Trim();
        if (TryUnwrap(s, "LowCardinality", out var inner))
        {
            return Parse(inner) with { LowCardinality = true };
        }

        if (TryUnwrap(s, "Nullable", out inner))
        {
            return Parse(inner) with { Nullable = true };
        }

        if (TryUnwrap(s, "Array", out inner))
        {
            return ArrayOf(Parse(inner));
        }

        if (TryUnwrap(s, "DateTime64", out inner))
        {
            var precision = inner.Split(',', 2)[0].Trim();
            return DateTime64(int.Parse(precision, CultureInfo.InvariantCulture));
        }

        if (TryUnwrap(s, "Decimal", out inner))
        {
            var parts = inner.Split(',');
            return Decimal(int.Parse(parts[0].Trim(), CultureInfo.InvariantCulture), int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture));
        }

        // Decimal32(S) / Decimal64(S) / Decimal128(S) / Decimal256(S)
        foreach (var (name, precision) in new[] { ("Decimal32", 9), ("Decimal64", 18), ("Decimal128", 38), ("Decimal256", 76) })
        {
            if (TryUnwrap(s, name, out inner))
            {
                return Decimal(precision, int.Parse(inner.Trim(), CultureInfo.InvariantCulture));
            }
        }

        return s switch
        {
            "Int8" => Int8,
            "Int16" => Int16,
            "Int32" => Int32,
            "Int64" => Int64,
            "UInt8" => UInt8,
            "UInt16" => new ColumnType(ColumnKind.UInt16),
            "UInt32" => new ColumnType(ColumnKind.UInt32),
            "UInt64" => UInt64,
            "UInt128" => UInt128,
            "Float32" => Float32,
            "Float64" => Float64,
            "Bool" or "Boolean" => Bool,
            "String" => String,
            "Date32" => Date32,
            "UUID" => Uuid,
            _ => new ColumnType(ColumnKind.Other, OtherSql: s),
        };
    }

    private static bool TryUnwrap(string s, string name, out string inner)
    {
        if (s.Length > name.Length + 2 && s.StartsWith(name, StringComparison.Ordinal) && s[name.Length] == '(' && s[^1] == ')')
        {
            inner = s[(name.Length + 1)..^1];
            return true;
        }

        inner = string.Empty;
        return false;
    }
}

/// <summary>Identifier quoting for generated DDL (names come from the source database, never trusted).</summary>
internal static class Sql
{
    public static string Quote(string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var sb = new StringBuilder(identifier.Length + 2).Append('`');
        foreach (var c in identifier)
        {
            if (c is '`' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('`').ToString();
    }

    public static string Qualified(string database, string table) => $"{Quote(database)}.{Quote(table)}";
}
