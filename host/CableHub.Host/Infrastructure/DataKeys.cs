using System.Security.Cryptography;
using CableHub.Core.Security;
using CableHub.Host.Configuration;

namespace CableHub.Host.Infrastructure;

/// <summary>The field-encryption master key: from configuration, or (dev) a key file created on first run.</summary>
public static class DataKeys
{
    public static FieldEncryptor CreateEncryptor(HubSettings settings, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!string.IsNullOrWhiteSpace(settings.Security.DataKey))
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(settings.Security.DataKey);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException("Security:DataKey is not base64", ex);
            }

            return FieldEncryptor.FromSingleKey(key);
        }

        var path = Path.Combine(settings.DataDirectory, "keys", "field-encryption.key");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            logger.LogWarning("Created a development field-encryption key at {Path}; in production set Security:DataKey from a secret store", path);
        }

        return FieldEncryptor.FromSingleKey(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }
}
