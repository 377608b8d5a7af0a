using Dashboard.History;

namespace Dashboard.Tests.History;

public sealed class DownsamplerTests
{
    private const long Second = 1000;

    private static IReadOnlyList<HistoryPoint> Downsample(IEnumerable<(long Time, double Value)> samples, long from, long to, int maxPoints)
    {
        var downsampler = new Downsampler(from, to, maxPoints, resolution: 1);
        foreach (var (time, value) in samples)
        {
            downsampler.Add(time, value);
        }

        return downsampler.Finish();
    }

    private static IEnumerable<(long, double)> Sine(int count) =>
        Enumerable.Range(0, count).Select(i => (i * Second, 20 + Math.Sin(i / 50.0)));

    [Fact]
    public void Samples_that_fit_are_returned_as_they_are()
    {
        var points = Downsample([(0, 1.5), (Second, 2.5), (2 * Second, -3)], 0, 10 * Second, maxPoints: 3);

        Assert.Equal(
            [new HistoryPoint(0, 1.5, 1.5, 1.5, 1), new HistoryPoint(Second, 2.5, 2.5, 2.5, 1), new HistoryPoint(2 * Second, -3, -3, -3, 1)],
            points);
    }

    [Fact]
    public void Many_samples_become_at_most_max_points()
    {
        var points = Downsample(Sine(100_000), 0, 100_000 * Second, maxPoints: 500);

        Assert.InRange(points.Count, 400, 500);
        Assert.Equal(100_000, points.Sum(p => p.Count));
    }

    [Fact]
    public void A_single_spike_survives_as_its_buckets_max_and_a_dip_as_its_min()
    {
        var samples = Sine(100_000).Select(s => s.Item1 == 31_337 * Second ? (s.Item1, 99.0) : s.Item1 == 77_777 * Second ? (s.Item1, -50.0) : s).ToList();

        var points = Downsample(samples, 0, 100_000 * Second, maxPoints: 200);

        Assert.Equal(99.0, points.Max(p => p.Max));
        Assert.Equal(-50.0, points.Min(p => p.Min));
        var spike = points.Single(p => p.Max == 99.0);
        Assert.True(spike.Value < 25, "the spike's bucket averages it with its neighbours");
    }

    [Fact]
    public void Bucket_means_weighted_by_count_give_the_overall_mean()
    {
        var samples = Sine(12_345).ToList();

        var points = Downsample(samples, 0, 12_345 * Second, maxPoints: 100);

        Assert.Equal(samples.Average(s => s.Item2), points.Sum(p => p.Value * p.Count) / points.Sum(p => p.Count), precision: 9);
    }

    [Fact]
    public void Buckets_are_aligned_so_the_same_data_gives_the_same_buckets_for_a_shifted_range()
    {
        var samples = Sine(10_000).ToList();

        var first = Downsample(samples, 0, 10_000 * Second, maxPoints: 101);
        var shifted = Downsample(samples.Where(s => s.Item1 >= 1000 * Second), 1000 * Second, 11_000 * Second, maxPoints: 101);

        var width = Downsampler.WidthFor(0, 10_000 * Second, 101, 1);
        Assert.All(first.Concat(shifted), p => Assert.Equal(0, p.Time % width));
        Assert.Equal(first.Where(p => p.Time >= 1000 * Second), shifted);
    }

    [Fact]
    public void Rollup_rows_are_merged_into_buckets_that_are_whole_multiples_of_their_width()
    {
        const long minute = 60_000;
        var downsampler = new Downsampler(0, 30L * 24 * 60 * minute, 1000, minute);
        for (long t = 0; t < 30L * 24 * 60 * minute; t += minute)
        {
            downsampler.Add(t, min: 1, max: 3, sum: 120, count: 60);
        }

        var points = downsampler.Finish();

        Assert.Equal(0, downsampler.BucketWidth % minute);
        Assert.True(points.Count <= 1000);
        Assert.All(points, p => Assert.Equal((1.0, 3.0, 2.0), (p.Min, p.Max, p.Value)));
        Assert.Equal(30L * 24 * 60 * 60, points.Sum(p => p.Count));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Any_range_gives_at_most_max_points(int maxPoints)
    {
        var random = new Random(maxPoints);
        for (var run = 0; run < 200; run++)
        {
            var from = random.NextInt64(-1_000_000_000, 1_000_000_000);
            var to = from + random.NextInt64(0, 100_000_000);
            var count = random.Next(0, 5000);
            var times = Enumerable.Range(0, count).Select(_ => random.NextInt64(from, to + 1)).Order().ToList();

            var points = Downsample(times.Select(t => (t, 1.0)), from, to, maxPoints);

            Assert.True(points.Count <= maxPoints, $"{points.Count} points for maxPoints {maxPoints}, range {from}..{to}, {count} samples");
            Assert.Equal(count, points.Sum(p => p.Count));
        }
    }

    [Fact]
    public void Fewer_than_two_points_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Downsampler(0, 10, 1, 1));
    }
}
