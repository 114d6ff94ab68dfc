using CableHub.Pipelines.Cdc.Replication;
using Npgsql;
using Npgsql.Replication.PgOutput.Messages;

namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>Builds <see cref="TableSchema"/>s from relation messages and the catalog (types, nullability, primary keys).</summary>
internal sealed class SchemaCatalog(NpgsqlDataSource dataSource, string topicPrefix, IDictionary<string, IReadOnlySet<string>>? allowlist = null)
{
    private readonly Dictionary<uint, PgType> _types = [];

    /// <summary>A streamed relation: columns as the relation message lists them, details from the catalog now.</summary>
    public async Task<TableSchema> FromRelationAsync(RelationMessage relation, CancellationToken cancellationToken)
    {
        var catalog = await ReadColumnsAsync(relation.RelationId, cancellationToken).ConfigureAwait(false);
        var columns = relation.Columns.Select(c => (c.ColumnName, c.DataTypeId, c.TypeModifier)).ToList();
        return await BuildAsync(relation.RelationId, relation.Namespace, relation.RelationName, columns, catalog, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A table read by the snapshot: everything from the catalog.</summary>
    public async Task<TableSchema> FromCatalogAsync(uint relationId, string schema, string table, CancellationToken cancellationToken)
    {
        var catalog = await ReadColumnsAsync(relationId, cancellationToken).ConfigureAwait(false);
        var columns = catalog.Select(c => (c.Name, c.TypeOid, c.TypeModifier)).ToList();
        return await BuildAsync(relationId, schema, table, columns, catalog, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TableSchema> BuildAsync(
        uint relationId, string schema, string table, List<(string Name, uint TypeOid, int TypeModifier)> columns,
        List<CatalogColumn> catalog, CancellationToken cancellationToken)
    {
        await LoadTypesAsync(columns.Select(c => c.TypeOid), cancellationToken).ConfigureAwait(false);
        var byName = catalog.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var result = new List<ColumnSchema>(columns.Count);
        var keys = new List<(long Position, int Index)>();
        var allowed = allowlist is not null && allowlist.TryGetValue(schema + "." + table, out var listed) ? listed : null;
        foreach (var (name, typeOid, typeModifier) in columns)
        {
            byName.TryGetValue(name, out var info);
            var type = _types[typeOid];
            var isKey = info?.KeyPosition is not null;
            if (isKey)
            {
                keys.Add((info!.KeyPosition!.Value, result.Count));
            }

            result.Add(new ColumnSchema(name, type.Name, ColumnCodec.For(type, typeModifier), Optional: !(info?.NotNull ?? false) && !isKey, isKey)
            {
                Excluded = allowed is not null && !isKey && !allowed.Contains(name),
            });
        }

        return new TableSchema(relationId, schema, table, result, topicPrefix, [.. keys.OrderBy(k => k.Position).Select(k => k.Index)]);
    }

    private async Task<List<CatalogColumn>> ReadColumnsAsync(uint relationId, CancellationToken cancellationToken)
    {
        var list = new List<CatalogColumn>();
        await using var cmd = dataSource.CreateCommand(CdcSql.Columns);
        cmd.Parameters.AddWithValue("relid", NpgsqlTypes.NpgsqlDbType.Oid, relationId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new CatalogColumn(
                reader.GetString(0),
                reader.GetFieldValue<uint>(1),
                reader.GetInt32(2),
                reader.GetBoolean(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4)));
        }

        return list;
    }

    /// <summary>Loads (again: enum labels may have changed) the given types, their array elements and domain bases.</summary>
    private async Task LoadTypesAsync(IEnumerable<uint> oids, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<uint, TypeRow>();
        var pending = oids.Distinct().ToArray();
        while (pending.Length > 0)
        {
            await using var cmd = dataSource.CreateCommand(CdcSql.Types);
            cmd.Parameters.AddWithValue("oids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Oid, pending);
            var next = new List<uint>();
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = new TypeRow(
                        reader.GetFieldValue<uint>(0),
                        reader.GetString(1),
                        reader.GetChar(2),
                        reader.GetChar(3),
                        reader.GetFieldValue<uint>(4),
                        reader.GetFieldValue<uint>(5),
                        reader.GetInt32(6),
                        reader.IsDBNull(7) ? null : reader.GetFieldValue<string[]>(7));
                    rows[row.Oid] = row;
                    foreach (var dependency in new[] { row.Category == 'A' ? row.Element : 0u, row.Kind == 'd' ? row.BaseType : 0u })
                    {
                        if (dependency != 0 && !rows.ContainsKey(dependency))
                        {
                            next.Add(dependency);
                        }
                    }
                }
            }

            pending = [.. next.Distinct()];
        }

        foreach (var oid in rows.Keys)
        {
            _types[oid] = Resolve(oid, rows, 0);
        }
    }

    private static PgType Resolve(uint oid, Dictionary<uint, TypeRow> rows, int depth)
    {
        if (!rows.TryGetValue(oid, out var row) || depth > 16)
        {
            return new PgType(oid, "unknown", 'b', null, null);
        }

        if (row.Kind == 'd')
        {
            var baseType = Resolve(row.BaseType, rows, depth + 1);
            return baseType with { Oid = oid, DomainTypeModifier = row.TypeModifier };
        }

        var element = row.Category == 'A' && row.Element != 0 ? Resolve(row.Element, rows, depth + 1) : null;
        return new PgType(oid, row.Name, row.Kind, element, row.Labels);
    }

    private sealed record CatalogColumn(string Name, uint TypeOid, int TypeModifier, bool NotNull, long? KeyPosition);

    private sealed record TypeRow(uint Oid, string Name, char Kind, char Category, uint Element, uint BaseType, int TypeModifier, string[]? Labels);
}
