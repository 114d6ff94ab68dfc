using System.Globalization;
using System.Net;
using System.Text;
using CableHub.Ml.Training;

namespace CableHub.Ml.Reporting;

/// <summary>The files a report consists of.</summary>
public sealed record ReportFiles(string Directory, string Html, string MetricsJson, IReadOnlyList<string> Plots);

/// <summary>
/// One self-contained page per run: headline metrics, confusion matrix, candidates, the plots (PNG files beside it)
/// and the columns with what was done to each.
/// </summary>
public static class HtmlReport
{
    /// <summary>Writes plots, metrics.json and report.html into <paramref name="directory"/>.</summary>
    public static ReportFiles Write(TrainingResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var plots = Plots.WriteAll(result, directory);
        var metrics = MetricsDocument.From(result);
        var jsonPath = Path.Combine(directory, "metrics.json");
        File.WriteAllText(jsonPath, metrics.ToJson());
        var htmlPath = Path.Combine(directory, "report.html");
        File.WriteAllText(htmlPath, Render(result));
        return new ReportFiles(directory, htmlPath, jsonPath, plots);
    }

    public static string Render(TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var t = result.Test;
        var c = t.Confusion;
        var html = new StringBuilder();
        html.Append("""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Churn model report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1280px;color:#222}
            h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.1rem;margin-top:1.6rem}
            .muted{color:#666;font-size:.9rem}
            .cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
            .card{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;min-width:7.5rem}
            .card b{display:block;font-size:1.4rem}
            table{border-collapse:collapse;font-size:.9rem} td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
            th{background:#f4f4f4} td.l,th.l{text-align:left}
            .plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:.8rem}
            .plots figure{margin:0} .plots img{width:100%;border:1px solid #eee}
            .chosen{background:#eef6ee}
            </style></head><body>
            """);
        html.Append(CultureInfo.InvariantCulture, $"<h1>Churn model report</h1><p class=\"muted\">{E(result.Source)} · label <b>{E(result.Label.Column)}</b> = “{E(result.Label.PositiveValue)}” · {result.Rows:N0} rows");
        if (result.RowsWithoutLabel > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $" ({result.RowsWithoutLabel:N0} without a label left out)");
        }

        html.Append(CultureInfo.InvariantCulture, $" · seed {result.Options.Seed} · stratified {result.TrainRows.Length:N0} train / {result.TestRows.Length:N0} held-out · {result.Options.Folds}-fold CV on the train part · {result.Elapsed.TotalSeconds:0.0} s");
        if (result.DataSha256 is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $" · data SHA-256 <code>{result.DataSha256[..16]}…</code>");
        }

        html.Append("</p>");
        html.Append("<div class=\"cards\">");
        Card(html, "AUC (held-out)", t.Auc);
        Card(html, "PR-AUC", t.PrAuc);
        Card(html, $"F1 at {t.Threshold:0.000}", c.F1);
        Card(html, "Precision", c.Precision);
        Card(html, "Recall", c.Recall);
        Card(html, "Lift, top decile", t.LiftTopDecile, "×");
        Card(html, "Brier score", t.Brier);
        Card(html, "Churn rate", t.PositiveRate);
        html.Append("</div>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Chosen model: <b>{E(result.Chosen.Name)}</b> — {E(result.Chosen.Settings)}; cross-validated AUC {result.Chosen.MeanAuc:0.000} ± {result.Chosen.StdAuc:0.000}. Probabilities are Platt-calibrated on out-of-fold scores; the threshold {t.Threshold:0.000} maximised F1 out of fold.</p>");

        html.Append("<h2>Confusion matrix (held-out, at the threshold)</h2><table><tr><th></th><th>predicted churn</th><th>predicted stay</th></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><th class=\"l\">churned</th><td>{c.TruePositives:N0}</td><td>{c.FalseNegatives:N0}</td></tr>");
        html.Append(CultureInfo.InvariantCulture, $"<tr><th class=\"l\">stayed</th><td>{c.FalsePositives:N0}</td><td>{c.TrueNegatives:N0}</td></tr></table>");

        html.Append("<h2>Plots</h2><div class=\"plots\">");
        foreach (var (file, title) in Plots.Files)
        {
            html.Append(CultureInfo.InvariantCulture, $"<figure><img src=\"{file}\" alt=\"{E(title)}\"><figcaption class=\"muted\">{E(title)}</figcaption></figure>");
        }

        html.Append("</div>");

        html.Append("<h2>Candidates (cross-validated AUC on the training part)</h2><table><tr><th class=\"l\">candidate</th><th class=\"l\">settings</th><th>mean AUC</th><th>± sd</th><th>folds</th><th>seconds</th></tr>");
        foreach (var r in result.Candidates.OrderByDescending(r => r.MeanAuc))
        {
            var cls = r.Name == result.Chosen.Name ? " class=\"chosen\"" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr{cls}><td class=\"l\">{E(r.Name)}</td><td class=\"l\">{E(r.Settings)}</td><td>{r.MeanAuc:0.0000}</td><td>{r.StdAuc:0.0000}</td><td>{string.Join(" ", r.FoldAucs.Select(a => a.ToString("0.000", CultureInfo.InvariantCulture)))}</td><td>{r.Seconds:0.0}</td></tr>");
        }

        html.Append("</table>");

        html.Append("<h2>Permutation importance (held-out)</h2><table><tr><th class=\"l\">column</th><th class=\"l\">kind</th><th>AUC drop</th><th>± sd</th></tr>");
        foreach (var f in result.Importance)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(f.Column)}</td><td class=\"l\">{E(f.Kind)}</td><td>{f.AucDrop:0.0000}</td><td>{f.Std:0.0000}</td></tr>");
        }

        html.Append("</table>");

        html.Append("<h2>Columns</h2><table><tr><th class=\"l\">column</th><th class=\"l\">kind</th><th>blanks</th><th>distinct</th><th class=\"l\">why</th></tr>");
        foreach (var p in result.Profiles)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"l\">{E(p.Name)}</td><td class=\"l\">{(p.IsFeature ? "" : "dropped: ")}{p.Kind}</td><td>{p.Blanks:N0}</td><td>{p.Distinct:N0}</td><td class=\"l\">{E(p.Reason)}</td></tr>");
        }

        html.Append("</table>");
        html.Append("<p class=\"muted\">Scores support retention offers; they are not automated decisions with legal or similarly significant effects on a customer (GDPR Art. 22). Each score keeps its top reasons so a person can review it.</p>");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string title, double value, string suffix = "") =>
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\"><span class=\"muted\">{E(title)}</span><b>{value:0.000}{suffix}</b></div>");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
