using System.Text;

namespace CableHub.Warehouse.Sql;

/// <summary>How an INSERT's text and its data are separated (see <see cref="ClickHouseSqlScanner.FindInsertData"/>).</summary>
public enum InsertDataKind
{
    /// <summary>The text seen so far ends before it can be decided; read more.</summary>
    NeedMore,

    /// <summary>Not an INSERT that carries data (a SELECT, DDL, INSERT ... SELECT, ...).</summary>
    None,

    /// <summary>An INSERT whose data follows FORMAT &lt;name&gt; or VALUES.</summary>
    Data,
}

/// <summary>Where an INSERT statement ends and its data begins.</summary>
/// <param name="Kind">Whether the text is an INSERT with data.</param>
/// <param name="StatementLength">Bytes of the statement proper (up to, not including, FORMAT/VALUES).</param>
/// <param name="Format">Input format of the data (<c>Values</c> for VALUES).</param>
/// <param name="DataStart">Offset of the first data byte.</param>
public readonly record struct InsertDataSplit(InsertDataKind Kind, int StatementLength = 0, string Format = "", int DataStart = 0);

/// <summary>One statement of a SQL script.</summary>
/// <param name="Text">The statement without the terminating semicolon.</param>
/// <param name="Line">1-based line where it starts.</param>
public readonly record struct SqlStatement(string Text, int Line);

/// <summary>
/// A small lexer for ClickHouse SQL (quotes, comments, heredocs, brackets): enough to split a script
/// into statements, find a query's output FORMAT, and find where an INSERT's data begins, without
/// ever turning data into SQL text.
/// </summary>
public static class ClickHouseSqlScanner
{
    private enum Kind
    {
        Word,
        QuotedName,
        Literal,
        Punct,
        End,
        Incomplete,
    }

    private readonly record struct Token(Kind Kind, int Start, int End);

    /// <summary>
    /// Decides whether <paramref name="text"/> (UTF-8; possibly only the first part of it) starts with an
    /// INSERT that carries data after <c>FORMAT name</c> or <c>VALUES</c>, and where that data begins:
    /// after FORMAT's name, blanks and one line break are skipped (as ClickHouse does); after VALUES,
    /// nothing is.
    /// </summary>
    /// <param name="complete">true when <paramref name="text"/> is the whole input.</param>
    public static InsertDataSplit FindInsertData(ReadOnlySpan<byte> text, bool complete)
    {
        var pos = 0;
        var first = Next(text, ref pos, complete);
        if (first.Kind == Kind.Incomplete)
        {
            return new(InsertDataKind.NeedMore);
        }

        if (!IsWord(text, first, "INSERT"))
        {
            return new(InsertDataKind.None);
        }

        var depth = 0;
        var sawSelect = false;
        var previous = first;
        while (true)
        {
            var token = Next(text, ref pos, complete);
            switch (token.Kind)
            {
                case Kind.Incomplete:
                    return new(InsertDataKind.NeedMore);
                case Kind.End:
                    return new(InsertDataKind.None);
                case Kind.Punct:
                    var c = text[token.Start];
                    if (c is (byte)'(' or (byte)'[')
                    {
                        depth++;
                    }
                    else if (c is (byte)')' or (byte)']')
                    {
                        depth--;
                    }
                    else if (c == (byte)';' && depth <= 0)
                    {
                        return new(InsertDataKind.None);
                    }

                    break;
                case Kind.Word when depth == 0:
                    if (IsWord(text, token, "SELECT") || IsWord(text, token, "WITH"))
                    {
                        sawSelect = true;
                    }
                    else if (!sawSelect && IsWord(text, token, "VALUES"))
                    {
                        return new(InsertDataKind.Data, token.Start, "Values", token.End);
                    }
                    else if (IsWord(text, token, "FORMAT") && !NamesAnObject(text, previous))
                    {
                        var name = Next(text, ref pos, complete);
                        if (name.Kind == Kind.Incomplete)
                        {
                            return new(InsertDataKind.NeedMore);
                        }

                        if (name.Kind is not (Kind.Word or Kind.QuotedName))
                        {
                            return new(InsertDataKind.None);
                        }

                        var data = name.End;
                        while (data < text.Length && text[data] is (byte)' ' or (byte)'\t' or (byte)'\f')
                        {
                            data++;
                        }

                        if (data < text.Length && text[data] == (byte)'\r')
                        {
                            data++;
                        }

                        if (data < text.Length && text[data] == (byte)'\n')
                        {
                            data++;
                        }
                        else if (data == text.Length && !complete)
                        {
                            return new(InsertDataKind.NeedMore);
                        }

                        return new(InsertDataKind.Data, token.Start, Unquote(text, name), data);
                    }

                    break;
            }

            previous = token;
        }
    }

