using System.Text;
using System.Text.RegularExpressions;

namespace CableHub.Warehouse.Embedded.Http;

/// <summary>
/// chDB connections for HTTP requests. A connection carries session state (current database,
/// settings), so idle connections are kept per (database, settings) and configured once; a request
/// with a <c>session_id</c> gets that session's own connection.
/// </summary>
internal sealed partial class ChdbConnectionPool : IDisposable
{
    private const int MaxIdlePerKey = 4;
    private const int MaxIdle = 16;

    private readonly ChdbEngine _engine;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Stack<ChdbConnection>> _idle = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly Timer _sessionReaper;
    private int _idleCount;
    private bool _disposed;

    public ChdbConnectionPool(ChdbEngine engine)
    {
        _engine = engine;
        _sessionReaper = new Timer(_ => ReapSessions(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>A configured connection for one request; dispose to give it back.</summary>
    public Lease Rent(string? database, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var key = Key(database, settings);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.TryGetValue(key, out var stack) && stack.Count > 0)
            {
                _idleCount--;
                return new Lease(this, stack.Pop(), key, null);
            }
        }

        var connection = _engine.OpenConnection();
        try
        {
            Configure(connection, database, settings);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new Lease(this, connection, key, null);
    }

    /// <summary>The connection of HTTP session <paramref name="sessionId"/> (created unless <paramref name="mustExist"/>).</summary>
    /// <exception cref="ChdbException">SESSION_NOT_FOUND or SESSION_IS_LOCKED, or a bad setting/database.</exception>
    public Lease RentSession(string sessionId, TimeSpan timeout, bool mustExist, string? database, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        Session session;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryGetValue(sessionId, out var existing))
            {
                if (mustExist)
                {
                    throw HttpErrors.Error(372, "SESSION_NOT_FOUND", $"Session {sessionId} not found");
                }

                existing = new Session(_engine.OpenConnection());
                _sessions.Add(sessionId, existing);
            }

            if (existing.Busy)
            {
                throw HttpErrors.Error(373, "SESSION_IS_LOCKED", $"Session {sessionId} is locked by a concurrent client");
            }

            existing.Busy = true;
            existing.Timeout = timeout;
            session = existing;
        }

        try
        {
            Configure(session.Connection, database, settings);
        }
        catch
        {
            Release(session);
            throw;
        }

        return new Lease(this, session.Connection, "", session);
    }

    /// <summary>Ends an HTTP session (<c>close_session=1</c>).</summary>
    public void CloseSession(string sessionId)
    {
        ChdbConnection? connection = null;
        lock (_gate)
        {
            if (_sessions.TryGetValue(sessionId, out var session) && !session.Busy)
            {
                _sessions.Remove(sessionId);
                connection = session.Connection;
            }
        }

        connection?.Dispose();
    }

    public void Dispose()
    {
        List<ChdbConnection> connections;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connections = [.. _idle.Values.SelectMany(s => s), .. _sessions.Values.Select(s => s.Connection)];
            _idle.Clear();
            _sessions.Clear();
        }

        _sessionReaper.Dispose();
        foreach (var connection in connections)
        {
            connection.Dispose();
        }
    }

    /// <summary>Settings values travel as <c>{name:Type}</c> parameters (escaped text), never spliced into SQL.</summary>
    internal static string EscapeParameterValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\t\n\r\0") < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\t' => "\\t",
                '\n' => "\\n",
                '\r' => "\\r",
                '\0' => "\\0",
                _ => c.ToString(),
            });
        }

        return sb.ToString();
    }

    private static void Configure(ChdbConnection connection, string? database, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        foreach (var (name, value) in settings)
        {
            if (!SettingName().IsMatch(name))
            {
                throw HttpErrors.Error(115, "UNKNOWN_SETTING", $"Unknown setting '{name}'");
            }

            // The name is a checked identifier; the value is a bound parameter.
#pragma warning disable CA2100
            connection.Execute($"SET {name} = {{value:String}}", [new("value", EscapeParameterValue(value))]);
#pragma warning restore CA2100
        }

        if (!string.IsNullOrEmpty(database))
        {
            connection.Execute("USE {database:Identifier}", [new("database", EscapeParameterValue(database))]);
        }
    }

    private static string Key(string? database, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var sb = new StringBuilder(database ?? "");
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            sb.Append('\u0001').Append(name).Append('\u0002').Append(value);
        }

        return sb.ToString();
    }

    private void Return(ChdbConnection connection, string key, bool reusable)
    {
        lock (_gate)
        {
            if (reusable && !_disposed && !connection.IsDisposed && _idleCount < MaxIdle)
            {
                if (!_idle.TryGetValue(key, out var stack))
                {
                    stack = new Stack<ChdbConnection>();
                    _idle.Add(key, stack);
                }

                if (stack.Count < MaxIdlePerKey)
                {
                    stack.Push(connection);
                    _idleCount++;
                    return;
                }
            }
        }

        connection.Dispose();
    }

    private void Release(Session session)
    {
        lock (_gate)
        {
            session.Busy = false;
            session.LastUsed = Environment.TickCount64;
        }
    }

    private void ReapSessions()
    {
        List<ChdbConnection> expired = [];
        lock (_gate)
        {
            var now = Environment.TickCount64;
            foreach (var (id, session) in _sessions.Where(s => !s.Value.Busy && now - s.Value.LastUsed > (long)s.Value.Timeout.TotalMilliseconds).ToList())
            {
                _sessions.Remove(id);
                expired.Add(session.Connection);
            }
        }

        foreach (var connection in expired)
        {
            connection.Dispose();
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SettingName();

    internal sealed class Session(ChdbConnection connection)
    {
        public ChdbConnection Connection { get; } = connection;

        public bool Busy { get; set; }

        /// <summary>Monotonic milliseconds (<see cref="Environment.TickCount64"/>): idle expiry is a timeout, not a wall-clock time.</summary>
        public long LastUsed { get; set; } = Environment.TickCount64;

        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
    }

    /// <summary>A rented connection. <see cref="Discard"/> when its state may have changed (USE, SET, a broken stream).</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly ChdbConnectionPool _pool;
        private readonly string _key;
        private readonly Session? _session;
        private bool _discard;
        private bool _disposed;

        internal Lease(ChdbConnectionPool pool, ChdbConnection connection, string key, Session? session)
        {
            _pool = pool;
            Connection = connection;
            _key = key;
            _session = session;
        }

        public ChdbConnection Connection { get; }

        public bool IsSession => _session is not null;

        public void Discard() => _discard = true;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_session is not null)
            {
                _pool.Release(_session);
            }
            else
            {
                _pool.Return(Connection, _key, !_discard);
            }
        }
    }
}
