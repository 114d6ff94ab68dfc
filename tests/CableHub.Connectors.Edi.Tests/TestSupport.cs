using System.Text;

namespace CableHub.Connectors.Edi.Tests;

internal static class Fixture
{
    public const string NodeX12 = "x12-856/node-x12_856_v4060_S-O-I.edi";
    public const string Crossdock = "x12-856/ediengine_856_Crossdock_multi-order_S-O-P-I_MAN-GM_REF-SE.edi";
    public const string CrossdockExpectedJson = "x12-856/ediengine_856_Crossdock_expected-parse.json";
    public const string Stupidedi = "x12-856/stupidedi_856_v2001_FAIL_bang-segterm_S-T-I-P_REF-LS_2tx.edi";
    public const string ControlNumbersMismatch = "x12-envelope-errors/ediengine_940_ControlNumbersMismatch.edi";
    public const string WrongGroupsAndTranCount = "x12-envelope-errors/ediengine_940_WrongGroupsAndTranCount.edi";
    public const string NonEdi = "x12-envelope-errors/ediengine_NonEdi.edi";

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    public static Stream Open(string name) => new MemoryStream(Bytes(name), writable: false);
}

/// <summary>A read-only, non-seekable stream that hands out data in small, varying pieces (buffer-boundary cases).</summary>
internal sealed class TrickleStream(byte[] data, int seed = 7, int maxChunk = 7) : Stream
{
    private readonly Random _random = new(seed);
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, _random.Next(1, maxChunk + 1)), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal static class Text
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static Stream Stream(string text) => new MemoryStream(Bytes(text), writable: false);
}
