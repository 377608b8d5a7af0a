using Dashboard.Devices.Controls;

namespace Dashboard.Controls;

/// <summary>
/// <c>PATCH /api/devices/{id}/controls</c>: <c>{ control, hidden, name, kind, payloadOn, payloadOff, min, max, step, stateTopic, options }</c>
/// replaces an admin's changes to one control; <c>{ control, reset: true }</c> removes them.
/// </summary>
internal sealed record ControlPatch(
    string? Control, bool? Reset, bool? Hidden, string? Name, string? Kind, string? PayloadOn, string? PayloadOff,
    double? Min, double? Max, double? Step, string? StateTopic, IReadOnlyList<string>? Options)
{
    public (ControlOverride? Override, Dictionary<string, string[]> Errors) ToOverride()
    {
        var errors = new Dictionary<string, string[]>();
        if (Reset == true)
        {
            return (null, errors);
        }

        ControlKind? kind = null;
        if (Kind is not null)
        {
            if (Enum.TryParse<ControlKind>(Kind, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !Kind.Any(char.IsDigit))
            {
                kind = parsed;
            }
            else
            {
                errors["kind"] = ["The kind is switch, button, number or select."];
            }
        }

        if (Min is { } min && Max is { } max && min > max)
        {
            errors["min"] = ["The minimum must not be above the maximum."];
        }

        if (Step is <= 0)
        {
            errors["step"] = ["The step must be above 0."];
        }

        if (StateTopic is { Length: > 0 } topic && PublishChecks.Topic(topic) is { } bad)
        {
            errors["stateTopic"] = [bad];
        }

        if (kind == ControlKind.Select && Options is not { Count: > 0 })
        {
            errors["options"] = ["A select needs its options."];
        }

        if (Name is { Length: > 100 })
        {
            errors["name"] = ["At most 100 characters."];
        }

        return (new ControlOverride
        {
            Hidden = Hidden == true,
            Name = string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(),
            Kind = kind,
            PayloadOn = PayloadOn,
            PayloadOff = PayloadOff,
            Min = Min,
            Max = Max,
            Step = Step,
            StateTopic = string.IsNullOrWhiteSpace(StateTopic) ? null : StateTopic,
            Options = Options,
        }, errors);
    }
}
