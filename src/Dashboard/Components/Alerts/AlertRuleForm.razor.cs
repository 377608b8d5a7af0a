using System.Globalization;
using Dashboard.Alerts;
using Dashboard.Alerts.Notifications;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Components.Alerts;

/// <summary>
/// Create or edit a rule. The messages come from AlertRuleValidator, the same the API answers with; they appear after the
/// first Save and then follow every keystroke.
/// </summary>
public sealed partial class AlertRuleForm
{
    private static readonly (string Symbol, string Words)[] OperatorChoices =
    [
        (">", "> above"),
        (">=", "≥ at or above"),
        ("<", "< below"),
        ("<=", "≤ at or below"),
        ("==", "= equal to"),
        ("!=", "≠ not equal to"),
        ("outside", "outside a range"),
    ];

    private const InputMode Decimal = InputMode.@decimal; // phones show a keypad with a point

    private string? _name;
    private string _kind = "threshold";
    private string? _filter;
    private string? _metric;
    private string _operator = ">";
    private string? _threshold;
    private string? _low;
    private string? _high;
    private string? _hysteresis;
    private string? _for;
    private string _severity = "warning";
    private string _signal = HealthChoices.All[0].Signal;
    private string? _window;
    private bool _enabled = true;
    private IReadOnlyCollection<long> _channels = [];
    private bool _attempted;
    private bool _busy;
    private Dictionary<string, string> _errors = [];
    private AlertRule? _loaded;

    /// <summary>The rule to edit; null for a new one.</summary>
    [Parameter] public AlertRule? Rule { get; set; }

    [Parameter] public EventCallback<AlertRule> OnSaved { get; set; }

    [Parameter] public EventCallback OnCancel { get; set; }

    private bool IsThreshold => _kind == "threshold";
    private bool IsPresence => _kind == "presence";
    private bool IsStaleness => _kind == "staleness";
    private bool IsHealth => _kind == "health";
    private HealthChoice HealthChoice => HealthChoices.Of(_signal);

    private string ForLabel => _kind switch
    {
        "presence" => "Offline for more than",
        "staleness" => "No reading for",
        _ => "For",
    };

    private string ForHelp => _kind switch
    {
        "presence" => "0 raises as soon as the device goes offline.",
        "health" when HealthChoice.Counted => "Seconds the count must stay over; 0 raises at once.",
        "staleness" => "Seconds a series may stay silent.",
        _ => "Seconds the condition must hold; 0 raises at once.",
    };

    private string HysteresisHelp
    {
        get
        {
            var (threshold, hysteresis) = (Parse(_threshold), Parse(_hysteresis) ?? 0);
            return _operator switch
            {
                "==" or "!=" => "Not used with = or ≠.",
                ">" when threshold is { } t && hysteresis > 0 => $"Clears at {t - hysteresis:0.##} or below.",
                ">=" when threshold is { } t && hysteresis > 0 => $"Clears below {t - hysteresis:0.##}.",
                "<" when threshold is { } t && hysteresis > 0 => $"Clears at {t + hysteresis:0.##} or above.",
                "<=" when threshold is { } t && hysteresis > 0 => $"Clears above {t + hysteresis:0.##}.",
                _ => "How far back the value must come before the alert clears.",
            };
        }
    }

    protected override void OnParametersSet()
    {
        // Parameters are set again whenever the dialog re-renders: load the rule once, not over the user's edits.
        if (Rule is null || ReferenceEquals(Rule, _loaded))
        {
            return;
        }

        _loaded = Rule;
        var input = AlertRuleInput.From(Rule);
        _name = input.Name;
        _kind = input.Kind ?? "threshold";
        _signal = input.Signal ?? _signal;
        _window = Text(input.WindowSeconds);
        _filter = input.Filter;
        _metric = input.Metric;
        _operator = input.Operator ?? ">";
        _threshold = Text(input.Threshold);
        _low = Text(input.Low);
        _high = Text(input.High);
        _hysteresis = input.Hysteresis is > 0 ? Text(input.Hysteresis) : null;
        _for = input.ForSeconds is > 0 ? Text(input.ForSeconds) : null;
        _severity = input.Severity ?? "warning";
        _enabled = input.Enabled ?? true;
        _channels = input.Channels ?? [];
    }

