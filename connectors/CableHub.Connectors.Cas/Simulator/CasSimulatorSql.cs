namespace CableHub.Connectors.Cas.Simulator;

/// <summary>SQL of the simulated CAS (schema <c>cas_sim</c>; migrations <c>0001_cas_sim.sql</c>, <c>0002_head_end.sql</c>).</summary>
internal static class CasSimulatorSql
{
    /// <summary>Migrations in order: (version, script).</summary>
    public static IReadOnlyList<(int Version, string Script)> Migrations { get; } =
    [
        (1, LoadResource("0001_cas_sim.sql")),
        (2, LoadResource("0002_head_end.sql")),
    ];

    public const string VersionTable =
        """
        CREATE SCHEMA IF NOT EXISTS cas_sim;
        CREATE TABLE IF NOT EXISTS cas_sim.schema_version (
            version     int PRIMARY KEY,
            applied_at  timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        """;

    public const string AppliedVersions = "SELECT version FROM cas_sim.schema_version";

    public const string RecordVersion = "INSERT INTO cas_sim.schema_version (version) VALUES (@version)";

    private const string LogColumns =
        "id, idempotency_key, kind, cas_device_id, smart_card_number, product_ids, received_at, outcome, rejection_reason, vendor_reference, original_id, target_kind, rejection_code";

    public const string LockKey = "SELECT pg_advisory_xact_lock(hashtext('cas_sim:' || @key))";

    public const string SelectFirstByKey =
        $"SELECT {LogColumns} FROM cas_sim.command_log WHERE idempotency_key = @key AND outcome <> 'duplicate'";

    public const string SelectLog =
        $"SELECT {LogColumns} FROM cas_sim.command_log WHERE (@device::text IS NULL OR cas_device_id = @device) ORDER BY id";

    public const string SelectDeviceForUpdate =
        "SELECT cas_device_id, state, smart_card_number FROM cas_sim.device WHERE cas_device_id = @device FOR UPDATE";

    public const string SelectDeviceOfCardForUpdate =
        "SELECT cas_device_id, state, smart_card_number FROM cas_sim.device WHERE smart_card_number = @card FOR UPDATE";

    public const string SelectDevice =
        """
        SELECT d.cas_device_id, d.smart_card_number, d.state,
               coalesce(array_agg(e.product_id ORDER BY e.product_id) FILTER (WHERE e.product_id IS NOT NULL), '{}') AS products
        FROM cas_sim.device d LEFT JOIN cas_sim.entitlement e ON e.cas_device_id = d.cas_device_id
        WHERE d.cas_device_id = @device
        GROUP BY d.cas_device_id, d.smart_card_number, d.state
        """;

    private const string SnapshotSelect =
        """
        SELECT d.cas_device_id, d.state, d.smart_card_number, d.paired_at, d.updated_at,
               coalesce(jsonb_agg(jsonb_build_object(
                   'productId', e.product_id,
                   'validFrom', coalesce(e.valid_from, e.granted_at),
                   'validTo', e.valid_to) ORDER BY e.product_id) FILTER (WHERE e.product_id IS NOT NULL), '[]'::jsonb)::text AS products
        FROM cas_sim.device d LEFT JOIN cas_sim.entitlement e ON e.cas_device_id = d.cas_device_id
        """;

    public const string SelectSnapshot =
        $"""
        {SnapshotSelect}
        WHERE d.cas_device_id = @device
        GROUP BY d.cas_device_id
        """;

    public const string SelectSnapshotPage =
        $"""
        {SnapshotSelect}
        WHERE (@after::text IS NULL OR d.cas_device_id > @after)
          AND (@since::timestamptz IS NULL OR d.updated_at >= @since)
        GROUP BY d.cas_device_id
        ORDER BY d.cas_device_id
        LIMIT @limit
        """;

    public const string InsertLog =
        """
        INSERT INTO cas_sim.command_log
            (idempotency_key, kind, cas_device_id, smart_card_number, product_ids, valid_from, valid_to, outcome, rejection_reason,
             vendor_reference, original_id, target_kind, rejection_code, payload, correlation_id)
        VALUES (@key, @kind, @device, @card, @products, @from, @to, @outcome, @reason, @reference, @original, @target_kind, @code,
                @payload::jsonb, @correlation)
        RETURNING id
        """;

    public const string Register =
        """
        INSERT INTO cas_sim.device (cas_device_id, smart_card_number, state, last_command_id, paired_at)
        VALUES (@device, @card, 'inactive', @command, CASE WHEN @card::text IS NOT NULL THEN clock_timestamp() END)
        ON CONFLICT (cas_device_id) DO NOTHING
        """;

