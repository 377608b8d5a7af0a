using System.Globalization;
using Dashboard.Accounts;
using Dashboard.Controls;
using Dashboard.Devices.Controls;
using Dashboard.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Dashboard.Components.Controls;

/// <summary>
/// A device's controls, on its card (<see cref="Compact"/>) and its page: the state for everyone, the control itself for
/// admins, and the round trip of the last command sent from here, live, in words and icons.
/// </summary>
public sealed partial class DeviceControls
{
    private IReadOnlyList<DeviceControl> _controls = [];
    private HashSet<string> _stateTopics = [];
    private readonly Dictionary<string, string> _lastCommand = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sending = new(StringComparer.Ordinal);
    private bool _isAdmin;
    private string _user = "";

    [Parameter, EditorRequired] public DeviceSnapshot Device { get; set; } = null!;

    [Parameter] public bool Compact { get; set; }

    [Inject] private ControlCatalog Catalog { get; set; } = null!;

    [Inject] private CommandService Commands { get; set; } = null!;

    [Inject] private LiveFeed Feed { get; set; } = null!;

    [Inject] private ISnackbar Snackbar { get; set; } = null!;

    [Inject] private IDialogService Dialogs { get; set; } = null!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (AuthenticationState is { } authentication) // absent where nobody signs in (a component rendered on its own)
        {
            var user = (await authentication).User;
            _isAdmin = user.IsInRole(DashboardRoles.Admin);
            _user = PublishChecks.Publisher(user);
        }

        Read();
    }

    protected override void OnParametersSet() => Read();

    protected override void Subscribe()
    {
        Follow<CommandRoundTrip>(Commands.Subscribe, trip => trip.DeviceId == Device.Id);
        Follow<LiveBatch>(Feed.Subscribe, batch => _stateTopics.Count > 0 && (batch.Overflowed || batch.Changes.Any(c => c is TopicChanged t && _stateTopics.Contains(t.Topic))));
    }

    protected override Task RefreshAsync()
    {
        Read();
        return Task.CompletedTask;
    }

    private void Read()
    {
        _controls = Catalog.For(Device, includeHidden: _isAdmin && !Compact); // admins unhide them on the device page
        _stateTopics = [.. _controls.Select(c => c.Definition.StateTopic).OfType<string>()];
    }

    private CommandRoundTrip? LastTrip(string controlId) => _lastCommand.TryGetValue(controlId, out var id) ? Commands.Get(id) : null;

    private bool Busy(string controlId) => _sending.Contains(controlId);

    private async Task SendAsync(DeviceControl shown, string? value)
    {
        var control = shown.Definition;
        var (command, error) = ControlCommand.For(control, value);
        if (command is null)
        {
            Snackbar.Add(error!, Severity.Warning);
            return;
        }

        _sending.Add(control.Id);
        try
        {
            var trip = await Commands.SendAsync(Device.Id, control, command, _user, CancellationToken.None);
            _lastCommand[control.Id] = trip.Id;
        }
        catch (Exception ex)
        {
            Snackbar.Add($"Could not send: {ex.Message}", Severity.Error);
        }
        finally
        {
            _sending.Remove(control.Id);
        }
    }

    private async Task EditAsync(DeviceControl shown)
    {
        var parameters = new DialogParameters<ControlSettingsDialog> { { d => d.DeviceId, Device.Id }, { d => d.Control, shown } };
        var options = new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };
        var result = await (await Dialogs.ShowAsync<ControlSettingsDialog>("Control", parameters, options)).Result;
        if (result is { Canceled: false })
        {
            Read();
        }
    }

    private static double? Number(string? state) =>
        double.TryParse(state, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string StateTitle(DeviceControl shown) =>
        shown.Definition.StateTopic is { } topic ? $"state from {topic}" : "no state topic: the state is not known";

    private static string ControlsWire(CommandOutcome outcome) => ControlsApi.Wire(outcome);

    private static string StepIcon(StepTone tone) => tone switch
    {
        StepTone.Good => Icons.Material.Filled.CheckCircle,
        StepTone.Bad => Icons.Material.Filled.Error,
        StepTone.Waiting => Icons.Material.Filled.HourglassTop,
        _ => Icons.Material.Filled.Info,
    };
}
