namespace Dashboard.Simulator;

/// <summary>Temperature and humidity that drift smoothly around a per-device baseline.</summary>
internal sealed class SimulatedSensor(Random random)
{
    private readonly RandomWalk _temperature = new(random, baseline: 18 + (random.NextDouble() * 10), step: 0.15, min: 5, max: 40);
    private readonly RandomWalk _humidity = new(random, baseline: 30 + (random.NextDouble() * 40), step: 0.4, min: 5, max: 95);

    public Reading Next() => new(_temperature.Next(), _humidity.Next());

    private sealed class RandomWalk(Random random, double baseline, double step, double min, double max)
    {
        private double _offset;

        public double Next()
        {
            // A small pull back toward the baseline keeps the walk wandering near it instead of drifting off.
            _offset += (((random.NextDouble() * 2) - 1) * step) - (_offset * 0.02);
            return Math.Clamp(baseline + _offset, min, max);
        }
    }
}
