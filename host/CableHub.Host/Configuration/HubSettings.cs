using CableHub.Inventory;

namespace CableHub.Host.Configuration;

/// <summary>
/// The hub's configuration (appsettings.json, then CABLEHUB_* environment variables, then
/// <c>--Key=value</c> arguments). An empty external address means "start the embedded stand-in".
/// </summary>
public sealed class HubSettings
{
    /// <summary>Where embedded servers keep their data (git-ignored <c>.data</c> of the working copy by default).</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, ".data");

    /// <summary>Roles this process plays: api, sagas, cdc, ingest. Empty = all.</summary>
    public string Roles { get; set; } = "";

    public PostgresSettings Postgres { get; set; } = new();

    public KafkaSettings Kafka { get; set; } = new();

    public ClickHouseSettings ClickHouse { get; set; } = new();

    public HttpSettings Http { get; set; } = new();

    public SecuritySettings Security { get; set; } = new();

    public AuthenticationSettings Authentication { get; set; } = new();

    public CasSettings Cas { get; set; } = new();

    public DeviceManagementSettings DeviceManagement { get; set; } = new();

    public NotificationsSettings Notifications { get; set; } = new();

    public LifecycleSettings Lifecycle { get; set; } = new();

    public DemoSettings Demo { get; set; } = new();

    public InventorySettings Inventory { get; set; } = new();

    public MartsSettings Marts { get; set; } = new();

    public MlSettings Ml { get; set; } = new();

    public CdcSettings Cdc { get; set; } = new();

    /// <summary>IANA zone reports are expressed in (storage is always UTC).</summary>
    public string ReportingTimeZone { get; set; } = "Asia/Kolkata";

    public bool HasRole(string role) =>
        string.IsNullOrWhiteSpace(Roles) ||
        Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains(role, StringComparer.OrdinalIgnoreCase);
}

public sealed class PostgresSettings
{
    /// <summary>External PostgreSQL; empty starts the embedded cluster.</summary>
    public string ConnectionString { get; set; } = "";

    public EmbeddedPostgresSettings Embedded { get; set; } = new();
}

public sealed class EmbeddedPostgresSettings
{
    public int Port { get; set; } = 55432;

    /// <summary>false turns fsync off (throwaway clusters only).</summary>
    public bool Durable { get; set; } = true;

    /// <summary>Stop the embedded cluster when the hub stops.</summary>
    public bool StopOnExit { get; set; } = true;
}

public sealed class KafkaSettings
{
    /// <summary>External Kafka bootstrap servers; empty hosts the dev-only mock cluster.</summary>
    public string BootstrapServers { get; set; } = "";

    public string TopicPrefix { get; set; } = "cablehub";

    public int Partitions { get; set; } = 12;

    public EmbeddedKafkaSettings Embedded { get; set; } = new();
}

public sealed class EmbeddedKafkaSettings
{
    public int Port { get; set; } = 9092;
}

public sealed class ClickHouseSettings
{
    /// <summary>External ClickHouse (ClickHouse.Driver connection string); empty starts the embedded engine.</summary>
    public string ConnectionString { get; set; } = "";

    public EmbeddedClickHouseSettings Embedded { get; set; } = new();

    /// <summary>
    /// Cluster name (the servers' remote_servers) for ReplicatedReplacingMergeTree + Distributed tables created ON CLUSTER
    /// (needs ClickHouse Keeper); empty = a single node (the embedded engine, a lone server).
    /// </summary>
    public string Cluster { get; set; } = "";
}

/// <summary>The change stream (role <c>cdc</c>).</summary>
public sealed class CdcSettings
{
    /// <summary>
    /// Per-table column allowlist, <c>schema.table</c> → comma-separated columns that may leave PostgreSQL (the primary key
    /// always does); tables not listed stream every column. The defaults keep personal data in the database: encrypted
    /// fields (<c>*_enc</c>), blind indexes (<c>*_hash</c>), postal codes, display names and password hashes never reach
    /// Kafka or the warehouse. The defaults are the owning modules' (<c>StreamedColumns</c> of Customers, Identity, Billing, Tickets: the module
    /// that owns a table decides what of it may leave); a setting replaces a table's default (<c>CABLEHUB_Cdc__ColumnAllowlist__hub.customer=…</c>).
    /// </summary>
    public Dictionary<string, string> ColumnAllowlist { get; set; } = new(
        new[] { Customers.CustomersModule.StreamedColumns, Identity.IdentityModule.StreamedColumns, Billing.BillingModule.StreamedColumns, Tickets.TicketsModule.StreamedColumns }.SelectMany(d => d),
        StringComparer.Ordinal);

