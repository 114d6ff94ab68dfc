namespace CableHub.Host.Configuration;

/// <summary>Loads <see cref="HubSettings"/>: appsettings.json, CABLEHUB_* environment variables, then --Key=value overrides.</summary>
public static class HubConfiguration
{
    public const string EnvironmentPrefix = "CABLEHUB_";

    public static IConfigurationRoot Build(IEnumerable<string> overrides) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(overrides.ToArray())
            .Build();

    public static HubSettings Bind(IConfiguration configuration)
    {
        var settings = new HubSettings();
        configuration.Bind(settings);
        settings.DataDirectory = Path.GetFullPath(settings.DataDirectory);
        return settings;
    }

    public static HubSettings Load(IEnumerable<string> overrides) => Bind(Build(overrides));
}
