namespace Dashboard.Readings;

// Reserved JSON keys (any case): the time, the device, and at the top level the state, the value and its unit.
public static partial class PayloadParser
{
    private enum Field
    {
        Plain,
        Time,
        Device,
        State,
        Value,
        Unit,
    }

    private static Field Classify(ReadOnlySpan<char> name, bool topLevel)
    {
        if (Is(name, "timestamp") || Is(name, "time") || Is(name, "ts"))
        {
            return Field.Time;
        }

        if (Is(name, "sensor_id") || Is(name, "device_id") || Is(name, "device") || Is(name, "sensorid") || Is(name, "deviceid"))
        {
            return Field.Device;
        }

        if (!topLevel)
        {
            return Field.Plain;
        }

        if (Is(name, "state") || Is(name, "status"))
        {
            return Field.State;
        }

        if (Is(name, "value") || Is(name, "val"))
        {
            return Field.Value;
        }

        return Is(name, "unit") ? Field.Unit : Field.Plain;

        static bool Is(ReadOnlySpan<char> name, string key) => name.Equals(key, StringComparison.OrdinalIgnoreCase);
    }
}
