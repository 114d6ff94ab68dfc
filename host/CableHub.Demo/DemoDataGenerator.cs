using System.Globalization;
using Bogus;
using CableHub.Core.Security;
using Npgsql;
using NpgsqlTypes;

namespace CableHub.Demo;

/// <summary>How much demo data to generate. The same code seeds 1,000 or 10 million subscribers.</summary>
public sealed record DemoDataSize(int Subscribers = 1_000, int Channels = 100, int Packages = 10, int SpareStbs = 50, int Seed = 20261125);

/// <summary>Progress of a seeding run: what is being written and how far it is.</summary>
public sealed record SeedProgress(string Stage, long Done, long Total);

/// <summary>
/// DEV AND DEMO ONLY (not product code): seeds the whole hub schema at once, every module's tables, by binary COPY.
/// Generates a realistic operator (Indian profile: INR, LCOs, broadcaster bouquets) with Bogus and writes it
/// with PostgreSQL binary COPY in batches: catalog once, then subscribers with contact data (encrypted),
/// billing accounts, installed boxes with paired smart cards, subscriptions and entitlements, plus spare
/// stock. Each subscriber's history is simulated month by month from sign-up (Bogus <see cref="Randomizer"/>, seeded):
/// dunning suspensions of late payers, box swaps of faulty boxes, and a disconnection drawn from a monthly hazard that
/// those drivers raise (cash payers and monthly plans more, direct debit and annual plans less) — so the churn model has
/// past disconnections to learn from. Deterministic for a given seed.
/// </summary>
public sealed class DemoDataGenerator(NpgsqlDataSource dataSource, FieldEncryptor encryptor, TimeProvider? clock = null)
{
    private const int BatchSize = 5_000;
    private const string Currency = "INR";

    private static readonly (string Code, string Name, string[] Brands)[] Broadcasters =
    [
        ("STAR", "Star India", ["Star Plus", "Star Gold", "Star Sports", "Star Bharat", "Star Movies"]),
        ("ZEE", "Zee Entertainment", ["Zee TV", "Zee Cinema", "Zee News", "Zee Marathi", "&pictures"]),
        ("SONY", "Sony Pictures Networks", ["Sony Entertainment", "Sony Max", "Sony Ten", "Sony SAB", "Sony Pix"]),
        ("V18", "Viacom18", ["Colors", "Colors Kannada", "MTV", "Nick", "Comedy Central"]),
        ("SUN", "Sun TV Network", ["Sun TV", "Sun Music", "KTV", "Gemini TV", "Surya TV"]),
        ("DISC", "Warner Bros. Discovery", ["Discovery", "Animal Planet", "TLC", "Cartoon Network", "HBO"]),
        ("TIMES", "Times Network", ["Times Now", "ET Now", "Zoom", "Movies Now", "Romedy Now"]),
        ("NDTV", "NDTV", ["NDTV India", "NDTV 24x7", "NDTV Profit"]),
        ("DD", "Prasar Bharati", ["DD National", "DD News", "DD Sports", "DD Bharati"]),
        ("ENT", "Enterr10 Media", ["Dangal", "Bhojpuri Cinema", "Enterr10"]),
    ];

    private static readonly string[] Genres = ["GEC", "Movies", "Sports", "News", "Kids", "Music", "Infotainment", "Devotional", "Lifestyle", "Regional"];
    private static readonly string[] Languages = ["hi", "en", "ta", "te", "kn", "mr", "bn", "ml"];
    private static readonly string[] Regions = ["Maharashtra", "Karnataka", "Tamil Nadu", "Delhi", "West Bengal", "Gujarat", "Kerala", "Telangana", "Uttar Pradesh", "Punjab"];

    private static readonly Guid MainWarehouse = Guid.Parse("8a1d8f0e-0000-4000-8000-000000000001");

