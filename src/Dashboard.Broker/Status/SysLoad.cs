namespace Dashboard.Broker.Status;

/// <summary>
/// Mosquitto's <c>$SYS/broker/load/…/1min|5min|15min</c>: a counter's rate per minute since the last refresh, smoothed
/// with the decay Mosquitto uses (e^(-seconds/60), /300, /900), so dashboards made for Mosquitto read the same figures.
/// </summary>
internal sealed class SysLoad(string topic)
{
    private static readonly (string Name, double Seconds)[] Windows = [("1min", 60), ("5min", 300), ("15min", 900)];
    private readonly double[] _averages = new double[Windows.Length];
    private long? _last;

    /// <summary>Takes the counter's value <paramref name="seconds"/> after the previous one; the first call only starts it (all 0.00).</summary>
    public (string Topic, string Value)[] Update(long counter, double seconds)
    {
        if (_last is { } last && seconds > 0)
        {
            var perMinute = (counter - last) * 60 / seconds;
            for (var i = 0; i < Windows.Length; i++)
            {
                _averages[i] = perMinute + Math.Exp(-seconds / Windows[i].Seconds) * (_averages[i] - perMinute);
            }
        }

        _last = counter;
        return [.. Windows.Select((window, i) => ($"load/{topic}/{window.Name}", _averages[i].ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))];
    }
}
