using System.Globalization;
using System.Text.RegularExpressions;

namespace CableHub.Warehouse.Embedded;

/// <summary>
/// An error reported by the chDB engine. <see cref="Exception.Message"/> is ClickHouse's own text
/// (<c>Code: 62. DB::Exception: Syntax error: ... (SYNTAX_ERROR)</c>).
/// </summary>
public sealed partial class ChdbException : Exception
{
    /// <summary>ClickHouse's code for errors that are not ClickHouse exceptions (STD_EXCEPTION).</summary>
    public const int UnknownErrorCode = 1001;

    public ChdbException()
        : this("chDB reported an error without a message")
    {
    }

    public ChdbException(string message)
        : this(message, null)
    {
    }

    public ChdbException(string message, Exception? innerException)
        : base(Normalize(message), innerException)
    {
        var match = CodePattern().Match(base.Message);
        Code = match.Success ? int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : UnknownErrorCode;
        ErrorName = NamePattern().Matches(base.Message).Select(m => m.Groups[1].Value).LastOrDefault(n => n != "version") ?? "STD_EXCEPTION";
    }

    /// <summary>ClickHouse error code (e.g. 62 for SYNTAX_ERROR).</summary>
    public int Code { get; }

    /// <summary>ClickHouse error name (e.g. SYNTAX_ERROR).</summary>
    public string ErrorName { get; }

    private static string Normalize(string message)
    {
        message = message.TrimEnd();
        return CodePattern().IsMatch(message)
            ? message
            : $"Code: {UnknownErrorCode}. DB::Exception: {message}. (STD_EXCEPTION)";
    }

    [GeneratedRegex(@"^Code: (\d+)\.")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"\(([A-Z][A-Z0-9_]+)\)")]
    private static partial Regex NamePattern();
}
