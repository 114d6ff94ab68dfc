using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CableHub.Ml.Data;
using CableHub.Ml.Features;
using CableHub.Ml.Reporting;
using CableHub.Ml.Training;
using Microsoft.ML;

namespace CableHub.Ml.Registry;

/// <summary>What the registry keeps about a model version (manifest.json).</summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }
    public required int Version { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string Source { get; init; }

    /// <summary>SHA-256 of the training data (the CSV file, or the exported feature rows).</summary>
    public string? DataSha256 { get; init; }

    public required int Rows { get; init; }
    public required string Label { get; init; }
    public required string PositiveValue { get; init; }
    public required int Seed { get; init; }
    public required string Model { get; init; }
    public required IReadOnlyList<string> Members { get; init; }
    public required double Threshold { get; init; }
    public required RiskBands Bands { get; init; }
    public required double HeldOutAuc { get; init; }

    /// <summary>The input columns the model reads, in order.</summary>
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>Identifier columns of the training data (carried through scoring output, never used as features).</summary>
    public required IReadOnlyList<string> IdColumns { get; init; }

    /// <summary>Columns seen in training but not used, with the reason.</summary>
    public required IReadOnlyList<ColumnProfile> Dropped { get; init; }

    /// <summary>The input schema and its encoding: kinds, levels, fill values, ranges (scoring validates against it).</summary>
    public required FeatureEncoder Encoder { get; init; }

    public string VersionTag => $"v{Version.ToString("0000", CultureInfo.InvariantCulture)}";
}

/// <summary>A model loaded from the registry.</summary>
public sealed record RegisteredModel(ModelManifest Manifest, ChurnModel Model, string Directory);

/// <summary>
/// Versioned models on disk: <c>&lt;root&gt;/&lt;name&gt;/v0001/</c> with <c>manifest.json</c> (schema, features, data
/// hash, threshold, bands), <c>metrics.json</c>, and the ML.NET zips (each member model and its calibrator, the blend
/// calibrator). A version is written to a temporary folder and renamed into place, so a reader never sees half a
/// model; versions are never overwritten.
/// </summary>
public sealed partial class ModelRegistry
{
    private const string ManifestFile = "manifest.json";

    public ModelRegistry(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public RegisteredModel Register(TrainingResult result, string name, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(time);
        if (!ModelName().IsMatch(name))
        {
            throw new ArgumentException($"model name '{name}' must be letters, digits, '-', '_' or '.' (and start with a letter or digit)", nameof(name));
        }

        var modelDirectory = Path.Combine(Root, name);
        Directory.CreateDirectory(modelDirectory);
        var staging = Path.Combine(modelDirectory, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var model = result.Model;
            var featureSchema = MlData.View(model.Context, [new float[model.Encoder.SlotCount]], [false]).Schema;
            var scoreSchema = MlData.Scores(model.Context, [false], [0.0]).Schema;
            for (var m = 0; m < model.Members.Count; m++)
            {
                model.Context.Model.Save(model.Members[m].Model, featureSchema, Path.Combine(staging, $"member-{m}.zip"));
                model.Context.Model.Save(model.Members[m].Calibrator, scoreSchema, Path.Combine(staging, $"member-{m}-calibrator.zip"));
            }

            if (model.BlendCalibrator is not null)
            {
                model.Context.Model.Save(model.BlendCalibrator, scoreSchema, Path.Combine(staging, "blend-calibrator.zip"));
            }

            File.WriteAllText(Path.Combine(staging, "metrics.json"), MetricsDocument.From(result).ToJson());
            for (var attempt = 0; ; attempt++)
            {
                var version = Versions(name).DefaultIfEmpty(0).Max() + 1;
                var manifest = new ModelManifest
                {
                    Name = name,
                    Version = version,
                    CreatedAt = time.GetUtcNow(),
                    Source = result.Source,
                    DataSha256 = result.DataSha256,
                    Rows = result.Rows,
                    Label = result.Label.Column,
                    PositiveValue = result.Label.PositiveValue,
                    Seed = result.Options.Seed,
                    Model = result.Chosen.Name,
                    Members = [.. model.Members.Select(m => m.Name)],
                    Threshold = model.Threshold,
                    Bands = model.Bands,
                    HeldOutAuc = result.Test.Auc,
                    Features = [.. model.Encoder.Columns.Select(c => c.Name)],
                    IdColumns = [.. result.Profiles.Where(p => p.Kind == ColumnKind.Id).Select(p => p.Name)],
                    Dropped = [.. result.Profiles.Where(p => !p.IsFeature)],
                    Encoder = model.Encoder,
                };
                File.WriteAllText(Path.Combine(staging, ManifestFile), JsonSerializer.Serialize(manifest, MetricsDocument.Json));
                var target = Path.Combine(modelDirectory, manifest.VersionTag);
                try
                {
                    Directory.Move(staging, target);
                    return new RegisteredModel(manifest, model, target);
                }
                catch (IOException) when (attempt < 5 && Directory.Exists(target))
                {
                    // Another process registered this version first: take the next number.
                }
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Loads <c>name</c> (latest version), <c>name@3</c> or <c>name@v0003</c>.</summary>
    public RegisteredModel Load(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var (name, version) = Parse(reference);
        var versions = Versions(name).ToList();
        if (versions.Count == 0)
        {
            throw new FileNotFoundException($"no model '{name}' in the registry {Root}");
        }

        var chosen = version ?? versions.Max();
        if (!versions.Contains(chosen))
        {
            throw new FileNotFoundException($"model '{name}' has no version {chosen} (versions: {string.Join(", ", versions.Order())})");
        }

        var directory = Path.Combine(Root, name, $"v{chosen.ToString("0000", CultureInfo.InvariantCulture)}");
        var manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(Path.Combine(directory, ManifestFile)), MetricsDocument.Json)
            ?? throw new InvalidDataException($"{directory}: empty manifest");
        var ml = new MLContext(manifest.Seed);
        var members = new List<ModelMember>();
        for (var m = 0; m < manifest.Members.Count; m++)
        {
            var model = ml.Model.Load(Path.Combine(directory, $"member-{m}.zip"), out _);
            var calibrator = ml.Model.Load(Path.Combine(directory, $"member-{m}-calibrator.zip"), out _);
            members.Add(new ModelMember(manifest.Members[m], model, calibrator));
        }

        var blendPath = Path.Combine(directory, "blend-calibrator.zip");
        var blend = File.Exists(blendPath) ? ml.Model.Load(blendPath, out _) : null;
        return new RegisteredModel(manifest, new ChurnModel(ml, members, blend, manifest.Encoder, manifest.Threshold, manifest.Bands), directory);
    }

    /// <summary>Every registered version's manifest, by name then version.</summary>
    public IReadOnlyList<ModelManifest> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(Root)
            .SelectMany(d => Directory.EnumerateDirectories(d, "v*"))
            .Select(d => Path.Combine(d, ManifestFile))
            .Where(File.Exists)
            .Select(f => JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(f), MetricsDocument.Json)!)
            .OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version)];
    }

    private IEnumerable<int> Versions(string name)
    {
        var directory = Path.Combine(Root, name);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.EnumerateDirectories(directory, "v*")
            .Select(Path.GetFileName)
            .Select(n => int.TryParse(n![1..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
            .Where(v => v > 0);
    }

    private static (string Name, int? Version) Parse(string reference)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return (reference, null);
        }

        var text = reference[(at + 1)..].TrimStart('v', 'V');
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new ArgumentException($"'{reference}': the version after @ must be a number (e.g. churn@3)", nameof(reference));
        }

        return (reference[..at], version);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ModelName();
}
