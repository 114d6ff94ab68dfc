using System.Text;
using CableHub.Pipelines.Cdc.Schema;
using Npgsql;

namespace CableHub.Pipelines.Cdc;

/// <summary>A captured table as its change events will describe it (before any event was produced).</summary>
/// <param name="EnvelopeSchemaJson">The Kafka Connect schema of the table's envelopes (<c>before</c>/<c>after</c> row structs, source, op…).</param>
/// <param name="KeyColumns">Primary-key columns, in key order.</param>
public sealed record PublishedTable(string Schema, string Table, string Topic, string EnvelopeSchemaJson, IReadOnlyList<string> KeyColumns);

/// <summary>
/// Describes the tables the CDC reader captures, from the catalog, with the same type mapping as the events. Lets a
/// warehouse create its tables (and the views over them) before the first event of a table arrives — an empty table
/// produces no event at all.
/// </summary>
public static class PublishedTables
{
    private const string TablesInSchemas =
        "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
        "WHERE n.nspname = ANY(@schemas) AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 2, 3";

    public static async Task<IReadOnlyList<PublishedTable>> DescribeAsync(CdcReaderOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var tables = new List<(uint Oid, string Schema, string Table)>();
        await using (var conn = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        await using (var cmd = new NpgsqlCommand(TablesInSchemas, conn))
        {
            cmd.Parameters.AddWithValue("schemas", options.Schemas.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add((reader.GetFieldValue<uint>(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        var catalog = new SchemaCatalog(dataSource, options.TopicPrefix, options.ColumnAllowlist);
        var result = new List<PublishedTable>(tables.Count);
        foreach (var (oid, schema, table) in tables)
        {
            var described = await catalog.FromCatalogAsync(oid, schema, table, cancellationToken).ConfigureAwait(false);
            result.Add(new PublishedTable(
                described.Schema,
                described.Table,
                described.Topic,
                Encoding.UTF8.GetString(described.EnvelopeSchemaJson),
                [.. described.KeyIndexes.Select(i => described.Columns[i].Name)]));
        }

        return result;
    }
}
