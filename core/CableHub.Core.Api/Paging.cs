using System.Globalization;
using CableHub.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace CableHub.Core.Api;

/// <summary>A page request (<c>?offset=&amp;limit=</c>), applied in SQL (<c>OFFSET … LIMIT …</c>), never in memory.</summary>
public readonly record struct PageRequest(int Offset, int Limit)
{
    /// <summary>Reads <c>offset</c> (≥ 0) and <c>limit</c> (1..<paramref name="maxLimit"/>); a bad value is a 400 naming the parameter.</summary>
    public static PageRequest From(HttpContext http, int defaultLimit = 100, int maxLimit = 1000)
    {
        ArgumentNullException.ThrowIfNull(http);
        var errors = new RequestErrors();
        var offset = Read(http, "offset", 0, 0, int.MaxValue, errors);
        var limit = Read(http, "limit", defaultLimit, 1, maxLimit, errors);
        errors.ThrowIfAny();
        return new PageRequest(offset, limit);
    }

    private static int Read(HttpContext http, string name, int fallback, int min, int max, RequestErrors errors)
    {
        var text = http.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            errors.Add(name, $"must be a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }
}

/// <summary>One page of results and the total that matched (X-Total-Count / X-Result-Count headers).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total)
{
    /// <summary>Sets <c>X-Total-Count</c> and <c>X-Result-Count</c> and returns the items.</summary>
    public IReadOnlyList<T> WriteHeaders(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers["X-Total-Count"] = Total.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Result-Count"] = Items.Count.ToString(CultureInfo.InvariantCulture);
        return Items;
    }
}
