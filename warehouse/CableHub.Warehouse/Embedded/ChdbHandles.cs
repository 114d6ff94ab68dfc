using Microsoft.Win32.SafeHandles;

namespace CableHub.Warehouse.Embedded;

/// <summary>A <c>chdb_connection*</c>; released with <c>chdb_close_conn</c>.</summary>
internal sealed class ChdbConnectionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ChdbConnectionHandle()
        : base(ownsHandle: true)
    {
    }

    internal static ChdbConnectionHandle FromPointer(IntPtr pointer)
    {
        var handle = new ChdbConnectionHandle();
        handle.SetHandle(pointer);
        return handle;
    }

    protected override bool ReleaseHandle()
    {
        ChdbNative.CloseConnection(handle);
        return true;
    }
}

/// <summary>A <c>chdb_result*</c> (materialized result, stream handle or stream chunk); released with <c>chdb_destroy_query_result</c>.</summary>
internal sealed class ChdbResultHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ChdbResultHandle()
        : base(ownsHandle: true)
    {
    }

    internal static ChdbResultHandle FromPointer(IntPtr pointer)
    {
        var handle = new ChdbResultHandle();
        handle.SetHandle(pointer);
        return handle;
    }

    protected override bool ReleaseHandle()
    {
        ChdbNative.DestroyQueryResult(handle);
        return true;
    }
}

/// <summary>A <c>chdb_insert_stream</c>; released with <c>chdb_destroy_insert_stream</c> (which cancels an unfinished insert).</summary>
internal sealed class ChdbInsertStreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ChdbInsertStreamHandle()
        : base(ownsHandle: true)
    {
    }

    internal static ChdbInsertStreamHandle FromPointer(IntPtr pointer)
    {
        var handle = new ChdbInsertStreamHandle();
        handle.SetHandle(pointer);
        return handle;
    }

    protected override bool ReleaseHandle()
    {
        ChdbNative.DestroyInsertStream(handle);
        return true;
    }
}
