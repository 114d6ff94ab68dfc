using System.Buffers;

namespace CableHub.Connectors.Edi;

/// <summary>
/// The part of a stream a segment reader is looking at: one pooled buffer that slides forward (bytes before
/// <see cref="Pos"/> are dropped on refill) and doubles when a single segment outgrows it, so input of any size is
/// read without holding it whole. Fields, not properties: the tokenizers index the buffer on their hot path.
/// </summary>
internal sealed class StreamWindow(Stream stream, int bufferSize) : IDisposable
{
    /// <summary>The bytes; valid from 0 to <see cref="End"/>.</summary>
    public byte[] Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1024, bufferSize));

    /// <summary>Start of the bytes not consumed yet.</summary>
    public int Pos;

    /// <summary>End of the valid bytes.</summary>
    public int End;

    /// <summary>Stream offset of <c>Buffer[0]</c>.</summary>
    public long Offset;

    /// <summary>The stream has no more bytes.</summary>
    public bool Eof;

    /// <summary>Reads until at least <paramref name="count"/> bytes from <see cref="Pos"/> are there, or the input ends.</summary>
    public void EnsureAvailable(int count)
    {
        while (End - Pos < count && Fill())
        {
        }
    }

    /// <summary>Reads more input, keeping bytes from <see cref="Pos"/> on; false at end of input.</summary>
    public bool Fill()
    {
        if (Eof)
        {
            return false;
        }

        if (Pos > 0)
        {
            var keep = End - Pos;
            if (keep > 0)
            {
                System.Buffer.BlockCopy(Buffer, Pos, Buffer, 0, keep);
            }

            Offset += Pos;
            End = keep;
            Pos = 0;
        }

        if (End == Buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
            System.Buffer.BlockCopy(Buffer, 0, bigger, 0, End);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = bigger;
        }

        var read = stream.Read(Buffer, End, Buffer.Length - End);
        if (read == 0)
        {
            Eof = true;
            return false;
        }

        End += read;
        return true;
    }

    public void Dispose()
    {
        var buffer = Buffer;
        Buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
