using Dashboard.Devices.Controls;

namespace Dashboard.Tests.Devices.Controls;

/// <summary>The tutorials' devices subscribe to their own command topic: <c>home/led/set</c>, switched with ON and anything else.</summary>
public sealed class SubscriptionControlsTests
{
    [Fact]
    public void The_tutorials_led_subscription_is_an_on_off_switch_without_a_state_until_one_is_published()
    {
        var control = Assert.Single(SubscriptionControls.From(["home/led/set"], _ => false));
        Assert.Equal((ControlKind.Switch, "led", "home/led/set", (string?)null), (control.Kind, control.Name, control.CommandTopic, control.StateTopic));
        Assert.Equal(new ControlCommand("ON", "ON"), ControlCommand.For(control, "on").Command);
    }

    [Theory]
    [InlineData("home/led/set", "home/led/state")]
    [InlineData("home/pump/command", "home/pump")]
    [InlineData("home/valve/cmd", "home/valve/state")]
    public void Its_state_is_the_state_topic_else_the_topic_without_the_suffix_when_published(string filter, string state)
    {
        string[] published = ["home/led/state", "home/led", "home/pump", "home/valve/state"];
        Assert.Equal(state, Assert.Single(SubscriptionControls.From([filter], published.Contains)).StateTopic);
    }

    [Fact]
    public void Wildcards_broker_topics_and_other_subscriptions_are_not_controls()
    {
        Assert.Empty(SubscriptionControls.From(["home/+/set", "home/#", "$SYS/broker/set", "set", "home/led", "home/led/state"], _ => true));
    }

    [Fact]
    public void Esphomes_own_button_and_number_command_subscriptions_are_a_button_and_a_number()
    {
        var controls = SubscriptionControls.From(["living/button/restart/command", "living/number/target/command"], t => t == "living/number/target/state").ToList();
        Assert.Equal((ControlKind.Button, "restart"), (controls[0].Kind, controls[0].Name));
        Assert.Equal(new ControlCommand("PRESS", null), ControlCommand.For(controls[0], null).Command);
        Assert.Equal((ControlKind.Number, "living/number/target/state"), (controls[1].Kind, controls[1].StateTopic));
    }
}