    /// <summary>Puts the allowlist on a reader's options as the hub runs it (columns trimmed, empty entries ignored).</summary>
    public void ApplyColumnAllowlist(CableHub.Pipelines.Cdc.CdcReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (table, columns) in ColumnAllowlist)
        {
            options.ColumnAllowlist[table] = columns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        }
    }
}

/// <summary>Incremental mart refresh (role <c>marts</c>; run it in one process only).</summary>
public sealed class MartsSettings
{
    /// <summary>Seconds between refreshes; 0 turns the scheduler off (refresh with <c>marts refresh</c>).</summary>
    public int RefreshSeconds { get; set; } = 60;

    /// <summary>Changes are looked for from the previous watermark minus this (slow or retried ingest batches).</summary>
    public int WatermarkOverlapMinutes { get; set; } = 10;

    /// <summary>Days of the month of the entitlement snapshot (regulator report), comma-separated.</summary>
    public string SnapshotDays { get; set; } = "7,14,21,28";

    /// <summary>Local time (ReportingTimeZone) of the entitlement snapshot, 19:00–23:00.</summary>
    public string SnapshotTime { get; set; } = "21:00";

    /// <summary>Missing snapshots due within this many days are taken (first start, after downtime).</summary>
    public int SnapshotBackfillDays { get; set; } = 35;
}

/// <summary>Churn models (CableHub.Ml): the daily scoring run into <c>marts.fact_churn_score</c> (role <c>marts</c>).</summary>
public sealed class MlSettings
{
    /// <summary>Registered model scored every day (NAME = its latest version, or NAME@VERSION); empty = no daily run (<c>ml score-warehouse</c> by hand).</summary>
    public string DailyScoreModel { get; set; } = "";

    /// <summary>Local time (ReportingTimeZone) of the daily run, HH:mm; a hub down at that time scores when it starts, the same day.</summary>
    public string DailyScoreTime { get; set; } = "02:00";

    /// <summary>Horizon (days) the model was trained for; stored with every score.</summary>
    public int HorizonDays { get; set; } = 60;
}

public sealed class EmbeddedClickHouseSettings
{
    public int Port { get; set; } = 8123;

    /// <summary>libchdb.so; empty uses the launcher's cache (warehouse/engine/fetch-chdb.sh).</summary>
    public string LibraryPath { get; set; } = "";
}

public sealed class HttpSettings
{
    public string Urls { get; set; } = "http://127.0.0.1:8080";
}

public sealed class SecuritySettings
{
    /// <summary>Base64 32-byte master key for field encryption; empty uses (and on first run creates) a key file in the data directory.</summary>
    public string DataKey { get; set; } = "";
}

/// <summary>Who may call the API and how tokens are issued and checked (issue 9; docs/ARCHITECTURE.md "Identity and access").</summary>
public sealed class AuthenticationSettings
{
    /// <summary>An external OIDC issuer (Keycloak, Entra ID, ...): the API validates its tokens and the built-in token server is off. Empty: built-in.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The built-in server's <c>iss</c> (the hub's public base address); empty: the first of <c>Http:Urls</c>.</summary>
    public string Issuer { get; set; } = "";

    public string Audience { get; set; } = "cablehub-api";

    public int AccessTokenMinutes { get; set; } = 15;

    public int RefreshTokenHours { get; set; } = 8;

    /// <summary>PEM RSA key signing tokens; empty: <c>&lt;DataDirectory&gt;/keys/token-signing.pem</c> (created on first run).</summary>
    public string SigningKeyFile { get; set; } = "";

    /// <summary>32-byte key encrypting refresh tokens; empty: <c>&lt;DataDirectory&gt;/keys/token-encryption.key</c> (created on first run).</summary>
    public string EncryptionKeyFile { get; set; } = "";

    /// <summary>Claim of an external issuer's tokens that carries the staff roles.</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>Browser origins allowed to call the API (CORS), comma-separated; empty: none.</summary>
    public string CorsOrigins { get; set; } = "";

    /// <summary>Token, activation and reset requests per minute and source address.</summary>
    public int SignInPermitsPerMinute { get; set; } = 30;

    /// <summary>Largest request body accepted (EDI and CSV uploads have <c>Inventory:MaxUploadMegabytes</c>).</summary>
    public int MaxRequestBodyMegabytes { get; set; } = 64;
}

public sealed class CasSettings
{
    /// <summary><c>simulator</c> (in-process, state in schema cas_sim) or <c>http</c> (the JSON-over-HTTP adapter at <see cref="BaseUrl"/>).</summary>
    public string Mode { get; set; } = "simulator";

