namespace Dashboard.Live;

/// <summary>A series' last values and their times, for a sparkline: a ring that overwrites the oldest.</summary>
internal sealed class RecentValues(int capacity)
{
    private readonly double[] _values = new double[capacity];
    private readonly long[] _times = new long[capacity];
    private int _next;
    private int _count;

    public void Add(double value, long ticks)
    {
        _values[_next] = value;
        _times[_next] = ticks;
        _next = (_next + 1) % _values.Length;
        _count = Math.Min(_count + 1, _values.Length);
    }

    /// <summary>Copies of the values and their (UTC) times, oldest first.</summary>
    public (double[] Values, DateTimeOffset[] Times) ToArrays()
    {
        var values = new double[_count];
        var times = new DateTimeOffset[_count];
        for (var i = 0; i < _count; i++)
        {
            var index = (_next - _count + i + _values.Length) % _values.Length;
            values[i] = _values[index];
            times[i] = new DateTimeOffset(_times[index], TimeSpan.Zero);
        }

        return (values, times);
    }
}
