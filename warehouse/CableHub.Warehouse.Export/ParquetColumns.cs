using Apache.Arrow;
using Apache.Arrow.Types;
using Parquet;
using Parquet.Schema;

namespace CableHub.Warehouse.Export;

/// <summary>Arrow fields and arrays → Parquet.Net fields and column writes.</summary>
internal static class ParquetColumns
{
    public static DataField Field(Apache.Arrow.Field field)
    {
        var nullable = field.IsNullable;
        return field.DataType switch
        {
            BooleanType => new DataField(field.Name, typeof(bool), nullable),
            Int8Type => new DataField(field.Name, typeof(sbyte), nullable),
            Int16Type => new DataField(field.Name, typeof(short), nullable),
            Int32Type => new DataField(field.Name, typeof(int), nullable),
            Int64Type => new DataField(field.Name, typeof(long), nullable),
            UInt8Type => new DataField(field.Name, typeof(byte), nullable),
            UInt16Type => new DataField(field.Name, typeof(ushort), nullable),
            UInt32Type => new DataField(field.Name, typeof(uint), nullable),
            UInt64Type => new DataField(field.Name, typeof(ulong), nullable),
            FloatType => new DataField(field.Name, typeof(float), nullable),
            DoubleType => new DataField(field.Name, typeof(double), nullable),
            StringType => new DataField(field.Name, typeof(string), nullable),
            BinaryType => new DataField(field.Name, typeof(byte[]), nullable),
            Decimal128Type d when d.Precision <= 38 => new DecimalDataField(field.Name, d.Precision, d.Scale, forceByteArrayEncoding: false, isNullable: nullable),
            Date32Type => new DataField(field.Name, typeof(DateOnly), nullable),
            TimestampType t => new DateTimeDataField(field.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true,
                unit: t.Unit == TimeUnit.Millisecond || t.Unit == TimeUnit.Second ? DateTimeTimeUnit.Millis : DateTimeTimeUnit.Micros, isNullable: nullable),
            _ => throw new NotSupportedException($"column {field.Name}: Arrow type {field.DataType.Name} cannot be written as Parquet"),
        };
    }

    public static Task WriteAsync(ParquetRowGroupWriter group, DataField field, IArrowArray array, CancellationToken ct) => array switch
    {
        BooleanArray a => Values(group, field, a.Length, a.GetValue, ct),
        Int8Array a => Values(group, field, a.Length, a.GetValue, ct),
        Int16Array a => Values(group, field, a.Length, a.GetValue, ct),
        Int32Array a => Values(group, field, a.Length, a.GetValue, ct),
        Int64Array a => Values(group, field, a.Length, a.GetValue, ct),
        UInt8Array a => Values(group, field, a.Length, a.GetValue, ct),
        UInt16Array a => Values(group, field, a.Length, a.GetValue, ct),
        UInt32Array a => Values(group, field, a.Length, a.GetValue, ct),
        UInt64Array a => Values(group, field, a.Length, a.GetValue, ct),
        FloatArray a => Values(group, field, a.Length, a.GetValue, ct),
        DoubleArray a => Values(group, field, a.Length, a.GetValue, ct),
        Decimal128Array a => Values(group, field, a.Length, a.GetValue, ct),
        Date32Array a => Values(group, field, a.Length, a.GetDateOnly, ct),
        TimestampArray a => Values(group, field, a.Length, i => a.GetTimestamp(i)?.UtcDateTime, ct),
        StringArray a => group.WriteAsync(field, Enumerable.Range(0, a.Length).Select(i => a.GetString(i)).ToArray(), null),
        BinaryArray a => group.WriteAsync(field, Enumerable.Range(0, a.Length).Select(i => a.IsNull(i) ? null! : a.GetBytes(i).ToArray()).ToArray(), null),
        _ => throw new NotSupportedException($"column {field.Name}: Arrow array {array.GetType().Name} cannot be written as Parquet"),
    };

    private static Task Values<T>(ParquetRowGroupWriter group, DataField field, int length, Func<int, T?> get, CancellationToken ct)
        where T : struct
    {
        if (field.IsNullable)
        {
            var values = new T?[length];
            for (var i = 0; i < length; i++)
            {
                values[i] = get(i);
            }

            return group.WriteAsync<T>(field, values.AsMemory(), null, null, ct);
        }

        var plain = new T[length];
        for (var i = 0; i < length; i++)
        {
            plain[i] = get(i) ?? default;
        }

        return group.WriteAsync<T>(field, plain.AsMemory(), null, null, ct);
    }
}
