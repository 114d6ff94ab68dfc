using System.Security.Cryptography;

namespace CableHub.Host.Composition;

/// <summary>The built-in token server's keys: files readable by the hub's user only, created on first use.</summary>
internal static class TokenKeys
{
    public static RSA LoadOrCreateRsa(string path)
    {
        var rsa = RSA.Create();
        if (File.Exists(path))
        {
            rsa.ImportFromPem(File.ReadAllText(path));
            return rsa;
        }

        rsa.KeySize = 2048;
        Write(path, rsa.ExportPkcs8PrivateKeyPem());
        return rsa;
    }

    public static byte[] LoadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == 32 ? key : throw new InvalidOperationException($"{path}: the token encryption key must be 32 bytes (base64)");
        }

        var created = RandomNumberGenerator.GetBytes(32);
        Write(path, Convert.ToBase64String(created));
        return created;
    }

    private static void Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temp, path, overwrite: false);
    }
}
