using CableHub.Core.Persistence;

namespace CableHub.Sagas;

/// <summary>The sagas' own tables (schema <c>sagas</c>), migrated after the modules (journal <c>cablehub_migrations.sagas</c>).</summary>
public static class SagasSchema
{
    public static ModuleMigrations Migrations { get; } = new("sagas", typeof(SagasSchema).Assembly, "CableHub.Sagas.Migrations.");
}
