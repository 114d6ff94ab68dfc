using System.Text;

namespace CableHub.Pipelines.Cdc.Schema;

/// <summary>Parses PostgreSQL's text form of a one-dimensional array: <c>{1,2,NULL,"a b","q\"x"}</c>.</summary>
internal static class PgArrayText
{
    public static bool TryParse(string text, out List<string?> elements)
    {
        elements = [];
        var s = text.AsSpan();
        if (s.Length > 0 && s[0] == '[')
        {
            // explicit bounds "[0:2]={…}"
            var eq = s.IndexOf('=');
            if (eq < 0)
            {
                return false;
            }

            s = s[(eq + 1)..];
        }

        if (s.Length < 2 || s[0] != '{' || s[^1] != '}')
        {
            return false;
        }

        s = s[1..^1];
        if (s.IsEmpty)
        {
            return true;
        }

        var i = 0;
        var current = new StringBuilder();
        while (true)
        {
            if (i < s.Length && s[i] == '{')
            {
                return false; // multi-dimensional: not mapped
            }

            current.Clear();
            if (i < s.Length && s[i] == '"')
            {
                i++;
                var closed = false;
                while (i < s.Length)
                {
                    var c = s[i++];
                    if (c == '\\' && i < s.Length)
                    {
                        current.Append(s[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        current.Append(c);
                    }
                }

                if (!closed)
                {
                    return false;
                }

                elements.Add(current.ToString());
            }
            else
            {
                var start = i;
                while (i < s.Length && s[i] != ',')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }

                    current.Append(s[i++]);
                }

                var raw = s[start..i].Trim();
                elements.Add(raw.Equals("NULL", StringComparison.OrdinalIgnoreCase) ? null : current.ToString().Trim());
            }

            if (i >= s.Length)
            {
                return true;
            }

            if (s[i] != ',')
            {
                return false;
            }

            i++;
        }
    }
}
