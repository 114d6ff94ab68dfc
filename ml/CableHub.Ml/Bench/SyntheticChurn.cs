using System.Globalization;
using CableHub.Ml.Data;

namespace CableHub.Ml.Bench;

/// <summary>
/// Seeded synthetic cable-TV subscribers with realistic churn drivers — short tenure, month-to-month contracts,
/// price rises, late payments, set-top box faults and tickets raise churn; long contracts, automatic payment and
/// VOD use lower it — plus noise features. For benchmarks (encoded rows directly) and tests (a text table).
/// </summary>
public static class SyntheticChurn
{
    /// <summary>Names of the 30 encoded features of <see cref="Encoded"/>.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
    [
        "tenure_months", "monthly_price", "price_change_12m", "contract_monthly", "contract_annual", "contract_biennial",
        "pay_online", "pay_cash", "pay_direct_debit", "pay_card", "channels", "hd_share", "sports_share", "kids_share",
        "vod_spend_90d", "vod_purchases_90d", "late_payments_180d", "late_fees_180d", "suspensions_365d", "tickets_90d",
        "stb_faults_90d", "box_age_months", "upgrades_365d", "downgrades_365d", "region_north", "region_south",
        "region_east", "prepaid", "noise_a", "noise_b",
    ];

    /// <summary><paramref name="rows"/> encoded rows (30 floats each) and labels.</summary>
    public static (float[][] Features, bool[] Labels) Encoded(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows][];
        var labels = new bool[rows];
        for (var i = 0; i < rows; i++)
        {
            var (x, churn) = Subscriber(random);
            features[i] = x;
            labels[i] = churn;
        }

        return (features, labels);
    }

    /// <summary>The same subscribers as a text table (customer_id, named columns, churned Yes/No), with a few blanks.</summary>
    public static RawTable Table(int rows, int seed)
    {
        var random = new Random(seed);
        var columns = new List<string> { "customer_id", "tenure_months", "monthly_price", "contract", "payment_method", "channels", "vod_spend_90d", "late_payments_180d", "tickets_90d", "stb_faults_90d", "paperless", "region", "churned" };
        var data = new List<string[]>(rows);
        for (var i = 0; i < rows; i++)
        {
            var (x, churn) = Subscriber(random);
            var contract = x[3] == 1 ? "Month-to-month" : x[4] == 1 ? "One year" : "Two year";
            var payment = x[6] == 1 ? "Online" : x[7] == 1 ? "Cash" : x[8] == 1 ? "Direct debit" : "Card";
            var region = x[24] == 1 ? "North" : x[25] == 1 ? "South" : x[26] == 1 ? "East" : "West";
            var vod = random.NextDouble() < 0.02 ? " " : F(x[14]);
            data.Add([
                $"C{seed:000}{i:0000000}", F(x[0]), F(x[1]), contract, payment, F(x[10]), vod, F(x[16]), F(x[19]), F(x[20]),
                random.NextDouble() < 0.5 ? "Yes" : "No", region, churn ? "Yes" : "No",
            ]);
        }

        return new RawTable(columns, data, $"synthetic({rows},{seed})");
    }

    private static (float[] X, bool Churn) Subscriber(Random random)
    {
        var x = new float[30];
        var tenure = Math.Floor(Math.Pow(random.NextDouble(), 1.6) * 96) + 1;
        var contract = random.NextDouble() switch { < 0.55 => 0, < 0.8 => 1, _ => 2 };
        var payment = random.Next(4);
        var price = 150 + (random.NextDouble() * 450) + (contract * 40);
        var priceChange = random.NextDouble() < 0.3 ? random.NextDouble() * 80 : 0;
        var channels = 40 + (price / 4) + (random.NextDouble() * 40);
        var late = Poisson(random, payment == 1 ? 0.9 : 0.3);
        var tickets = Poisson(random, 0.35);
        var faults = Poisson(random, 0.15);
        var vodPurchases = Poisson(random, 1.2);
        var vodSpend = vodPurchases * (40 + (random.NextDouble() * 80));
        var region = random.Next(4);

        x[0] = (float)tenure;
        x[1] = (float)Math.Round(price, 2);
        x[2] = (float)Math.Round(priceChange, 2);
        x[3 + contract] = 1;
        x[6 + payment] = 1;
        x[10] = (float)Math.Round(channels);
        x[11] = (float)random.NextDouble();
        x[12] = (float)random.NextDouble() * 0.3f;
        x[13] = (float)random.NextDouble() * 0.2f;
        x[14] = (float)Math.Round(vodSpend, 2);
        x[15] = vodPurchases;
        x[16] = late;
        x[17] = late * 50;
        x[18] = Poisson(random, late > 1 ? 0.4 : 0.05);
        x[19] = tickets;
        x[20] = faults;
        x[21] = (float)Math.Floor(random.NextDouble() * 84);
        x[22] = Poisson(random, 0.2);
        x[23] = Poisson(random, 0.15);
        if (region < 3)
        {
            x[24 + region] = 1;
        }

        x[27] = payment == 1 && random.NextDouble() < 0.6 ? 1 : 0;
        x[28] = (float)random.NextDouble();
        x[29] = (float)(random.NextDouble() * 10);

        var logit = -1.6
            - (1.1 * Math.Log(tenure / 12.0))
            + (contract == 0 ? 1.3 : contract == 1 ? 0 : -1.0)
            + (0.004 * (price - 300))
            + (0.015 * priceChange)
            + (payment == 1 ? 0.5 : payment == 2 ? -0.4 : 0)
            + (0.55 * late)
            + (0.8 * x[18])
            + (0.45 * tickets)
            + (0.7 * faults)
            + (tickets > 0 && faults > 0 ? 0.6 : 0)
            - (0.25 * Math.Min(vodPurchases, 4))
            + (0.35 * x[23]) - (0.2 * x[22])
            + (0.6 * (random.NextDouble() - 0.5));
        var churn = random.NextDouble() < 1 / (1 + Math.Exp(-logit));
        return (x, churn);
    }

    private static int Poisson(Random random, double lambda)
    {
        var l = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= random.NextDouble();
        }
        while (p > l);
        return k - 1;
    }

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
