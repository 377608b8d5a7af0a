namespace Dashboard.Devices.Conventions;

/// <summary>The entities' topics indexed (state, command, availability), as configs arrive, change and go.</summary>
public sealed partial class HomeAssistantDiscovery
{
    private void Add(string topic, HomeAssistantEntity[] entities)
    {
        _configs[topic] = entities;
        Entities += entities.Length;
        foreach (var entity in entities)
        {
            if (entity.StateTopic is { } state)
            {
                Index(_stateTopics, state, entity);
            }

            foreach (var command in entity.CommandTopics)
            {
                Index(_commandTopics, command, entity);
            }

            foreach (var availability in entity.Availability)
            {
                Index(_availabilityTopics, availability.Topic, (entity, availability));
            }

            if (entity.Device is { Name: { } name } device && _deviceNames.Count < _maxEntities)
            {
                foreach (var identifier in device.Identifiers)
                {
                    _deviceNames[identifier] = name;
                }
            }
        }
    }

    private HomeAssistantEntity[] Remove(string topic)
    {
        if (!_configs.Remove(topic, out var entities))
        {
            return [];
        }

        Entities -= entities.Length;
        foreach (var entity in entities)
        {
            if (entity.StateTopic is { } state)
            {
                Unindex(_stateTopics, state, e => e == entity);
            }

            foreach (var command in entity.CommandTopics)
            {
                Unindex(_commandTopics, command, e => e == entity);
            }

            foreach (var availability in entity.Availability)
            {
                Unindex(_availabilityTopics, availability.Topic, e => e.Entity == entity);
            }
        }

        return entities;
    }

    private static void Index<T>(Dictionary<string, List<T>> index, string topic, T item)
    {
        if (!index.TryGetValue(topic, out var list))
        {
            index[topic] = list = [];
        }

        list.Add(item);
    }

    private static void Unindex<T>(Dictionary<string, List<T>> index, string topic, Predicate<T> match)
    {
        if (index.TryGetValue(topic, out var list) && list.RemoveAll(match) > 0 && list.Count == 0)
        {
            index.Remove(topic);
        }
    }
}
