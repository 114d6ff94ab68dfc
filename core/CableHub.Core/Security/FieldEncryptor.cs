using System.Security.Cryptography;
using System.Text;

namespace CableHub.Core.Security;

/// <summary>
/// Encrypts sensitive personal data field by field before it is stored (AES-256-GCM) and computes
/// keyed blind indexes (HMAC-SHA256) for exact-match lookups. Keys are derived with HKDF from master
/// keys the host reads from configuration; every ciphertext names its key id so keys can be rotated.
/// </summary>
/// <remarks>Ciphertext layout: <c>[format=1][key id][nonce 12][tag 16][ciphertext]</c>.</remarks>
public sealed class FieldEncryptor
{
    private const byte Format = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 2 + NonceSize + TagSize;

    private readonly Dictionary<byte, byte[]> _encryptionKeys;
    private readonly byte[] _indexKey;
    private readonly byte _currentKeyId;

    /// <param name="masterKeys">Master keys (32 bytes each) by key id; old ids stay for decryption.</param>
    /// <param name="currentKeyId">The key id new values are encrypted with; its key also derives the blind-index key.</param>
    public FieldEncryptor(IReadOnlyDictionary<byte, byte[]> masterKeys, byte currentKeyId)
    {
        ArgumentNullException.ThrowIfNull(masterKeys);
        if (!masterKeys.TryGetValue(currentKeyId, out var current))
        {
            throw new ArgumentException($"no master key with id {currentKeyId}", nameof(currentKeyId));
        }

        foreach (var (id, key) in masterKeys)
        {
            if (key.Length != 32)
            {
                throw new ArgumentException($"master key {id} must be 32 bytes, got {key.Length}", nameof(masterKeys));
            }
        }

        _encryptionKeys = masterKeys.ToDictionary(kv => kv.Key, kv => Derive(kv.Value, "cablehub/field-encryption/v1"));
        // The blind index must stay stable across key rotation, so it is derived from key id 0 when present.
        _indexKey = Derive(masterKeys.TryGetValue(0, out var first) ? first : current, "cablehub/blind-index/v1");
        _currentKeyId = currentKeyId;
    }

    /// <summary>One master key with id 0 (the usual case).</summary>
    public static FieldEncryptor FromSingleKey(byte[] masterKey) => new(new Dictionary<byte, byte[]> { [0] = masterKey }, 0);

    public byte[] Encrypt(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[HeaderSize + plain.Length];
        output[0] = Format;
        output[1] = _currentKeyId;
        var nonce = output.AsSpan(2, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKeys[_currentKeyId], TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(HeaderSize), output.AsSpan(2 + NonceSize, TagSize));
        return output;
    }

    public string Decrypt(byte[] ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        if (ciphertext.Length < HeaderSize || ciphertext[0] != Format)
        {
            throw new CryptographicException("not a CableHub field ciphertext");
        }

        if (!_encryptionKeys.TryGetValue(ciphertext[1], out var key))
        {
            throw new CryptographicException($"no key with id {ciphertext[1]} is configured");
        }

        var plain = new byte[ciphertext.Length - HeaderSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(ciphertext.AsSpan(2, NonceSize), ciphertext.AsSpan(HeaderSize), ciphertext.AsSpan(2 + NonceSize, TagSize), plain);
        return Encoding.UTF8.GetString(plain);
    }

    public byte[]? EncryptOptional(string? plaintext) => plaintext is null ? null : Encrypt(plaintext);

    public string? DecryptOptional(byte[]? ciphertext) => ciphertext is null ? null : Decrypt(ciphertext);

    /// <summary>Keyed hash of a normalised value (trimmed, lower-case) for exact-match lookups.</summary>
    public byte[] BlindIndex(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return HMACSHA256.HashData(_indexKey, Encoding.UTF8.GetBytes(value.Trim().ToUpperInvariant()));
    }

    private static byte[] Derive(byte[] master, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Encoding.UTF8.GetBytes(purpose));
}
