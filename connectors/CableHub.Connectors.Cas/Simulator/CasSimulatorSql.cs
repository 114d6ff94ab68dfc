namespace CableHub.Connectors.Cas.Simulator;

/// <summary>SQL of the simulated CAS (schema <c>cas_sim</c>, see <c>cas_sim.sql</c>).</summary>
internal static class CasSimulatorSql
{
    public static string Schema { get; } = LoadSchema();

    private const string LogColumns =
        "id, idempotency_key, kind, cas_device_id, smart_card_number, product_ids, received_at, outcome, rejection_reason, vendor_reference, original_id";

    public const string LockKey = "SELECT pg_advisory_xact_lock(hashtext('cas_sim:' || @key))";

    public const string SelectFirstByKey =
        $"SELECT {LogColumns} FROM cas_sim.command_log WHERE idempotency_key = @key AND outcome <> 'duplicate'";

    public const string SelectLog =
        $"SELECT {LogColumns} FROM cas_sim.command_log WHERE (@device::text IS NULL OR cas_device_id = @device) ORDER BY id";

    public const string SelectDevice =
        """
        SELECT d.cas_device_id, d.smart_card_number, d.state,
               coalesce(array_agg(e.product_id ORDER BY e.product_id) FILTER (WHERE e.product_id IS NOT NULL), '{}') AS products
        FROM cas_sim.device d LEFT JOIN cas_sim.entitlement e ON e.cas_device_id = d.cas_device_id
        WHERE d.cas_device_id = @device
        GROUP BY d.cas_device_id, d.smart_card_number, d.state
        """;

    public const string InsertLog =
        """
        INSERT INTO cas_sim.command_log
            (idempotency_key, kind, cas_device_id, smart_card_number, product_ids, valid_from, valid_to, outcome, rejection_reason, vendor_reference, original_id)
        VALUES (@key, @kind, @device, @card, @products, @from, @to, @outcome, @reason, @reference, @original)
        RETURNING id
        """;

    public const string Activate =
        """
        INSERT INTO cas_sim.device (cas_device_id, smart_card_number, state, last_command_id)
        VALUES (@device, @card, 'active', @command)
        ON CONFLICT (cas_device_id) DO UPDATE
            SET smart_card_number = coalesce(EXCLUDED.smart_card_number, cas_sim.device.smart_card_number),
                state = 'active', updated_at = clock_timestamp(), last_command_id = EXCLUDED.last_command_id;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        INSERT INTO cas_sim.entitlement (cas_device_id, product_id, valid_from, valid_to, granted_by)
        SELECT @device, p, @from, @to, @command FROM unnest(@products) AS p;
        """;

    public const string Deactivate =
        """
        INSERT INTO cas_sim.device (cas_device_id, smart_card_number, state, last_command_id)
        VALUES (@device, @card, 'inactive', @command)
        ON CONFLICT (cas_device_id) DO UPDATE
            SET state = 'inactive', updated_at = clock_timestamp(), last_command_id = EXCLUDED.last_command_id;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        """;

    public const string UpdateEntitlements =
        """
        UPDATE cas_sim.device SET updated_at = clock_timestamp(), last_command_id = @command WHERE cas_device_id = @device;
        DELETE FROM cas_sim.entitlement WHERE cas_device_id = @device;
        INSERT INTO cas_sim.entitlement (cas_device_id, product_id, valid_from, valid_to, granted_by)
        SELECT @device, p, @from, @to, @command FROM unnest(@products) AS p;
        """;

    private static string LoadSchema()
    {
        using var stream = typeof(CasSimulatorSql).Assembly.GetManifestResourceStream("CableHub.Connectors.Cas.Simulator.cas_sim.sql")
            ?? throw new InvalidOperationException("embedded resource cas_sim.sql is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
