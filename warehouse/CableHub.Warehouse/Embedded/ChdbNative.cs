using System.Runtime.InteropServices;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// The chDB C API (chdb.h of chDB 26.7). "chdb" is resolved to the file given to
/// <see cref="ChdbLibrary.Load"/>. Pointers are raw: ownership lives in the SafeHandles.
/// </summary>
internal static unsafe partial class ChdbNative
{
    internal const string Library = "chdb";

    /// <summary>Layout of <c>chdb_query_analysis_v1</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct QueryAnalysis
    {
        public uint StructSize;
        public uint StatementCount;
        public uint Flags;
        public uint QueryClass;
    }

    [LibraryImport(Library, EntryPoint = "chdb_version")]
    internal static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "chdb_set_signal_handlers_enabled")]
    internal static partial void SetSignalHandlersEnabled(int enabled);

    /// <returns><c>chdb_connection*</c>, or null on failure (the reason goes to the process's stderr).</returns>
    [LibraryImport(Library, EntryPoint = "chdb_connect")]
    internal static partial IntPtr Connect(int argc, byte** argv);

    /// <param name="connection"><c>chdb_connection*</c> as returned by <see cref="Connect"/>.</param>
    [LibraryImport(Library, EntryPoint = "chdb_close_conn")]
    internal static partial void CloseConnection(IntPtr connection);

    [LibraryImport(Library, EntryPoint = "chdb_query_with_params_n")]
    internal static partial IntPtr QueryWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_query_with_params_n")]
    internal static partial IntPtr StreamQueryWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_fetch_result")]
    internal static partial IntPtr StreamFetchResult(IntPtr connection, IntPtr streamResult);

    [LibraryImport(Library, EntryPoint = "chdb_stream_cancel_query")]
    internal static partial void StreamCancelQuery(IntPtr connection, IntPtr streamResult);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_query_result")]
    internal static partial void DestroyQueryResult(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_with_params_n")]
    internal static partial IntPtr StreamInsertWithParams(
        IntPtr connection, byte* query, nuint queryLength, byte* format, nuint formatLength,
        byte** names, nuint* nameLengths, byte** values, nuint* valueLengths, nuint count);

    [LibraryImport(Library, EntryPoint = "chdb_stream_append")]
    internal static partial int StreamAppend(IntPtr insertStream, byte* data, nuint length);

    [LibraryImport(Library, EntryPoint = "chdb_stream_done")]
    internal static partial IntPtr StreamDone(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_stream_cancel_insert")]
    internal static partial void StreamCancelInsert(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_stream_insert_error")]
    internal static partial byte* StreamInsertError(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_destroy_insert_stream")]
    internal static partial void DestroyInsertStream(IntPtr insertStream);

    [LibraryImport(Library, EntryPoint = "chdb_result_buffer")]
    internal static partial byte* ResultBuffer(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_length")]
    internal static partial nuint ResultLength(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_elapsed")]
    internal static partial double ResultElapsed(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_read")]
    internal static partial ulong ResultRowsRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_read")]
    internal static partial ulong ResultBytesRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_storage_rows_read")]
    internal static partial ulong ResultStorageRowsRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_storage_bytes_read")]
    internal static partial ulong ResultStorageBytesRead(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_rows_written")]
    internal static partial ulong ResultRowsWritten(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_bytes_written")]
    internal static partial ulong ResultBytesWritten(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_result_error")]
    internal static partial byte* ResultError(IntPtr result);

    [LibraryImport(Library, EntryPoint = "chdb_classify_query_n")]
    internal static partial int ClassifyQuery(IntPtr connection, byte* sql, nuint sqlLength, byte* targetDatabase, nuint targetDatabaseLength, QueryAnalysis* analysis);

    /// <summary>The <c>chdb_connection</c> a <c>chdb_connection*</c> points to.</summary>
    internal static IntPtr Deref(IntPtr connectionPointer) => *(IntPtr*)connectionPointer;

    internal static string? Utf8(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((IntPtr)text);
}
