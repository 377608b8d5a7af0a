namespace Dashboard.Devices.Conventions;

/// <summary>
/// One entity a discovery config declares, with what a publish on its topics means: its state topic carries
/// <see cref="Metric"/> (a number, or 1/0 for <see cref="On"/>/<see cref="Off"/>), its availability topics its device's
/// presence, its command topics orders to it.
/// </summary>
internal sealed record HomeAssistantEntity(
    string Component,
    string Metric,
    string? Unit,
    string? DeviceClass,
    HomeAssistantDevice? Device,
    string FallbackDeviceId,
    string? StateTopic,
    HomeAssistantTemplate Template,
    EntityValue Value,
    string? On,
    string? Off,
    string[] CommandTopics,
    HomeAssistantAvailability[] Availability)
{
    /// <summary>What a dashboard user may command of it (switch, light, button, number, select), if anything.</summary>
    public Controls.ControlDefinition? Control { get; init; }
}

/// <summary>The config's <c>device</c> block; <see cref="Identifiers"/> holds the <c>identifiers</c>, then the <c>connections</c>' values.</summary>
internal sealed record HomeAssistantDevice(string? Name, string[] Identifiers, string? Manufacturer, string? Model);

/// <summary>An availability topic and the payloads (after its template) that mean online and offline.</summary>
internal sealed record HomeAssistantAvailability(string Topic, string Available, string NotAvailable, HomeAssistantTemplate Template);

internal enum EntityValue
{
    /// <summary>sensor, number: the state is a number.</summary>
    Number,

    /// <summary>binary_sensor, switch, light, lock, cover …: the state is one of two words, read as 1/0.</summary>
    OnOff,

    /// <summary>select, text, climate, update …: the state is not a reading.</summary>
    None,
}