    /// <summary>The CAS API for <c>http</c> mode (connectors/CableHub.Connectors.Cas/WIRE-CONTRACT.md).</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Bearer token for the CAS API.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Timeouts, retries, circuit breaker of the CAS adapter (either mode).</summary>
    public CableHub.Connectors.Common.Resilience.ConnectorResilienceOptions Resilience { get; set; } = new();

    /// <summary>The simulated head-end (simulator mode, or the server <c>Simulator:ListenUrl</c> starts).</summary>
    public CasSimulatorSettings Simulator { get; set; } = new();

    /// <summary>Simulated CAS latency before a command takes effect, for demos and crash tests.</summary>
    public int SimulatorLatencyMs { get; set; }

    /// <summary>Simulated delay between a command taking effect and its answer (a crash here leaves an applied command unanswered).</summary>
    public int SimulatorResponseDelayMs { get; set; }
}

public sealed class CasSimulatorSettings
{
    /// <summary>Demo convenience: an activation registers an unknown box. false = a real head-end (unknown boxes refused).</summary>
    public bool RegisterUnknownDevicesOnActivation { get; set; } = true;

    public double ErrorRate { get; set; }

    public double TimeoutRate { get; set; }

    public int Seed { get; set; } = 1;

    /// <summary>Also serve the simulator behind the CAS wire contract here (e.g. <c>http://127.0.0.1:8090</c>), with its /admin switches.</summary>
    public string ListenUrl { get; set; } = "";

    /// <summary>Bearer token the simulator's server demands (empty: none).</summary>
    public string ApiKey { get; set; } = "";
}

public sealed class DemoSettings
{
    /// <summary>Seed demo data into an empty database when the hub starts (<c>up</c> does).</summary>
    public bool SeedWhenEmpty { get; set; } = true;

    public int Subscribers { get; set; } = 1_000;

    public int Channels { get; set; } = 100;

    public int Packages { get; set; } = 10;

    /// <summary>Password of the demo admin <c>admin</c> that <c>up</c> creates on an empty database; empty: a random one, printed.</summary>
    public string AdminPassword { get; set; } = "";

    /// <summary>Password of the demo subscriber (the first demo customer); empty: a random one, printed.</summary>
    public string SubscriberPassword { get; set; } = "";

    /// <summary>Secret of the demo back-office client <c>demo-backoffice</c>; empty: a random one, printed.</summary>
    public string ClientSecret { get; set; } = "";
}

/// <summary>Device management (GenieACS north-bound API). An empty <see cref="BaseUrl"/> starts the embedded GenieACS simulator.</summary>
public sealed class DeviceManagementSettings
{
    /// <summary>A real GenieACS NBI, e.g. <c>http://acs.example.net:7557/</c>; empty = the simulator on loopback.</summary>
    public string BaseUrl { get; set; } = "";

    public string User { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Where the embedded simulator listens (port 0: any free port).</summary>
    public string SimulatorListenUrl { get; set; } = "http://127.0.0.1:0";

    /// <summary>Boxes in the simulator's seeded population (healthy and faulty).</summary>
    public int SimulatorDevices { get; set; } = 200;

    public CableHub.Connectors.Common.Resilience.ConnectorResilienceOptions Resilience { get; set; } = new()
    {
        AttemptTimeout = TimeSpan.FromSeconds(40),
        TotalTimeout = TimeSpan.FromSeconds(90),
    };
}

/// <summary>Subscriber messages. Empty <c>Smtp:Host</c> writes e-mail to <c>{DataDirectory}/mail</c>; empty <c>Sms:BaseUrl</c> starts the SMS provider simulator.</summary>
public sealed class NotificationsSettings
{
    public string DefaultLanguage { get; set; } = "en";

    public CableHub.Connectors.Notifications.Email.SmtpOptions Smtp { get; set; } = new() { Host = "" };

    public CableHub.Connectors.Notifications.Sms.SmsOptions Sms { get; set; } = new();

    /// <summary>Where the embedded SMS provider simulator listens (port 0: any free port).</summary>
    public string SmsSimulatorListenUrl { get; set; } = "http://127.0.0.1:0";
}

/// <summary>Subscriber lifecycle jobs.</summary>
public sealed class LifecycleSettings
{
    /// <summary>Minutes between scheduled CAS reconciliations (api role); 0 turns the job off (use <c>cas reconcile</c>).</summary>
    public int ReconcileMinutes { get; set; } = 60;
}
