using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CableHub.Compliance.Reports.Signing;

/// <summary>The signed manifest written beside an export as <c>&lt;file&gt;.manifest.json</c>.</summary>
public sealed record ExportManifest(
    string File,
    long Bytes,
    string Sha256,
    string Report,
    string Format,
    DateTimeOffset AsOf,
    IReadOnlyDictionary<string, string> Parameters,
    DateTimeOffset GeneratedAt,
    string Actor,
    string KeyId,
    string Signature)
{
    public const string Algorithm = "HMAC-SHA256";
    public const string Suffix = ".manifest.json";
}

/// <summary>What <see cref="ExportSigner.Verify"/> found.</summary>
public sealed record VerifyResult(bool Valid, string Reason, ExportManifest? Manifest);

/// <summary>
/// Signs exports: SHA-256 of the file, and an HMAC-SHA256 (key in the data directory, created on first use, mode 600)
/// over a canonical text of the manifest — file name, length, hash, report, format, as-of, parameters, when, who — so
/// neither the file nor what it claims to be can be changed unnoticed by someone without the key.
/// </summary>
public sealed class ExportSigner
{
    private readonly byte[] _key;

    public ExportSigner(string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        _key = LoadOrCreate(keyPath);
        KeyId = Convert.ToHexStringLower(SHA256.HashData(_key))[..16];
    }

    /// <summary>First 16 hex digits of the key's SHA-256: names the key without revealing it.</summary>
    public string KeyId { get; }

    /// <summary>Hashes <paramref name="path"/> and writes its signed manifest beside it; returns the manifest.</summary>
    public ExportManifest Sign(string path, ReportDocument document, ReportFormat format, string actor, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Sign(path, ReportComplianceNames.Report(document.Report), format.ToString().ToLowerInvariant(), document.AsOf, document.Parameters, actor, generatedAt);
    }

    /// <summary>Signs any export file (report name and format as text): e.g. a data-subject access export.</summary>
    public ExportManifest Sign(string path, string report, string format, DateTimeOffset asOf, IReadOnlyDictionary<string, string> parameters, string actor, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var (sha, bytes) = Hash(path);
        var unsigned = new ExportManifest(Path.GetFileName(path), bytes, sha, report, format,
            asOf, new SortedDictionary<string, string>(parameters.ToDictionary(), StringComparer.Ordinal), generatedAt, actor, KeyId, string.Empty);
        var manifest = unsigned with { Signature = Mac(unsigned) };
        var tmp = path + ExportManifest.Suffix + ".partial";
        System.IO.File.WriteAllText(tmp, ToJson(manifest), new UTF8Encoding(false));
        System.IO.File.Move(tmp, path + ExportManifest.Suffix, overwrite: true);
        return manifest;
    }

