using System.Security.Cryptography;
using CableHub.Core.Security;

namespace CableHub.Core.Tests;

public sealed class FieldEncryptorTests
{
    private static readonly byte[] KeyA = Enumerable.Repeat((byte)7, 32).ToArray();
    private static readonly byte[] KeyB = Enumerable.Repeat((byte)9, 32).ToArray();

    [Fact]
    public void Round_trips_and_never_stores_the_plaintext()
    {
        var encryptor = FieldEncryptor.FromSingleKey(KeyA);
        var cipher = encryptor.Encrypt("Priya Sharma <priya@example.in>");
        System.Text.Encoding.UTF8.GetString(cipher).ShouldNotContain("Priya");
        encryptor.Decrypt(cipher).ShouldBe("Priya Sharma <priya@example.in>");
        encryptor.Encrypt("same").ShouldNotBe(encryptor.Encrypt("same")); // random nonce
    }

    [Fact]
    public void Tampered_ciphertext_is_refused()
    {
        var encryptor = FieldEncryptor.FromSingleKey(KeyA);
        var cipher = encryptor.Encrypt("secret");
        cipher[^1] ^= 1;
        Should.Throw<CryptographicException>(() => encryptor.Decrypt(cipher));
    }

    [Fact]
    public void Old_ciphertexts_decrypt_after_key_rotation_and_blind_index_stays_stable()
    {
        var before = FieldEncryptor.FromSingleKey(KeyA);
        var cipher = before.Encrypt("old value");
        var rotated = new FieldEncryptor(new Dictionary<byte, byte[]> { [0] = KeyA, [1] = KeyB }, currentKeyId: 1);
        rotated.Decrypt(cipher).ShouldBe("old value");
        rotated.Encrypt("new")[1].ShouldBe((byte)1);
        rotated.BlindIndex(" Priya@Example.in ").ShouldBe(before.BlindIndex("priya@example.in"));
    }

    [Fact]
    public void Wrong_key_length_is_rejected() =>
        Should.Throw<ArgumentException>(() => FieldEncryptor.FromSingleKey(new byte[16]));
}
