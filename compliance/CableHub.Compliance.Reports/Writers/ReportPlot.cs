using ScottPlot;

namespace CableHub.Compliance.Reports.Writers;

/// <summary>The document's chart as a PNG (ScottPlot bar chart).</summary>
public static class ReportPlot
{
    public static byte[] Png(ReportChart chart, int width = 1400, int height = 600)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var plot = new Plot();
        var bars = chart.Values.Select((v, i) => new Bar { Position = i, Value = v, FillColor = v >= 0 ? Colors.SteelBlue : Colors.IndianRed }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. chart.Labels.Select((_, i) => (double)i)], [.. chart.Labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = chart.Labels.Count > 12 ? 60 : 0;
        plot.Axes.Bottom.TickLabelStyle.Alignment = chart.Labels.Count > 12 ? Alignment.MiddleLeft : Alignment.UpperCenter;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Title(chart.Title);
        plot.YLabel(chart.ValueLabel);
        plot.Axes.Margins(bottom: 0, top: 0.1);
        if (chart.Labels.Count > 12)
        {
            plot.Layout.Fixed(new PixelPadding(80, 20, 140, 40));
        }

        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