    /// <summary>
    /// The output format a query names with a trailing <c>FORMAT name</c> (optionally followed by
    /// SETTINGS or a semicolon), or null.
    /// </summary>
    public static string? FindOutputFormat(string sql)
    {
        var text = Encoding.UTF8.GetBytes(sql).AsSpan();
        var pos = 0;
        var depth = 0;
        string? format = null;
        var previous = new Token(Kind.End, 0, 0);
        while (true)
        {
            var token = Next(text, ref pos, complete: true);
            if (token.Kind is Kind.End or Kind.Incomplete)
            {
                return format;
            }

            if (token.Kind == Kind.Punct)
            {
                var c = text[token.Start];
                depth += c is (byte)'(' or (byte)'[' ? 1 : c is (byte)')' or (byte)']' ? -1 : 0;
            }
            else if (token.Kind == Kind.Word && depth == 0 && IsWord(text, token, "FORMAT") && !NamesAnObject(text, previous))
            {
                var after = pos;
                var name = Next(text, ref after, complete: true);
                if (name.Kind is Kind.Word or Kind.QuotedName)
                {
                    var probe = after;
                    var follower = Next(text, ref probe, complete: true);
                    if (follower.Kind == Kind.End
                        || (follower.Kind == Kind.Punct && text[follower.Start] == (byte)';')
                        || (follower.Kind == Kind.Word && IsWord(text, follower, "SETTINGS")))
                    {
                        format = Unquote(text, name);
                    }
                }
            }

            previous = token;
        }
    }

    /// <summary>Splits a script into statements at semicolons outside quotes and comments.</summary>
    /// <exception cref="FormatException">A string, quoted name or comment is not closed (message names the line).</exception>
    public static IReadOnlyList<SqlStatement> SplitStatements(string script)
    {
        var text = Encoding.UTF8.GetBytes(script).AsSpan();
        var statements = new List<SqlStatement>();
        var pos = 0;
        var start = -1;
        var end = -1;
        while (true)
        {
            var token = Next(text, ref pos, complete: true);
            if (token.Kind == Kind.Incomplete)
            {
                throw new FormatException($"line {LineOf(text, token.Start)}: unterminated {Describe(text[token.Start])}");
            }

            var isEnd = token.Kind == Kind.End;
            if (isEnd || (token.Kind == Kind.Punct && text[token.Start] == (byte)';'))
            {
                if (start >= 0)
                {
                    statements.Add(new SqlStatement(Encoding.UTF8.GetString(text[start..end]), LineOf(text, start)));
                }

                start = -1;
                if (isEnd)
                {
                    return statements;
                }

                continue;
            }

            if (start < 0)
            {
                start = token.Start;
            }

            end = token.End;
        }
    }

    private static string Describe(byte opener) => opener switch
    {
        (byte)'\'' => "string literal",
        (byte)'"' or (byte)'`' => "quoted name",
        (byte)'$' => "heredoc",
        _ => "comment",
    };

    private static int LineOf(ReadOnlySpan<byte> text, int offset) => text[..offset].Count((byte)'\n') + 1;

    /// <summary>FORMAT right after INTO/TABLE/FUNCTION or a dot is a table or column called "format".</summary>
    private static bool NamesAnObject(ReadOnlySpan<byte> text, Token previous) =>
        (previous.Kind == Kind.Punct && text[previous.Start] == (byte)'.')
        || (previous.Kind == Kind.Word && (IsWord(text, previous, "INTO") || IsWord(text, previous, "TABLE") || IsWord(text, previous, "FUNCTION")));