    public const string RegisterMany =
        """
        WITH input AS (SELECT DISTINCT ON (box) box, card FROM unnest(@boxes::text[], @cards::text[]) AS t(box, card)),
        fresh AS (SELECT i.box, i.card FROM input i WHERE NOT EXISTS (SELECT 1 FROM cas_sim.device d WHERE d.cas_device_id = i.box)),
        logged AS (
            INSERT INTO cas_sim.command_log (idempotency_key, kind, cas_device_id, smart_card_number, outcome, vendor_reference)
            SELECT 'register:' || box, 'register', box, card, 'applied', 'SIM-REG-' || upper(md5(box))::char(12) FROM fresh
            ON CONFLICT (idempotency_key) WHERE outcome <> 'duplicate' DO NOTHING
            RETURNING id, cas_device_id, smart_card_number)
        INSERT INTO cas_sim.device (cas_device_id, smart_card_number, state, last_command_id, paired_at)
        SELECT cas_device_id, smart_card_number, 'inactive', id, CASE WHEN smart_card_number IS NOT NULL THEN clock_timestamp() END FROM logged
        ON CONFLICT (cas_device_id) DO NOTHING
        """;

    public const string Activate =
        """
        INSERT INTO cas_sim.device (cas_device_id, smart_card_number, state, last_command_id, paired_at)
        VALUES (@device, @card, 'active', @command, CASE WHEN @card::text IS NOT NULL THEN clock_timestamp() END)
        ON CONFLICT (cas_device_id) DO UPDATE
            SET smart_card_number = coalesce(EXCLUDED.smart_card_number, cas_sim.device.smart_card_number),
                paired_at = CASE WHEN EXCLUDED.smart_card_number IS DISTINCT FROM cas_sim.device.smart_card_number
                                 AND EXCLUDED.smart_card_number IS NOT NULL THEN clock_timestamp() ELSE cas_sim.device.paired_at END,
                state = 'active', updated_at = clock_timestamp(), last_command_id = EXCLUDED.last_command_id;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        INSERT INTO cas_sim.entitlement (cas_device_id, product_id, valid_from, valid_to, granted_by)
        SELECT @device, p, @from, @to, @command FROM unnest(@products) AS p;
        """;

    public const string Deactivate =
        """
        UPDATE cas_sim.device SET state = 'inactive', updated_at = clock_timestamp(), last_command_id = @command WHERE cas_device_id = @device;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        """;

    public const string UpdateEntitlements =
        """
        UPDATE cas_sim.device SET updated_at = clock_timestamp(), last_command_id = @command WHERE cas_device_id = @device;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        INSERT INTO cas_sim.entitlement (cas_device_id, product_id, valid_from, valid_to, granted_by)
        SELECT @device, p, @from, @to, @command FROM unnest(@products) AS p;
        """;

    public const string AddProducts =
        """
        UPDATE cas_sim.device SET updated_at = clock_timestamp(), last_command_id = @command WHERE cas_device_id = @device;
        INSERT INTO cas_sim.entitlement (cas_device_id, product_id, valid_from, valid_to, granted_by)
        SELECT @device, p, f, t, @command FROM unnest(@products, @froms, @tos) AS x(p, f, t)
        ON CONFLICT (cas_device_id, product_id) DO UPDATE
            SET valid_from = EXCLUDED.valid_from, valid_to = EXCLUDED.valid_to, granted_by = EXCLUDED.granted_by, granted_at = clock_timestamp();
        """;

    public const string RemoveProducts =
        """
        UPDATE cas_sim.device SET updated_at = clock_timestamp(), last_command_id = @command WHERE cas_device_id = @device;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device AND product_id = ANY(@products);
        """;

    public const string Pair =
        """
        UPDATE cas_sim.device SET smart_card_number = @card, paired_at = clock_timestamp(), updated_at = clock_timestamp(), last_command_id = @command
        WHERE cas_device_id = @device;
        """;

    public const string Unpair =
        """
        UPDATE cas_sim.device SET smart_card_number = NULL, paired_at = NULL, updated_at = clock_timestamp(), last_command_id = @command
        WHERE cas_device_id = @device AND smart_card_number = @card;
        """;

    public const string InsertScreenCommand =
        """
        INSERT INTO cas_sim.screen_command (command_id, cas_device_id, kind, message_text, priority, service_id, starts_at, ends_at)
        VALUES (@command, @device, @kind, @text, @priority, @service, @starts, @ends)
        """;

    public const string SelectScreenCommands =
        """
        SELECT command_id, kind, message_text, priority, service_id, starts_at, ends_at
        FROM cas_sim.screen_command WHERE cas_device_id = @device ORDER BY command_id
        """;

    public const string SelectDownUntil = "SELECT down_until FROM cas_sim.control WHERE id";

    public const string SetDown = "UPDATE cas_sim.control SET down_until = @until, down_reason = @reason, changed_at = clock_timestamp() WHERE id";

    private static string LoadResource(string file)
    {
        var name = "CableHub.Connectors.Cas.Simulator." + file;
        using var stream = typeof(CasSimulatorSql).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
