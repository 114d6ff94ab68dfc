using System.Data;
using Dapper;

namespace CableHub.Billing;

/// <summary>Dapper reads <c>date</c> columns as <see cref="DateOnly"/> (local dates of billing).</summary>
internal static class BillingDapper
{
    private static int _done;

    public static void Ensure()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            SqlMapper.AddTypeHandler(new DateOnlyHandler());
        }
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            parameter.Value = value;
            parameter.DbType = DbType.Date;
        }

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new DataException($"cannot convert {value.GetType()} to DateOnly"),
        };
    }
}
