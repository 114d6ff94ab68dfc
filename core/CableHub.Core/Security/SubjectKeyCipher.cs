using System.Security.Cryptography;
using System.Text;

namespace CableHub.Core.Security;

/// <summary>
/// Envelope encryption per data subject (crypto-shredding): a subject's personal fields are encrypted with a random
/// 256-bit data key of their own (AES-256-GCM); the data key is stored only wrapped by the master key
/// (<see cref="FieldEncryptor"/>). Destroying the wrapped data key makes every copy of the subject's ciphertext —
/// database, change-stream topics, warehouse parts, backups taken after the key was created — unreadable for good.
/// </summary>
/// <remarks>Ciphertext layout: <c>[format=2][nonce 12][tag 16][ciphertext]</c> (format 1 is <see cref="FieldEncryptor"/>'s
/// master-key layout). The subject is not named in the ciphertext: the caller knows whose row it reads.</remarks>
public static class SubjectKeyCipher
{
    public const byte Format = 2;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    /// <summary>A new random data key (32 bytes).</summary>
    public static byte[] NewDataKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The data key wrapped by the master key (what is stored).</summary>
    public static byte[] Wrap(FieldEncryptor master, byte[] dataKey)
    {
        ArgumentNullException.ThrowIfNull(master);
        return master.Encrypt(Convert.ToBase64String(dataKey));
    }

    public static byte[] Unwrap(FieldEncryptor master, byte[] wrapped)
    {
        ArgumentNullException.ThrowIfNull(master);
        var key = Convert.FromBase64String(master.Decrypt(wrapped));
        return key.Length == 32 ? key : throw new CryptographicException("a wrapped data key must hold 32 bytes");
    }

    /// <summary>Whether <paramref name="ciphertext"/> was written under a subject's data key (else under the master key).</summary>
    public static bool IsSubjectCiphertext(ReadOnlySpan<byte> ciphertext) => ciphertext.Length >= HeaderSize && ciphertext[0] == Format;

    public static byte[] Encrypt(byte[] dataKey, string plaintext)
    {
        using var aes = new AesGcm(dataKey, TagSize);
        return Encrypt(aes, plaintext);
    }

    internal static byte[] Encrypt(AesGcm aes, string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[HeaderSize + plain.Length];
        output[0] = Format;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plain, output.AsSpan(HeaderSize), output.AsSpan(1 + NonceSize, TagSize));
        return output;
    }

    public static string Decrypt(byte[] dataKey, byte[] ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (!IsSubjectCiphertext(ciphertext))
        {
            throw new CryptographicException("not a CableHub subject-key ciphertext");
        }

        var plain = new byte[ciphertext.Length - HeaderSize];
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Decrypt(ciphertext.AsSpan(1, NonceSize), ciphertext.AsSpan(HeaderSize), ciphertext.AsSpan(1 + NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }
}

/// <summary>Encrypts several fields of one subject under its data key with one cipher instance (bulk writers such as the demo
/// seed); the output is <see cref="SubjectKeyCipher.Encrypt(byte[], string)"/>'s.</summary>
public sealed class SubjectKeySealer(byte[] dataKey) : IDisposable
{
    private readonly AesGcm _aes = new(dataKey, 16);

    public byte[] Encrypt(string plaintext) => SubjectKeyCipher.Encrypt(_aes, plaintext);

    public void Dispose() => _aes.Dispose();
}
