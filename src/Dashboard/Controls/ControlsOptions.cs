using System.ComponentModel.DataAnnotations;

namespace Dashboard.Controls;

/// <summary>Section <c>Controls</c>: how commands are sent and how long their round trip is followed.</summary>
public sealed class ControlsOptions
{
    public const string Section = "Controls";

    /// <summary>How long a command waits for the device's state topic to show the new value before it is "no answer".</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The QoS commands are published with (a device's subscription may lower it).</summary>
    [Range(0, 2)]
    public int CommandQos { get; set; } = 1;

    /// <summary>Commands kept in memory for <c>GET /api/commands/{id}</c>; the oldest go first.</summary>
    [Range(1, 100_000)]
    public int MaxCommands { get; set; } = 1000;
}