    public async Task SeedAsync(DemoDataSize size, IProgress<SeedProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(size);
        var catalog = await EnsureCatalogAsync(size, progress, ct).ConfigureAwait(false);
        Randomizer.Seed = new Random(size.Seed);
        var faker = new Faker("en_IND");
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var rng = new Random(size.Seed);
        var history = new Randomizer(size.Seed + 1); // churn history: its own stream, so the other values stay as they were

        long done = 0;
        while (done < size.Subscribers)
        {
            ct.ThrowIfCancellationRequested();
            var count = (int)Math.Min(BatchSize, size.Subscribers - done);
            await WriteSubscriberBatchAsync(count, catalog, faker, rng, history, now, ct).ConfigureAwait(false);
            done += count;
            progress?.Report(new SeedProgress("subscribers", done, size.Subscribers));
        }

        await WriteSpareStockAsync(size.SpareStbs, rng, now, ct).ConfigureAwait(false);
        progress?.Report(new SeedProgress("spare stock", size.SpareStbs, size.SpareStbs));
        var tickets = await new DemoTicketGenerator(dataSource, encryptor, clock).SeedAsync(size.Seed, ct).ConfigureAwait(false); // support tickets from the simulated history
        progress?.Report(new SeedProgress("tickets", tickets, tickets));
    }

    /// <summary>True when the database holds no customers yet.</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT NOT EXISTS (SELECT 1 FROM hub.customer)", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private sealed record CatalogData(IReadOnlyList<Guid> Lcos, IReadOnlyList<PlanData> Plans);

    private sealed record PlanData(Guid Id, IReadOnlyList<Guid> Channels, double Weight, int Months);

