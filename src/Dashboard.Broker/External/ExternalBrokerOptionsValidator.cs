using Microsoft.Extensions.Options;

namespace Dashboard.Broker.External;

/// <summary>In External mode the broker's address and the filters must make sense before anything connects: a bad value stops the start with its key.</summary>
internal sealed class ExternalBrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    private const string Prefix = BrokerOptions.Section + ":External:";

    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        if (options.Mode != BrokerMode.External)
        {
            return ValidateOptionsResult.Skip;
        }

        var external = options.External;
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(external.Host))
        {
            errors.Add($"{Prefix}Host is required when Broker:Mode is External: the host name or address of the MQTT broker to connect to.");
        }

        if (external.Port is < 1 or > 65535)
        {
            errors.Add($"{Prefix}Port must be between 1 and 65535 (it is {external.Port}).");
        }

        if (external.Topics.Count == 0)
        {
            errors.Add($"{Prefix}Topics must list at least one topic filter to ingest (e.g. \"#\").");
        }

        foreach (var filter in external.Topics)
        {
            if (!MqttTopic.IsValidFilter(filter) || filter.StartsWith('$'))
            {
                errors.Add($"{Prefix}Topics: '{filter}' is not a topic filter that can be shared (not empty, '#' only last, '+' and '#' whole levels, not starting with '$').");
            }
        }

        if (string.IsNullOrWhiteSpace(external.SharedGroup) || external.SharedGroup.IndexOfAny(['/', '+', '#']) >= 0)
        {
            errors.Add($"{Prefix}SharedGroup must be a name without '/', '+' or '#' (it is '{external.SharedGroup}').");
        }

        if (external.SessionExpiry < TimeSpan.Zero || external.SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            errors.Add($"{Prefix}SessionExpiry must be between 00:00:00 and {TimeSpan.FromSeconds(uint.MaxValue - 1)}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
