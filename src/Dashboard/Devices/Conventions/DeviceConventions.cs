namespace Dashboard.Devices.Conventions;

/// <summary>The known conventions, asked in order (discovery first, then the firmware conventions); the first that claims a topic decides.</summary>
public sealed class DeviceConventions(IEnumerable<IDeviceConvention> conventions)
{
    private readonly IDeviceConvention[] _conventions = [.. conventions];

    public static readonly DeviceConventions None = new([]);

    public ConventionReading? Read(string topic, ReadOnlySpan<byte> payload, DateTimeOffset arrived)
    {
        foreach (var convention in _conventions)
        {
            if (convention.Read(topic, payload, arrived) is { } reading)
            {
                return reading;
            }
        }

        return null;
    }
}
