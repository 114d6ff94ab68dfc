using CableHub.Core.Persistence;

namespace CableHub.Epg;

/// <summary>The Epg module: its tables (migrations), services and endpoint group.</summary>
public static partial class EpgModule
{
    /// <summary>The module's own SQL migrations (journal <c>cablehub_migrations.epg</c>).</summary>
    public static ModuleMigrations Migrations { get; } = new("epg", typeof(EpgModule).Assembly, "CableHub.Epg.Migrations.");
}
