namespace CableHub.Warehouse.Embedded;

/// <summary>Where the embedded ClickHouse engine keeps its data and where it listens.</summary>
/// <param name="DataPath">Persistent data directory (ClickHouse's <c>--path</c>); one process per path.</param>
/// <param name="LibraryPath">
/// Path of <c>libchdb.so</c>; the host passes it (<see cref="ChdbLibrary.DefaultPath"/> is where
/// <c>warehouse/engine/fetch-chdb.sh</c> puts it).
/// </param>
/// <param name="Port">TCP port of the HTTP interface on 127.0.0.1 (ClickHouse's default 8123); 0 picks a free one.</param>
public sealed record EmbeddedClickHouseOptions(string DataPath, string LibraryPath, int Port = 8123);
