namespace Dashboard.History;

/// <summary>
/// One point of a series as returned: the mean <paramref name="Value"/> of <paramref name="Count"/> readings from
/// <paramref name="Time"/> (unix ms; a bucket's start when downsampled), with their <paramref name="Min"/> and
/// <paramref name="Max"/>. A raw reading is a point of count 1 with min = max = value.
/// </summary>
public readonly record struct HistoryPoint(long Time, double Value, double Min, double Max, long Count);

/// <summary>
/// Reduces a time-ordered stream of samples (raw readings or rollup rows) to at most <c>maxPoints</c> points.
/// While the samples fit, they are kept as they are; beyond that, they are merged into equal buckets aligned on
/// multiples of the bucket width (so the same data gives the same buckets whatever the range asked), each keeping
/// the min and the max of what fell into it, so a peak never vanishes however far the chart zooms out.
/// Memory is O(maxPoints), whatever the number of samples.
/// </summary>
public sealed class Downsampler
{
    private readonly long _from;
    private readonly long _to;
    private readonly int _maxPoints;
    private readonly long _resolution;
    private readonly List<HistoryPoint> _points;
    private long _width;
    private long _bucket = long.MinValue;
    private double _min;
    private double _max;
    private double _sum;
    private long _count;

    /// <param name="from">Start of the range asked, unix ms.</param>
    /// <param name="to">End of the range asked, unix ms.</param>
    /// <param name="maxPoints">At least 2.</param>
    /// <param name="resolution">The samples' own bucket width in ms: 1 for raw readings, a minute or an hour for rollups; buckets are multiples of it.</param>
    public Downsampler(long from, long to, int maxPoints, long resolution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        (_from, _to, _maxPoints, _resolution) = (from, to, maxPoints, resolution);
        _points = new List<HistoryPoint>(Math.Min(maxPoints, 1024));
    }

    /// <summary>The bucket width in ms once the samples did not fit; 0 while they are kept as they are.</summary>
    public long BucketWidth => _width;

    /// <summary>Adds the next sample; times must not go backwards.</summary>
    public void Add(long time, double min, double max, double sum, long count)
    {
        if (_width == 0)
        {
            if (_points.Count < _maxPoints)
            {
                _points.Add(new HistoryPoint(time, sum / count, min, max, count));
                return;
            }

            StartBucketing();
        }

        Merge(time, min, max, sum, count);
    }

    public void Add(long time, double value) => Add(time, value, value, value, 1);

    /// <summary>The points, oldest first; call once, after the last sample.</summary>
    public IReadOnlyList<HistoryPoint> Finish()
    {
        if (_width > 0 && _count > 0)
        {
            EmitBucket();
        }

        return _points;
    }

    /// <summary>
    /// The smallest width, a multiple of the resolution, for which the aligned buckets that meet [from, to] are at most
    /// maxPoints: those are at most (to - from) / width + 2 buckets, hence width ≥ (to - from) / (maxPoints - 1).
    /// </summary>
    public static long WidthFor(long from, long to, int maxPoints, long resolution)
    {
        var span = Math.Max(1, to - from);
        var width = (span + maxPoints - 2) / (maxPoints - 1); // ceiling
        width = Math.Max(width, resolution);
        return (width + resolution - 1) / resolution * resolution;
    }

    private void StartBucketing()
    {
        _width = WidthFor(_from, _to, _maxPoints, _resolution);
        var kept = _points.ToArray();
        _points.Clear();
        foreach (var p in kept)
        {
            Merge(p.Time, p.Min, p.Max, p.Value * p.Count, p.Count);
        }
    }

    private void Merge(long time, double min, double max, double sum, long count)
    {
        var bucket = HistoryStore.BucketStart(time, _width);
        if (bucket != _bucket)
        {
            if (_count > 0)
            {
                EmitBucket();
            }

            (_bucket, _min, _max, _sum, _count) = (bucket, min, max, sum, count);
            return;
        }

        _min = Math.Min(_min, min);
        _max = Math.Max(_max, max);
        _sum += sum;
        _count += count;
    }

    private void EmitBucket()
    {
        _points.Add(new HistoryPoint(_bucket, _sum / _count, _min, _max, _count));
        _count = 0;
    }
}
