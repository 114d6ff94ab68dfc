namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>What the catalog says about a column type (pg_type), domains resolved to their base type.</summary>
/// <param name="Oid">The type's oid.</param>
/// <param name="Name">pg_type.typname (of the base type for domains), e.g. <c>int4</c>, <c>_text</c>, <c>my_enum</c>.</param>
/// <param name="Kind">pg_type.typtype: b base, e enum, c composite, d domain (resolved), r range, m multirange, p pseudo.</param>
/// <param name="Element">The element type of an array, else null.</param>
/// <param name="EnumLabels">Enum labels in sort order, else null.</param>
/// <param name="DomainTypeModifier">A domain's typmod over its base type (-1 none).</param>
internal sealed record PgType(uint Oid, string Name, char Kind, PgType? Element, IReadOnlyList<string>? EnumLabels, int DomainTypeModifier = -1)
{
    public bool IsArray => Element is not null;
}
