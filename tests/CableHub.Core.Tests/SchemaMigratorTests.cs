using CableHub.Core.Persistence;
using CableHub.Modules;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CableHub.Core.Tests;

/// <summary>
/// The module migrations split the old single stream by table owner: a fresh database must get exactly the old schema
/// (the CDC pipeline and the warehouse depend on the names), and a database the old stream migrated must be adopted.
/// </summary>
public sealed class SchemaMigratorTests
{
    private static readonly string[] LegacyScripts =
        ["0001_operational_model.sql", "0002_catalog_epg_vod.sql", "0002b_epg_programme_bulk_keys.sql", "0003_inventory.sql"];

    [Fact]
    public async Task The_split_scripts_give_a_fresh_database_exactly_the_schema_of_the_old_single_stream()
    {
        var legacy = await LegacyDatabaseAsync(journal: false);
        var modular = await TestDatabases.CreateEmptyAsync();
        await using (var conn = new NpgsqlConnection(modular))
        {
            // The scripts that replace old ones (a replaces: header), in the modules' order; everything written after the
            // split (identity, billing, later scripts of older modules) is left out here and covered by the adoption test.
            await conn.OpenAsync();
            foreach (var (_, sql) in HubModules.Migrations.SelectMany(m => m.Scripts()).Where(s => SchemaMigrator.Replaces(s.Sql).Count > 0))
            {
                await using var tx = await conn.BeginTransactionAsync();
                await conn.ExecuteAsync(sql, transaction: tx);
                await tx.CommitAsync();
            }
        }

        var expected = await DescribeAsync(legacy);
        var actual = await DescribeAsync(modular);
        expected.Count.ShouldBeGreaterThan(400);
        actual.Except(expected).ShouldBeEmpty("the modules create something the old stream did not");
        expected.Except(actual).ShouldBeEmpty("the old stream created something the modules do not");
        actual.ShouldBe(expected); // same order too: column positions are part of the description
    }

    [Fact]
    public async Task A_database_migrated_by_the_old_stream_is_adopted_without_running_anything_twice()
    {
        var legacy = await LegacyDatabaseAsync(journal: true);
        var fresh = await TestDatabases.CreateEmptyAsync();
        await HubModules.MigrateAsync(fresh, NullLogger.Instance, TestContext.Current.CancellationToken);

        await HubModules.MigrateAsync(legacy, NullLogger.Instance, TestContext.Current.CancellationToken);

        // Adopted: the old scripts' replacements were journaled without running, the later ones ran; the result is exactly
        // the schema of a fresh database (a split script run twice would fail or duplicate).
        (await DescribeAsync(legacy)).ShouldBe(await DescribeAsync(fresh));
        await using var conn = new NpgsqlConnection(legacy);
        foreach (var module in HubModules.Migrations)
        {
            var journaled = (await conn.QueryAsync<string>($"SELECT scriptname FROM {SchemaMigrator.JournalSchema}.{module.Module} ORDER BY scriptname")).ToList();
            journaled.ShouldBe(module.Scripts().Select(s => s.Name).ToList(), $"journal of {module.Module}");
        }

        // The sagas' table is new: it was created by the adoption run.
        (await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('sagas.cas_call') IS NOT NULL")).ShouldBeTrue();

        // The demo data of an old database is still there (adoption changed nothing but the journals).
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.device_transition")).ShouldBe(25);
    }

    [Fact]
    public async Task Migrating_twice_changes_nothing_and_every_module_has_its_own_journal()
    {
        var db = await TestDatabases.CreateEmptyAsync();
        await HubModules.MigrateAsync(db, NullLogger.Instance, TestContext.Current.CancellationToken);
        var once = await DescribeAsync(db);
        await HubModules.MigrateAsync(db, NullLogger.Instance, TestContext.Current.CancellationToken);
        (await DescribeAsync(db)).ShouldBe(once);

        await using var conn = new NpgsqlConnection(db);
        var journals = (await conn.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema ORDER BY 1", new { schema = SchemaMigrator.JournalSchema })).ToList();
        journals.ShouldBe(HubModules.Migrations.Select(m => m.Module).Order(StringComparer.Ordinal).ToList());
        (await conn.ExecuteScalarAsync<bool>("SELECT to_regclass('public.schema_migrations') IS NULL")).ShouldBeTrue("a fresh database has no legacy journal");
    }

    [Fact]
    public void Every_module_script_says_which_old_script_it_replaces()
    {
        // sagas, notification, identity, billing and audit are schemas / modules born after the split: nothing of the old stream to replace.
        // Later scripts of the older modules (no replaces header) add to the schema; the first one of each replaces old scripts.
        foreach (var module in HubModules.Migrations.Where(m => m.Module is not ("sagas" or "notification" or "identity" or "billing" or "audit")))
        {
            SchemaMigrator.Replaces(module.Scripts()[0].Sql).ShouldNotBeEmpty(module.Scripts()[0].Name);
            foreach (var (name, sql) in module.Scripts())
            {
                SchemaMigrator.Replaces(sql).ShouldAllBe(r => LegacyScripts.Any(l => r == "CableHub.Core.Store.Migrations." + l), name);
            }
        }
    }

    /// <summary>A database with the old stream applied (and, with <paramref name="journal"/>, its DbUp journal).</summary>
    private static async Task<string> LegacyDatabaseAsync(bool journal)
    {
        var db = await TestDatabases.CreateEmptyAsync();
        await using var conn = new NpgsqlConnection(db);
        await conn.OpenAsync();
        foreach (var script in LegacyScripts)
        {
            var sql = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "legacy-migrations", script));
            await using var tx = await conn.BeginTransactionAsync();
            await conn.ExecuteAsync(sql, transaction: tx);
            await tx.CommitAsync();
        }

        if (journal)
        {
            await conn.ExecuteAsync(
                """
                CREATE TABLE public.schema_migrations (schemaversionsid serial PRIMARY KEY, scriptname varchar(255) NOT NULL, applied timestamp NOT NULL);
                INSERT INTO public.schema_migrations (scriptname, applied) SELECT 'CableHub.Core.Store.Migrations.' || s, now() FROM unnest(@scripts) s;
                """, new { scripts = LegacyScripts });
        }

        return db;
    }