    private static bool IsWord(ReadOnlySpan<byte> text, Token token, string word) =>
        token.Kind == Kind.Word && token.End - token.Start == word.Length && Ascii.EqualsIgnoreCase(text[token.Start..token.End], word);

    private static string Unquote(ReadOnlySpan<byte> text, Token token) =>
        token.Kind == Kind.QuotedName
            ? Encoding.UTF8.GetString(text[(token.Start + 1)..(token.End - 1)])
            : Encoding.UTF8.GetString(text[token.Start..token.End]);

    private static bool IsWordByte(byte b) => b == (byte)'_' || char.IsAsciiLetterOrDigit((char)b) || b >= 0x80;

    /// <summary>The next token after blanks and comments; Incomplete when the text ends inside one (and is not complete).</summary>
    private static Token Next(ReadOnlySpan<byte> text, ref int pos, bool complete)
    {
        while (pos < text.Length)
        {
            var c = text[pos];
            if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v')
            {
                pos++;
                continue;
            }

            var start = pos;
            if ((c == (byte)'-' && At(text, pos + 1, (byte)'-')) || c == (byte)'#')
            {
                var newline = text[pos..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    pos = text.Length;
                    return complete ? new Token(Kind.End, pos, pos) : new Token(Kind.Incomplete, start, pos);
                }

                pos += newline + 1;
                continue;
            }

            if (c == (byte)'/' && At(text, pos + 1, (byte)'*'))
            {
                // ClickHouse allows nested block comments.
                var nesting = 0;
                var i = pos;
                while (i < text.Length)
                {
                    if (text[i] == (byte)'/' && At(text, i + 1, (byte)'*'))
                    {
                        nesting++;
                        i += 2;
                    }
                    else if (text[i] == (byte)'*' && At(text, i + 1, (byte)'/'))
                    {
                        nesting--;
                        i += 2;
                        if (nesting == 0)
                        {
                            break;
                        }
                    }
                    else
                    {
                        i++;
                    }
                }

                if (nesting != 0)
                {
                    return new Token(Kind.Incomplete, start, text.Length);
                }

                pos = i;
                continue;
            }

            if (c is (byte)'\'' or (byte)'"' or (byte)'`')
            {
                var i = pos + 1;
                while (i < text.Length)
                {
                    if (text[i] == (byte)'\\')
                    {
                        i += 2;
                    }
                    else if (text[i] == c)
                    {
                        if (At(text, i + 1, c))
                        {
                            i += 2;
                        }
                        else
                        {
                            break;
                        }
                    }
                    else
                    {
                        i++;
                    }
                }

                if (i >= text.Length)
                {
                    return new Token(Kind.Incomplete, start, text.Length);
                }

                pos = i + 1;
                return new Token(c == (byte)'\'' ? Kind.Literal : Kind.QuotedName, start, pos);
            }

            if (c == (byte)'$')
            {
                var tagEnd = pos + 1;
                while (tagEnd < text.Length && IsWordByte(text[tagEnd]) && text[tagEnd] < 0x80)
                {
                    tagEnd++;
                }

                if (tagEnd < text.Length && text[tagEnd] == (byte)'$')
                {
                    var tag = text[pos..(tagEnd + 1)];
                    var close = text[(tagEnd + 1)..].IndexOf(tag);
                    if (close < 0)
                    {
                        return new Token(Kind.Incomplete, start, text.Length);
                    }

                    pos = tagEnd + 1 + close + tag.Length;
                    return new Token(Kind.Literal, start, pos);
                }

                if (tagEnd == text.Length && !complete)
                {
                    return new Token(Kind.Incomplete, start, text.Length);
                }
            }

            if (IsWordByte(c))
            {
                while (pos < text.Length && IsWordByte(text[pos]))
                {
                    pos++;
                }

                return pos == text.Length && !complete
                    ? new Token(Kind.Incomplete, start, pos)
                    : new Token(Kind.Word, start, pos);
            }

            pos++;
            return new Token(Kind.Punct, start, pos);
        }

        return complete ? new Token(Kind.End, pos, pos) : new Token(Kind.Incomplete, pos, pos);
    }

    private static bool At(ReadOnlySpan<byte> text, int index, byte value) => index < text.Length && text[index] == value;
}
