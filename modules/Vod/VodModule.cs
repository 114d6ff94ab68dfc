using CableHub.Core.Persistence;

namespace CableHub.Vod;

/// <summary>The Vod module: its tables (migrations), services and endpoint group.</summary>
public static partial class VodModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.vod</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("vod", typeof(VodModule).Assembly, "CableHub.Vod.Migrations.");
}
