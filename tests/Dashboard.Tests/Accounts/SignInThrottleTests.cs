using System.Net;
using Dashboard.Accounts;
using Dashboard.Tests.History;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Accounts;

/// <summary>One address fails fewer times than lock an account within the lockout window; an account's old failures stop counting.</summary>
public sealed class SignInThrottleTests
{
    private static readonly IPAddress Address = IPAddress.Parse("192.0.2.7");
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SignInThrottle _throttle;

    public SignInThrottleTests() =>
        _throttle = new SignInThrottle(Options.Create(new DashboardOptions { MaxFailedSignIns = 5, LockoutDuration = TimeSpan.FromMinutes(5) }), _clock);

    [Fact]
    public void An_address_waits_after_one_failure_fewer_than_a_lockout_until_its_oldest_failure_is_old()
    {
        Assert.Equal(4, _throttle.FailuresPerAddress);
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(_throttle.RetryAfter(Address));
            _throttle.Failed(Address, "account");
            _clock.Now += TimeSpan.FromMinutes(1);
        }

        Assert.Equal(TimeSpan.FromMinutes(1), _throttle.RetryAfter(Address));
        Assert.Null(_throttle.RetryAfter(IPAddress.Parse("192.0.2.8")));
        _clock.Now += TimeSpan.FromMinutes(1);
        Assert.Null(_throttle.RetryAfter(Address));
    }

    [Fact]
    public void An_accounts_failures_are_forgotten_once_its_first_failure_is_older_than_the_lockout_window()
    {
        Assert.True(_throttle.ShouldForgetAccountFailures("account")); // unknown (after a restart): start afresh
        _throttle.Failed(Address, "account");
        _clock.Now += TimeSpan.FromMinutes(4);
        _throttle.Failed(Address, "account");
        Assert.False(_throttle.ShouldForgetAccountFailures("account"));

        _clock.Now += TimeSpan.FromMinutes(1);
        Assert.True(_throttle.ShouldForgetAccountFailures("account"));
        _throttle.Failed(Address, "account"); // a new streak starts now
        Assert.False(_throttle.ShouldForgetAccountFailures("account"));
    }
}
