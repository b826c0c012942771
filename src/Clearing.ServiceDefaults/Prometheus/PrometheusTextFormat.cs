using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Clearing.ServiceDefaults.Prometheus;

/// <summary>
/// Writes OpenTelemetry metrics in the Prometheus text exposition format 0.0.4, following OpenTelemetry's
/// "Prometheus and OpenMetrics compatibility" rules: dots and other invalid characters become underscores,
/// the unit becomes a suffix (s → _seconds, By → _bytes, 1 → _ratio; annotations in braces are dropped),
/// monotonic sums get <c>_total</c>, histograms become cumulative <c>_bucket{le=…}</c>, <c>_sum</c> and <c>_count</c>.
/// </summary>
public static class PrometheusTextFormat
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(StringBuilder output, Metric metric)
    {
        var name = MetricName(metric.Name, metric.Unit);
        var (type, suffix) = metric.MetricType switch
        {
            // A counter named "..._total" already has the suffix (OpenTelemetry's compatibility rules add it once).
            MetricType.LongSum or MetricType.DoubleSum => ("counter", name.EndsWith("_total", StringComparison.Ordinal) ? "" : "_total"),
            MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic => ("gauge", ""),
            MetricType.Histogram => ("histogram", ""),
            // Exponential histograms are not configured anywhere in Clearing; they have no 0.0.4 representation.
            _ => ("", ""),
        };
        if (type.Length == 0)
        {
            return;
        }

        if (!string.IsNullOrEmpty(metric.Description))
        {
            output.Append("# HELP ").Append(name).Append(suffix).Append(' ').Append(EscapeHelp(metric.Description)).Append('\n');
        }

        output.Append("# TYPE ").Append(name).Append(suffix).Append(' ').Append(type).Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(point.Tags);
            var timestampMs = point.EndTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            switch (metric.MetricType)
            {
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    Sample(output, name + suffix, labels, null, Number(point.GetSumLong()), timestampMs);
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    Sample(output, name + suffix, labels, null, Number(point.GetSumDouble()), timestampMs);
                    break;
                case MetricType.LongGauge:
                    Sample(output, name, labels, null, Number(point.GetGaugeLastValueLong()), timestampMs);
                    break;
                case MetricType.DoubleGauge:
                    Sample(output, name, labels, null, Number(point.GetGaugeLastValueDouble()), timestampMs);
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        var le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound);
                        Sample(output, name + "_bucket", labels, le, Number(cumulative), timestampMs);
                    }

                    Sample(output, name + "_sum", labels, null, Number(point.GetHistogramSum()), timestampMs);
                    Sample(output, name + "_count", labels, null, Number(point.GetHistogramCount()), timestampMs);
                    break;
            }
        }
    }

    /// <summary>The Prometheus metric name for an OpenTelemetry instrument name and unit.</summary>
    public static string MetricName(string instrumentName, string? unit)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var unitSuffix = UnitSuffix(unit);
        if (unitSuffix.Length > 0 && !name.EndsWith("_" + unitSuffix, StringComparison.Ordinal))
        {
            name += "_" + unitSuffix;
        }

        return name;
    }

    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string UnitSuffix(string? unit)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return "";
        }

        // Annotations such as "{deposit}" carry no unit for Prometheus; "{request}/s" is a rate per second.
        var withoutAnnotations = System.Text.RegularExpressions.Regex.Replace(unit, @"\{[^}]*\}", "");
        var slash = withoutAnnotations.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var numerator = UnitWord(withoutAnnotations[..slash]);
            var denominator = withoutAnnotations[(slash + 1)..] switch
            {
                "s" => "second",
                "m" => "minute",
                "h" => "hour",
                "d" => "day",
                var other => UnitWord(other),
            };
            return (numerator.Length > 0 ? numerator + "_per_" : "per_") + denominator;
        }

        return UnitWord(withoutAnnotations);
    }

    private static string UnitWord(string unit) => unit switch
    {
        "" => "",
        "1" => "ratio",
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        "%" => "percent",
        _ => Sanitize(unit, allowColon: false),
    };

    private static string Sanitize(string text, bool allowColon)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            builder.Append(valid ? c : '_');
        }

        if (builder.Length > 0 && char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static string Labels(ReadOnlyTagCollection tags)
    {
        var builder = new StringBuilder();
        foreach (var tag in tags)
        {
            builder.Append(builder.Length == 0 ? "" : ",")
                .Append(Sanitize(tag.Key, allowColon: false))
                .Append("=\"")
                .Append(EscapeLabelValue(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""))
                .Append('"');
        }

        return builder.ToString();
    }

    private static void Sample(StringBuilder output, string name, string labels, string? le, string value, string timestampMs)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{').Append(labels);
            if (le is not null)
            {
                output.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(value).Append(' ').Append(timestampMs).Append('\n');
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeHelp(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