    private void ChannelsChanged(IEnumerable<long>? picked)
    {
        _channels = [.. picked ?? []];
        Changed();
    }

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? Message(string field) => _errors.GetValueOrDefault(field);

    /// <summary>Choosing health, or another signal, fills in the signal's usual values (and a name, while the user has typed none).</summary>
    private void KindChanged()
    {
        if (IsHealth)
        {
            SignalChanged();
            return;
        }

        Changed();
    }

    private void SignalChanged()
    {
        var choice = HealthChoice;
        (_threshold, _window, _for) = (Text(choice.Threshold), choice.Counted ? Text(choice.WindowSeconds) : null, choice.ForSeconds > 0 ? Text(choice.ForSeconds) : null);
        if (string.IsNullOrWhiteSpace(_name) || HealthChoices.All.Any(c => c.Name == _name))
        {
            _name = choice.Name;
        }

        Changed();
    }

    private void Changed()
    {
        if (_attempted)
        {
            Check();
        }
    }

    private AlertRuleInput? Check()
    {
        var parseErrors = new Dictionary<string, string>();
        var input = new AlertRuleInput
        {
            Name = _name,
            Kind = _kind,
            Filter = IsHealth ? null : _filter,
            Metric = IsPresence || IsHealth ? null : _metric,
            Operator = IsThreshold ? _operator : null,
            Threshold = IsHealth || (IsThreshold && _operator != "outside") ? Number("threshold", _threshold) : null,
            Low = IsThreshold && _operator == "outside" ? Number("low", _low) : null,
            High = IsThreshold && _operator == "outside" ? Number("high", _high) : null,
            Hysteresis = IsThreshold ? Number("hysteresis", _hysteresis) : null,
            ForSeconds = Number("forSeconds", _for),
            Severity = _severity,
            Enabled = _enabled,
            Channels = [.. _channels],
            Signal = IsHealth ? _signal : null,
            WindowSeconds = IsHealth && HealthChoice.Counted ? Number("windowSeconds", _window) : null,
        };
        var validation = Alerts.Validate(Rule?.Id ?? 0, input);
        _errors = validation.Errors.ToDictionary(e => e.Key, e => e.Value[0]);
        foreach (var (field, message) in parseErrors)
        {
            _errors[field] = message; // "not a number" says more than "is needed"
        }

        return _errors.Count == 0 ? input : null;

        double? Number(string field, string? text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (Parse(text) is { } value)
            {
                return value;
            }

            parseErrors[field] = "Enter a number, like 25 or -3.5 (with a point for decimals).";
            return null;
        }
    }

    private async Task SaveAsync()
    {
        _attempted = true;
        if (Check() is not { } input)
        {
            return;
        }

        _busy = true;
        try
        {
            var result = Rule is null ? await Alerts.CreateAsync(input) : await Alerts.UpdateAsync(Rule.Id, input);
            if (result.Rule is { } saved)
            {
                await OnSaved.InvokeAsync(saved);
                return;
            }

            _errors = result.NotFound
                ? new() { ["name"] = "This rule was deleted meanwhile." }
                : result.Errors.ToDictionary(e => e.Key, e => e.Value[0]);
        }
        finally
        {
            _busy = false;
        }
    }

    private static double? Parse(string? text) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? Text(double? value) => value?.ToString("0.######", CultureInfo.InvariantCulture);

    [Inject] private AlertService Alerts { get; set; } = null!;

    [Inject] private NotificationChannels Channels { get; set; } = null!;
}