    /// <summary>Everything of schema hub that matters, one line per fact, in a stable order.</summary>
    private static async Task<List<string>> DescribeAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        var facts = new List<string>();
        facts.AddRange(await conn.QueryAsync<string>(
            """
            SELECT format('column %s.%s #%s %s null=%s default=%s', table_name, column_name, ordinal_position, data_type, is_nullable, coalesce(column_default, '-'))
            FROM information_schema.columns WHERE table_schema = 'hub' ORDER BY table_name, ordinal_position
            """));
        facts.AddRange(await conn.QueryAsync<string>(
            "SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'hub'::regnamespace ORDER BY conrelid::regclass::text, conname"));
        facts.AddRange(await conn.QueryAsync<string>("SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'hub' ORDER BY indexname"));
        facts.AddRange(await conn.QueryAsync<string>(
            "SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'hub'::regnamespace AND NOT t.tgisinternal ORDER BY c.relname, t.tgname"));
        facts.AddRange(await conn.QueryAsync<string>("SELECT format('function %s', pg_get_functiondef(oid)) FROM pg_proc WHERE pronamespace = 'hub'::regnamespace ORDER BY proname"));
        facts.AddRange(await conn.QueryAsync<string>("SELECT format('view %s %s', viewname, definition) FROM pg_views WHERE schemaname = 'hub' ORDER BY viewname"));
        facts.AddRange(await conn.QueryAsync<string>(
            "SELECT format('sequence %s %s %s %s %s', sequencename, min_value, max_value, increment_by, cycle) FROM pg_sequences WHERE schemaname = 'hub' ORDER BY sequencename"));
        facts.AddRange(await conn.QueryAsync<string>("SELECT format('row device_transition %s→%s', from_status, to_status) FROM hub.device_transition ORDER BY 1"));
        facts.AddRange(await conn.QueryAsync<string>("SELECT format('row epg_source %s %s', code, name) FROM hub.epg_source ORDER BY 1"));
        return facts;
    }
}
