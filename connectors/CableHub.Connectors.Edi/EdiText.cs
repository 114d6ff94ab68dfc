using System.Globalization;
using System.Text;

namespace CableHub.Connectors.Edi;

/// <summary>Input bytes shown in messages: never raw, so a broken separator or binary input cannot garble a terminal or a log.</summary>
internal static class EdiText
{
    /// <summary>Printable ASCII as is; CR, LF, tab, backslash and <paramref name="quote"/> as C escapes (\r, \"); any other byte as \xNN. Longer input ends with "…".</summary>
    public static string Escape(ReadOnlySpan<byte> bytes, int max = int.MaxValue, char? quote = null)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, max) + 8);
        foreach (var b in bytes[..Math.Min(bytes.Length, max)])
        {
            switch (b)
            {
                case (byte)'\r':
                    text.Append(@"\r");
                    break;
                case (byte)'\n':
                    text.Append(@"\n");
                    break;
                case (byte)'\t':
                    text.Append(@"\t");
                    break;
                case (byte)'\\':
                    text.Append(@"\\");
                    break;
                case >= 0x20 and < 0x7F when b == quote:
                    text.Append('\\').Append((char)b);
                    break;
                case >= 0x20 and < 0x7F:
                    text.Append((char)b);
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
                    break;
            }
        }

        if (bytes.Length > max)
        {
            text.Append('…');
        }

        return text.ToString();
    }

    /// <summary>Whether every byte is printable ASCII (a well-formed segment id or tag).</summary>
    public static bool IsPrintable(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);

    /// <summary>A segment id or tag for messages: decoded when it is printable ASCII, else escaped.</summary>
    public static string Id(ReadOnlySpan<byte> bytes, Encoding encoding) => IsPrintable(bytes) ? encoding.GetString(bytes) : Escape(bytes);
}