    /// <summary>Checks a file against its manifest: length, SHA-256 and the manifest's signature with this key.</summary>
    public VerifyResult Verify(string path)
    {
        var manifestPath = path + ExportManifest.Suffix;
        if (!System.IO.File.Exists(path))
        {
            return new VerifyResult(false, $"{path} does not exist", null);
        }

        if (!System.IO.File.Exists(manifestPath))
        {
            return new VerifyResult(false, $"{manifestPath} does not exist (no signed manifest)", null);
        }

        ExportManifest manifest;
        try
        {
            manifest = FromJson(System.IO.File.ReadAllText(manifestPath));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or NullReferenceException)
        {
            return new VerifyResult(false, $"{manifestPath} is not a manifest: {ex.Message}", null);
        }

        if (manifest.KeyId != KeyId)
        {
            return new VerifyResult(false, $"signed with key {manifest.KeyId}, this data directory has key {KeyId}", manifest);
        }

        if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(manifest.Signature), Convert.FromHexString(Mac(manifest with { Signature = string.Empty }))))
        {
            return new VerifyResult(false, "the manifest's signature does not match its content (manifest altered)", manifest);
        }

        if (manifest.File != Path.GetFileName(path))
        {
            return new VerifyResult(false, $"the manifest is for {manifest.File}, not {Path.GetFileName(path)}", manifest);
        }

        var (sha, bytes) = Hash(path);
        if (bytes != manifest.Bytes || sha != manifest.Sha256)
        {
            return new VerifyResult(false, $"the file changed: {bytes} bytes, SHA-256 {sha}; signed were {manifest.Bytes} bytes, SHA-256 {manifest.Sha256}", manifest);
        }

        return new VerifyResult(true, $"{manifest.File}: {manifest.Bytes} bytes, SHA-256 {manifest.Sha256}, signed by key {manifest.KeyId}, as of {manifest.AsOf.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", manifest);
    }

    public static (string Sha256, long Bytes) Hash(string path)
    {
        using var file = System.IO.File.OpenRead(path);
        return (Convert.ToHexStringLower(SHA256.HashData(file)), file.Length);
    }

    /// <summary>HMAC over one line per field (name=value, parameters sorted by name), UTF-8.</summary>
    private string Mac(ExportManifest m)
    {
        var text = new StringBuilder("cablehub-export-manifest-v1\n");
        void Line(string name, string value) => text.Append(name).Append('=').Append(value.Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        Line("file", m.File);
        Line("bytes", m.Bytes.ToString(CultureInfo.InvariantCulture));
        Line("sha256", m.Sha256);
        Line("report", m.Report);
        Line("format", m.Format);
        Line("as_of", Instant(m.AsOf));
        foreach (var (key, value) in m.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Line("parameter." + key, value);
        }

        Line("generated_at", Instant(m.GeneratedAt));
        Line("actor", m.Actor);
        Line("key_id", m.KeyId);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string ToJson(ExportManifest m)
    {
        var parameters = new JsonObject();
        foreach (var (key, value) in m.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parameters[key] = value;
        }

        var json = new JsonObject
        {
            ["file"] = m.File,
            ["bytes"] = m.Bytes,
            ["sha256"] = m.Sha256,
            ["report"] = m.Report,
            ["format"] = m.Format,
            ["asOf"] = Instant(m.AsOf),
            ["parameters"] = parameters,
            ["generatedAt"] = Instant(m.GeneratedAt),
            ["actor"] = m.Actor,
            ["algorithm"] = ExportManifest.Algorithm,
            ["keyId"] = m.KeyId,
            ["signature"] = m.Signature,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static ExportManifest FromJson(string text)
    {
        var json = JsonNode.Parse(text)!.AsObject();
        static DateTimeOffset At(JsonNode? n) => DateTimeOffset.Parse(n!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var parameters = json["parameters"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
        return new ExportManifest(json["file"]!.GetValue<string>(), json["bytes"]!.GetValue<long>(), json["sha256"]!.GetValue<string>(), json["report"]!.GetValue<string>(),
            json["format"]!.GetValue<string>(), At(json["asOf"]), new SortedDictionary<string, string>(parameters, StringComparer.Ordinal), At(json["generatedAt"]),
            json["actor"]!.GetValue<string>(), json["keyId"]!.GetValue<string>(), json["signature"]!.GetValue<string>());
    }

    private static byte[] LoadOrCreate(string path)
    {
        if (System.IO.File.Exists(path))
        {
            var key = Convert.FromBase64String(System.IO.File.ReadAllText(path).Trim());
            return key.Length >= 32 ? key : throw new InvalidOperationException($"report signing key {path} is shorter than 32 bytes");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = RandomNumberGenerator.GetBytes(32);
        var tmp = path + ".partial";
        using (var file = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(file, new UTF8Encoding(false)))
        {
            writer.Write(Convert.ToBase64String(created));
        }

        try
        {
            System.IO.File.Move(tmp, path, overwrite: false);
        }
        catch (IOException) when (System.IO.File.Exists(path))
        {
            System.IO.File.Delete(tmp); // another process created it first: use theirs
            return LoadOrCreate(path);
        }

        return created;
    }
}

internal static class ReportComplianceNames
{
    public static string Report(ReportKind kind) => ComplianceOptions.Name(kind);
}
