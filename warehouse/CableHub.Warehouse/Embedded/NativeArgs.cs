using System.Runtime.InteropServices;
using System.Text;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// Statement text, format name and <c>{name:Type}</c> parameter values as UTF-8 in one native block,
/// laid out for the <c>chdb_*_with_params_n</c> calls. Values travel separately from the SQL text.
/// </summary>
internal unsafe struct NativeArgs : IDisposable
{
    private void* _block;

    public byte* Query;
    public nuint QueryLength;
    public byte* Format;
    public nuint FormatLength;
    public byte** Names;
    public nuint* NameLengths;
    public byte** Values;
    public nuint* ValueLengths;
    public nuint Count;

    public static NativeArgs Create(string query, string format, IReadOnlyList<KeyValuePair<string, string>>? parameters)
    {
        var count = parameters?.Count ?? 0;
        var encoding = Encoding.UTF8;
        var textBytes = encoding.GetByteCount(query) + encoding.GetByteCount(format) + 2;
        for (var i = 0; i < count; i++)
        {
            textBytes += encoding.GetByteCount(parameters![i].Key) + encoding.GetByteCount(parameters[i].Value) + 2;
        }

        var tables = (nuint)(4 * Math.Max(count, 1) * IntPtr.Size);
        var block = (byte*)NativeMemory.Alloc(tables + (nuint)textBytes);
        var args = new NativeArgs
        {
            _block = block,
            Names = (byte**)block,
            Values = (byte**)(block + (Math.Max(count, 1) * IntPtr.Size)),
            NameLengths = (nuint*)(block + (2 * Math.Max(count, 1) * IntPtr.Size)),
            ValueLengths = (nuint*)(block + (3 * Math.Max(count, 1) * IntPtr.Size)),
            Count = (nuint)count,
        };

        var cursor = block + tables;
        var end = block + tables + textBytes;
        args.Query = Put(query, ref cursor, end, out args.QueryLength);
        args.Format = Put(format, ref cursor, end, out args.FormatLength);
        for (var i = 0; i < count; i++)
        {
            args.Names[i] = Put(parameters![i].Key, ref cursor, end, out args.NameLengths[i]);
            args.Values[i] = Put(parameters[i].Value, ref cursor, end, out args.ValueLengths[i]);
        }

        return args;
    }

    public void Dispose()
    {
        if (_block is not null)
        {
            NativeMemory.Free(_block);
            _block = null;
        }
    }

    /// <summary>Writes <paramref name="text"/> NUL-terminated at <paramref name="cursor"/>.</summary>
    private static byte* Put(string text, ref byte* cursor, byte* end, out nuint length)
    {
        var start = cursor;
        var written = Encoding.UTF8.GetBytes(text, new Span<byte>(cursor, (int)(end - cursor)));
        cursor[written] = 0;
        cursor += written + 1;
        length = (nuint)written;
        return start;
    }
}