    private async Task<CatalogData> EnsureCatalogAsync(DemoDataSize size, IProgress<SeedProgress>? progress, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (var check = new NpgsqlCommand("SELECT count(*) FROM hub.plan", conn))
        {
            if ((long)(await check.ExecuteScalarAsync(ct).ConfigureAwait(false))! == 0)
            {
                await WriteCatalogAsync(conn, size, ct).ConfigureAwait(false);
                progress?.Report(new SeedProgress("catalog", 1, 1));
            }
        }

        var lcos = new List<Guid>();
        await using (var cmd = new NpgsqlCommand("SELECT id FROM hub.lco ORDER BY code", conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                lcos.Add(reader.GetGuid(0));
            }
        }

        var plans = new List<PlanData>();
        await using (var cmd = new NpgsqlCommand(
            """
            SELECT p.id, p.price, array_agg(DISTINCT pc.channel_id), p.billing_period
            FROM hub.plan p
            JOIN hub.plan_package pp ON pp.plan_id = p.id
            JOIN hub.package_channel pc ON pc.package_id = pp.package_id
            WHERE p.status = 'active'
            GROUP BY p.id, p.price, p.billing_period
            ORDER BY p.price
            """, conn))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                // cheaper plans are more popular
                var months = reader.GetString(3) switch { "monthly" => 1, "quarterly" => 3, "semiannual" => 6, _ => 12 };
                plans.Add(new PlanData(reader.GetGuid(0), reader.GetFieldValue<Guid[]>(2), 1.0 / (1 + plans.Count), months));
            }
        }

        if (plans.Count == 0)
        {
            throw new InvalidOperationException("the catalog has no active plan with channels; cannot seed subscribers");
        }

        return new CatalogData(lcos, plans);
    }

    private static async Task WriteCatalogAsync(NpgsqlConnection conn, DemoDataSize size, CancellationToken ct)
    {
        var rng = new Random(size.Seed);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);

        var lcoCount = Math.Clamp(size.Subscribers / 500, 2, 50);
        await using (var w = await conn.BeginBinaryImportAsync("COPY hub.lco (id, code, name, region) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            for (var i = 1; i <= lcoCount; i++)
            {
                var region = Regions[(i - 1) % Regions.Length];
                await w.WriteRowAsync(ct, DeterministicGuid(rng), $"LCO{i:D3}", $"{region} Cable Network {i}", region).ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        var broadcasterIds = Broadcasters.Select(_ => DeterministicGuid(rng)).ToArray();
        await using (var w = await conn.BeginBinaryImportAsync("COPY hub.broadcaster (id, code, name) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            for (var i = 0; i < Broadcasters.Length; i++)
            {
                await w.WriteRowAsync(ct, broadcasterIds[i], Broadcasters[i].Code, Broadcasters[i].Name).ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // Channels: brands of each broadcaster, SD first, HD variants of popular ones, numbered when the line-up is large.
        var channels = new List<(Guid Id, int Broadcaster, string Genre, bool Hd, decimal Price, bool Fta)>();
        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency, free_to_air) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            var usedCodes = new HashSet<string>(StringComparer.Ordinal);
            for (var n = 0; n < size.Channels; n++)
            {
                var b = n % Broadcasters.Length;
                var brands = Broadcasters[b].Brands;
                var round = n / Broadcasters.Length;
                var brand = brands[round % brands.Length];
                var hd = round >= brands.Length && round % 2 == 1;
                var suffix = round >= brands.Length * 2 ? $" {(round / (brands.Length * 2)) + 1}" : "";
                var name = brand + suffix + (hd ? " HD" : "");
                var code = new string(name.ToUpperInvariant().Where(char.IsLetterOrDigit).ToArray());
                while (!usedCodes.Add(code))
                {
                    code += "X";
                }

                var genre = Genres[(b + round) % Genres.Length];
                var fta = Broadcasters[b].Code == "DD";
                var price = fta ? 0m : Math.Round((decimal)(0.5 + (rng.NextDouble() * 18.5)), 2);
                var id = DeterministicGuid(rng);
                channels.Add((id, b, genre, hd, price, fta));
                await w.WriteRowAsync(ct, id, code, name, broadcasterIds[b], genre, Languages[(b + n) % Languages.Length], hd ? "HD" : "SD",
                    100 + n, $"P{100 + n:D4}", price, Currency, fta).ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // Packages: a base pack (free-to-air + cheapest SD), broadcaster bouquets, distributor bouquets, add-ons.
        var packages = new List<(Guid Id, string Kind, List<Guid> Channels)>();
        await using (var w = await conn.BeginBinaryImportAsync("COPY hub.package (id, code, name, kind, broadcaster_id) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            var basePack = channels.Where(c => c.Fta || (!c.Hd && c.Price < 5)).Select(c => c.Id).ToList();
            if (basePack.Count == 0)
            {
                basePack = channels.Take(Math.Max(1, channels.Count / 5)).Select(c => c.Id).ToList();
            }

            var baseId = DeterministicGuid(rng);
            packages.Add((baseId, "base", basePack));
            await w.WriteRowAsync(ct, baseId, "BASE", "Basic Service Tier", "base", DBNull.Value).ConfigureAwait(false);

            for (var p = 1; p < size.Packages; p++)
            {
                var id = DeterministicGuid(rng);
                if (p <= Broadcasters.Length && p % 2 == 1)
                {
                    var b = (p - 1) % Broadcasters.Length;
                    var members = channels.Where(c => c.Broadcaster == b && !c.Hd).Select(c => c.Id).ToList();
                    if (members.Count == 0)
                    {
                        members = [channels.First(c => c.Broadcaster == b).Id];
                    }

                    packages.Add((id, "broadcaster_bouquet", members));
                    await w.WriteRowAsync(ct, id, $"{Broadcasters[b].Code}-VALUE", $"{Broadcasters[b].Brands[0]} Value Pack", "broadcaster_bouquet", broadcasterIds[b]).ConfigureAwait(false);
                }
                else if (p % 3 == 0)
                {
                    var hdOnly = channels.Where(c => c.Hd).Select(c => c.Id).ToList();
                    packages.Add((id, "add_on", hdOnly.Count > 0 ? hdOnly : [channels[^1].Id]));
                    await w.WriteRowAsync(ct, id, $"HD-ADDON-{p}", $"HD Add-on {p}", "add_on", DBNull.Value).ConfigureAwait(false);
                }
                else
                {
                    var genre = Genres[p % Genres.Length];
                    // Pay channels only: free-to-air channels may not be mixed into a pay bouquet (IN-BOUQUET-FTA-MIX).
                    var members = channels.Where(c => !c.Hd && !c.Fta && (c.Genre == genre || rng.NextDouble() < 0.25)).Select(c => c.Id).ToList();
                    packages.Add((id, "distributor_bouquet", members.Count > 0 ? members : [channels.First(c => !c.Fta).Id]));
                    await w.WriteRowAsync(ct, id, $"DPO-{genre.ToUpperInvariant()}-{p}", $"{genre} Plus Pack", "distributor_bouquet", DBNull.Value).ConfigureAwait(false);
                }
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync("COPY hub.package_channel (package_id, channel_id) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var (id, _, members) in packages)
            {
                foreach (var ch in members.Distinct())
                {
                    await w.WriteRowAsync(ct, id, ch).ConfigureAwait(false);
                }
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // Bouquet prices: 90% of the members' à-la-carte sum (India: a distributor bouquet must cost at least 85%).
        await using (var cmd = new NpgsqlCommand(
            """
            UPDATE hub.package p
            SET price = round(0.90 * coalesce((SELECT sum(c.a_la_carte_price) FROM hub.package_channel pc JOIN hub.channel c ON c.id = pc.channel_id
                                               WHERE pc.package_id = p.id AND NOT c.free_to_air), 0), 2),
                currency = @currency
            WHERE p.kind IN ('broadcaster_bouquet', 'distributor_bouquet', 'add_on')
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("currency", Currency);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // Plans: tiers of growing content, each sold monthly, quarterly and annually (annual cheaper per month).
        var tiers = new (string Code, string Name, decimal Monthly, Func<int, bool> Includes)[]
        {
            ("BASIC", "Basic", 199m, i => i == 0),
            ("FAMILY", "Family", 349m, i => i == 0 || packages[i].Kind is "broadcaster_bouquet"),
            ("PREMIUM", "Premium", 549m, i => packages[i].Kind is not "add_on"),
            ("PREMIUM-HD", "Premium HD", 749m, _ => true),
        };
        var periods = new (string Period, string Suffix, int Months, decimal Discount)[]
        {
            ("monthly", "M", 1, 1.00m), ("quarterly", "Q", 3, 0.97m), ("annual", "A", 12, 0.90m),
        };
        var planRows = new List<(Guid Id, int Tier)>();
        await using (var w = await conn.BeginBinaryImportAsync("COPY hub.plan (id, code, name, description, price, currency, billing_period, status) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var (tier, t) in tiers.Select((x, i) => (x, i)))
            {
                foreach (var period in periods)
                {
                    var id = DeterministicGuid(rng);
                    planRows.Add((id, t));
                    var price = Math.Round(tier.Monthly * period.Months * period.Discount, 2);
                    await w.WriteRowAsync(ct, id, $"{tier.Code}-{period.Suffix}", $"{tier.Name} ({period.Period})",
                        $"{tier.Name} tier billed {period.Period}", price, Currency, period.Period, "active").ConfigureAwait(false);
                }
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var pp = await conn.BeginBinaryImportAsync("COPY hub.plan_package (plan_id, package_id) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var (planId, t) in planRows)
            {
                for (var i = 0; i < packages.Count; i++)
                {
                    if (tiers[t].Includes(i))
                    {
                        await pp.WriteRowAsync(ct, planId, packages[i].Id).ConfigureAwait(false);
                    }
                }
            }

            await pp.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var cmd = new NpgsqlCommand(
            "INSERT INTO hub.stock_location (id, code, name, kind) VALUES (@id, 'WH-MAIN', 'Main warehouse', 'warehouse') ON CONFLICT DO NOTHING", conn, tx))
        {
            cmd.Parameters.AddWithValue("id", MainWarehouse);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // Equipment: suppliers, the models the demo boxes and cards are, reorder points at the main warehouse.
        await using (var cmd = new NpgsqlCommand(
            """
            INSERT INTO hub.supplier (id, code, name, x12_qualifier, x12_id, edifact_id, currency) VALUES
                ('8a1d8f0e-0000-4000-8000-0000000000a1', 'SKYWORTH', 'Skyworth Digital (STB)', 'ZZ', 'SKYWORTHSTB', 'SKYWORTH', 'INR'),
                ('8a1d8f0e-0000-4000-8000-0000000000a2', 'NAGRA', 'Nagravision (smart cards)', 'ZZ', 'NAGRAVC', 'NAGRA', 'INR')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.equipment_model (code, kind, name, manufacturer, serialized, supplier_id, supplier_part, unit_price, currency) VALUES
                ('DSB-1000', 'stb', 'SD set-top box DSB-1000', 'Skyworth', true, '8a1d8f0e-0000-4000-8000-0000000000a1', 'SKW-DSB1000', 1150.00, 'INR'),
                ('DSB-2000HD', 'stb', 'HD set-top box DSB-2000HD', 'Skyworth', true, '8a1d8f0e-0000-4000-8000-0000000000a1', 'SKW-DSB2000HD', 1650.00, 'INR'),
                ('UHD-4K-X1', 'stb', '4K set-top box UHD-4K-X1', 'Skyworth', true, '8a1d8f0e-0000-4000-8000-0000000000a1', 'SKW-UHD4KX1', 3400.00, 'INR'),
                ('VC-300', 'smart_card', 'Viewing card VC-300', 'Nagravision', true, '8a1d8f0e-0000-4000-8000-0000000000a2', 'NG-VC300', 180.00, 'INR'),
                ('RC-10', 'remote', 'Remote control RC-10', 'Skyworth', true, '8a1d8f0e-0000-4000-8000-0000000000a1', 'SKW-RC10', 95.00, 'INR'),
                ('RG6-M', 'cable', 'RG6 coaxial cable (metre)', 'Generic', false, NULL, NULL, 18.00, 'INR')
            ON CONFLICT DO NOTHING;
            INSERT INTO hub.reorder_point (model_code, location_id, min_quantity, reorder_quantity)
            SELECT m.code, @id, CASE WHEN m.kind = 'stb' THEN 20 ELSE 40 END, CASE WHEN m.kind = 'stb' THEN 100 ELSE 200 END
            FROM hub.equipment_model m WHERE m.code IN ('DSB-1000', 'DSB-2000HD', 'UHD-4K-X1', 'VC-300')
            ON CONFLICT DO NOTHING;
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("id", MainWarehouse);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private async Task WriteSubscriberBatchAsync(int count, CatalogData catalog, Faker faker, Random rng, Randomizer history, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var customerNumbers = await NextValuesAsync(conn, "hub.customer_number_seq", count, ct).ConfigureAwait(false);
        var accountNumbers = await NextValuesAsync(conn, "hub.account_number_seq", count, ct).ConfigureAwait(false);
        var totalWeight = catalog.Plans.Sum(p => p.Weight);

        var subscribers = new List<Subscriber>(count);
        var changes = new List<Change>();
        for (var i = 0; i < count; i++)
        {
            var created = now.AddDays(-rng.Next(1, 3 * 365)).AddSeconds(-rng.Next(86_400));
            var roll = rng.NextDouble();
            var pick = rng.NextDouble() * totalWeight;
            var plan = catalog.Plans.First(p => (pick -= p.Weight) <= 0 || p == catalog.Plans[^1]);
            var payment = PaymentMethod(history);
            var subscriptionId = Guid.CreateVersion7(created);
            var (end, lastChange) = SimulateHistory(history, subscriptionId, created, now, plan, payment, changes);
            var status = end is not null ? "terminated" : roll < 0.06 ? "suspended" : "active";
            if (status == "suspended")
            {
                // suspended now (dunning): after the last change of its history, within the last three weeks
                var since = now.AddDays(-history.Int(1, 20));
                since = since > lastChange ? since : lastChange.AddMinutes(1);
                changes.Add(new Change(subscriptionId, "suspend", since < now ? since : now, "dunning"));
            }
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            subscribers.Add(new Subscriber(
                Guid.CreateVersion7(created), $"C{customerNumbers[i]:D8}", $"A{accountNumbers[i]:D8}", status, first, last,
                DateOnly.FromDateTime(faker.Date.Past(50, now.UtcDateTime.AddYears(-18))),
                faker.Internet.Email(first, last, "example.in").ToLowerInvariant(),
                faker.Phone.PhoneNumber("+91 9#### #####"),
                faker.Address.StreetAddress(), faker.Address.City(), faker.Address.ZipCode("4#####"), Regions[rng.Next(Regions.Length)],
                catalog.Lcos.Count == 0 ? null : catalog.Lcos[rng.Next(catalog.Lcos.Count)],
                plan, created, Guid.CreateVersion7(created), Guid.CreateVersion7(created), Guid.CreateVersion7(created), subscriptionId,
                rng.Next(1, 29), faker.Random.Replace("??########").ToUpperInvariant(), payment, history.Bool(0.3f), end));
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.customer (id, customer_number, status, given_name_enc, family_name_enc, birth_date_enc, preferred_language, lco_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var s in subscribers)
            {
                w.StartRow();
                w.Write(s.Id, NpgsqlDbType.Uuid);
                w.Write(s.CustomerNumber, NpgsqlDbType.Text);
                w.Write(s.Status, NpgsqlDbType.Text);
                w.Write(encryptor.Encrypt(s.GivenName), NpgsqlDbType.Bytea);
                w.Write(encryptor.Encrypt(s.FamilyName), NpgsqlDbType.Bytea);
                w.Write(encryptor.Encrypt(s.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), NpgsqlDbType.Bytea);
                w.Write(rng.NextDouble() < 0.6 ? "hi" : "en", NpgsqlDbType.Text);
                if (s.LcoId is { } lco)
                {
                    w.Write(lco, NpgsqlDbType.Uuid);
                }
                else
                {
                    w.WriteNull();
                }

                w.Write(s.Created, NpgsqlDbType.TimestampTz);
                w.Write(s.Created, NpgsqlDbType.TimestampTz);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.contact_medium (id, customer_id, medium_type, preferred, value_enc, value_hash, city, postal_code, state_or_province, country, valid_from) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var s in subscribers)
            {
                w.WriteRow(Guid.CreateVersion7(s.Created), s.Id, "email", true, encryptor.Encrypt(s.Email), encryptor.BlindIndex(s.Email), DBNull.Value, DBNull.Value, DBNull.Value, DBNull.Value, s.Created);
                w.WriteRow(Guid.CreateVersion7(s.Created), s.Id, "phone", false, encryptor.Encrypt(s.Phone), encryptor.BlindIndex(s.Phone), DBNull.Value, DBNull.Value, DBNull.Value, DBNull.Value, s.Created);
                w.WriteRow(Guid.CreateVersion7(s.Created), s.Id, "postal_address", false, encryptor.Encrypt(s.Street), encryptor.BlindIndex(s.Street), s.City, s.PostalCode, s.Region, "IN", s.Created);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.billing_account (id, account_number, customer_id, status, currency, bill_cycle_day, payment_method, prepaid, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var s in subscribers)
            {
                await w.WriteRowAsync(ct, s.AccountId, s.AccountNumber, s.Id, s.Status == "terminated" ? "closed" : s.Status == "suspended" ? "suspended" : "active",
                    Currency, (short)s.BillCycleDay, s.PaymentMethod, s.Prepaid, s.Created, s.Created).ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.device (id, serial_number, kind, model_code, cas_id, status, activation_state, location_id, paired_device_id, customer_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var s in subscribers)
            {
                var installed = s.Status != "terminated";
                var activation = s.Status == "active" ? "active" : s.Status == "suspended" ? "suspended" : "inactive";
                object customer = installed ? s.Id : DBNull.Value;
                object location = installed ? DBNull.Value : MainWarehouse;
                var status = installed ? "installed" : "returned";
                w.WriteRow(s.CardId, "SC" + s.Serial, "smart_card", "VC-300", DBNull.Value, status, activation, location, DBNull.Value, customer, s.Created, s.Created);
                w.WriteRow(s.DeviceId, "STB" + s.Serial, "stb", StbModel(rng), "CA" + s.Serial, status, activation, location, s.CardId, customer, s.Created, s.Created);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.subscription (id, customer_id, billing_account_id, plan_id, device_id, status, start_at, end_at, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var s in subscribers)
            {
                object end = s.End is { } at ? at : DBNull.Value;
                w.WriteRow(s.SubscriptionId, s.Id, s.AccountId, s.Plan.Id, s.DeviceId, s.Status, s.Created, end, s.Created, s.End ?? s.Created);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // The simulated history: suspensions and restores (dunning), box swaps, disconnections — what the lifecycle saga records.
        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.subscription_change (id, subscription_id, kind, reason, effective_at, recorded_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            foreach (var c in changes)
            {
                w.WriteRow(Guid.CreateVersion7(c.At), c.SubscriptionId, c.Kind, c.Reason is null ? DBNull.Value : c.Reason, c.At, c.At);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        // Entitlements (about 60 per subscriber: most of the rows; a disconnected subscriber's end with the subscription) are generated by the server from the plans' channels, set-based,
        // with the foreign-key triggers off for that one statement (session_replication_role = replica, superuser only): every id
        // comes from this transaction's subscriptions and devices or the catalog, so the checks could not fail.
        await using (var ent = new NpgsqlCommand(
            $"""
            {(await IsSuperuserAsync(conn, ct).ConfigureAwait(false) ? "SET LOCAL session_replication_role = replica;" : "")}
            INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from, valid_to)
            SELECT gen_random_uuid(), s.device_id, pc.channel_id, s.id, s.start_at, s.end_at
            FROM hub.subscription s
            JOIN (SELECT DISTINCT pp.plan_id, pc.channel_id FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id) pc ON pc.plan_id = s.plan_id
            WHERE s.id = ANY(@ids);
            SET LOCAL session_replication_role = origin;
            """, conn, tx))
        {
            ent.Parameters.AddWithValue("ids", subscribers.Select(s => s.SubscriptionId).ToArray());
            ent.CommandTimeout = 0;
            await ent.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private async Task WriteSpareStockAsync(int count, Random rng, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var w = await conn.BeginBinaryImportAsync(
            "COPY hub.device (id, serial_number, kind, model_code, cas_id, status, activation_state, location_id, paired_device_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            for (var i = 0; i < count; i++)
            {
                var serial = $"{now:yyMM}{rng.Next(0, 100_000_000):D8}{i:D4}";
                var card = Guid.CreateVersion7(now);
                await w.WriteRowAsync(ct, card, "SC" + serial, "smart_card", "VC-300", DBNull.Value, "in_stock", "inactive", MainWarehouse, DBNull.Value, now, now).ConfigureAwait(false);
                await w.WriteRowAsync(ct, Guid.CreateVersion7(now), "STB" + serial, "stb", StbModel(rng), "CA" + serial, "in_stock", "inactive", MainWarehouse, card, now, now).ConfigureAwait(false);
            }

            await w.CompleteAsync(ct).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private static bool? _superuser;

    private static async Task<bool> IsSuperuserAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        if (_superuser is { } known)
        {
            return known;
        }

        await using var cmd = new NpgsqlCommand("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", conn);
        return (_superuser = (bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!).Value;
    }

    private static async Task<long[]> NextValuesAsync(NpgsqlConnection conn, string sequence, int count, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)", conn);
        cmd.Parameters.AddWithValue(sequence);
        cmd.Parameters.AddWithValue(count);
        var values = (long[])(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        Array.Sort(values);
        return values;
    }

    /// <summary>
    /// A subscriber's months from sign-up to now: late payers (about 1 in 5) are suspended by dunning and restored some months,
    /// faulty boxes (about 1 in 7) are swapped some months; each month the subscriber leaves with a hazard that cash payment,
    /// late paying and a faulty box raise and direct debit, card and longer contracts lower. Returns when they disconnected (or
    /// null) and the time of their last change.
    /// </summary>
    private static (DateTimeOffset? End, DateTimeOffset LastChange) SimulateHistory(Randomizer random, Guid subscription, DateTimeOffset created, DateTimeOffset now,
        PlanData plan, string payment, List<Change> changes)
    {
        var last = created;
        var latePayer = random.Bool(0.2f);
        var faultyBox = random.Bool(0.15f);
        var hazard = 0.012
            * (payment switch { "cash" => 2.2, "direct_debit" => 0.4, "card" => 0.8, _ => 1.0 })
            * (plan.Months >= 12 ? 0.35 : plan.Months >= 3 ? 0.7 : 1.0)
            * (latePayer ? 2.5 : 1.0)
            * (faultyBox ? 2.0 : 1.0);
        for (var month = created.AddDays(30); month < now; month = month.AddDays(30))
        {
            if (random.Double() < hazard)
            {
                var end = month.AddDays(-random.Int(0, 20)).AddSeconds(-random.Int(0, 86_399));
                changes.Add(new Change(subscription, "disconnect", end, payment == "cash" && latePayer ? "non_payment" : "customer_request"));
                return (end, end);
            }

            if (latePayer && random.Bool(0.3f))
            {
                var suspended = month.AddDays(-random.Int(3, 10));
                changes.Add(new Change(subscription, "suspend", suspended, "dunning"));
                changes.Add(new Change(subscription, "restore", suspended.AddDays(random.Int(1, 3)), null));
                last = suspended.AddDays(3) > last ? suspended.AddDays(3) : last;
            }

            if (faultyBox && random.Bool(0.3f))
            {
                var swapped = month.AddDays(-random.Int(1, 28));
                changes.Add(new Change(subscription, "device_swap", swapped, "faulty"));
                last = swapped > last ? swapped : last;
            }
        }

        return (null, last);
    }

    private static string PaymentMethod(Randomizer random) => random.Double() switch
    {
        < 0.45 => "online",
        < 0.70 => "cash",
        < 0.85 => "direct_debit",
        < 0.95 => "card",
        _ => "bank_transfer",
    };

    private static string StbModel(Random rng) => rng.NextDouble() switch
    {
        < 0.5 => "DSB-1000",
        < 0.8 => "DSB-2000HD",
        _ => "UHD-4K-X1",
    };

    private static Guid DeterministicGuid(Random rng)
    {
        Span<byte> bytes = stackalloc byte[16];
        rng.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    private sealed record Subscriber(
        Guid Id, string CustomerNumber, string AccountNumber, string Status, string GivenName, string FamilyName, DateOnly BirthDate,
        string Email, string Phone, string Street, string City, string PostalCode, string Region, Guid? LcoId, PlanData Plan,
        DateTimeOffset Created, Guid AccountId, Guid DeviceId, Guid CardId, Guid SubscriptionId, int BillCycleDay, string Serial,
        string PaymentMethod, bool Prepaid, DateTimeOffset? End);

    private sealed record Change(Guid SubscriptionId, string Kind, DateTimeOffset At, string? Reason);
}

internal static class BinaryImporterExtensions
{
    /// <summary>Writes one row synchronously (buffered; far cheaper per value than the async writes), inferring each column's type.</summary>
    public static void WriteRow(this NpgsqlBinaryImporter importer, params object[] values)
    {
        importer.StartRow();
        foreach (var value in values)
        {
            switch (value)
            {
                case DBNull:
                    importer.WriteNull();
                    break;
                case DateTimeOffset dto:
                    importer.Write(dto.ToUniversalTime(), NpgsqlDbType.TimestampTz);
                    break;
                case Guid g:
                    importer.Write(g, NpgsqlDbType.Uuid);
                    break;
                case string s:
                    importer.Write(s, NpgsqlDbType.Text);
                    break;
                case decimal d:
                    importer.Write(d, NpgsqlDbType.Numeric);
                    break;
                case bool b:
                    importer.Write(b, NpgsqlDbType.Boolean);
                    break;
                case short sh:
                    importer.Write(sh, NpgsqlDbType.Smallint);
                    break;
                case int i:
                    importer.Write(i, NpgsqlDbType.Integer);
                    break;
                case byte[] bytes:
                    importer.Write(bytes, NpgsqlDbType.Bytea);
                    break;
                default:
                    throw new ArgumentException($"unsupported COPY value type {value.GetType()}", nameof(values));
            }
        }
    }

    /// <summary>Writes one row, inferring each column's type from the value (DBNull writes NULL).</summary>
    public static async Task WriteRowAsync(this NpgsqlBinaryImporter importer, CancellationToken ct, params object[] values)
    {
        await importer.StartRowAsync(ct).ConfigureAwait(false);
        foreach (var value in values)
        {
            switch (value)
            {
                case DBNull:
                    await importer.WriteNullAsync(ct).ConfigureAwait(false);
                    break;
                case DateTimeOffset dto:
                    await importer.WriteAsync(dto.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
                    break;
                case Guid g:
                    await importer.WriteAsync(g, NpgsqlDbType.Uuid, ct).ConfigureAwait(false);
                    break;
                case string s:
                    await importer.WriteAsync(s, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    break;
                case decimal d:
                    await importer.WriteAsync(d, NpgsqlDbType.Numeric, ct).ConfigureAwait(false);
                    break;
                case bool b:
                    await importer.WriteAsync(b, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
                    break;
                case short sh:
                    await importer.WriteAsync(sh, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
                    break;
                case int i:
                    await importer.WriteAsync(i, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                    break;
                case byte[] bytes:
                    await importer.WriteAsync(bytes, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new ArgumentException($"unsupported COPY value type {value.GetType()}", nameof(values));
            }
        }
    }
}
