using Npgsql;

namespace CableHub.Core.Persistence;

/// <summary>
/// An open connection and the transaction a unit of work runs in. Module command handlers that must commit together
/// (an order with its customer, a completed onboarding) take the caller's session instead of opening their own.
/// </summary>
public readonly record struct DbSession(NpgsqlConnection Connection, NpgsqlTransaction? Transaction);
