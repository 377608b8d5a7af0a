using System.Net;
using Dashboard.Broker;
using Dashboard.Broker.Auth;
using Dashboard.Broker.Transport;
using Dashboard.Tests.History;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Broker;

public sealed class AdmissionTests
{
    private static readonly IPAddress A = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress B = IPAddress.Parse("198.51.100.9");
    private readonly TestClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly BrokerOptions _options = new();

    private LoginThrottle NewThrottle() => new(Options.Create(_options), _clock);

    [Fact]
    public void An_address_backs_off_after_its_failures_and_each_back_off_doubles_up_to_the_maximum()
    {
        var throttle = NewThrottle();
        for (var i = 0; i < _options.MaxLoginFailuresPerAddress - 1; i++)
        {
            throttle.Failed(A, "sensor");
        }

        Assert.Null(throttle.BackingOffUntil(A, "sensor"));
        throttle.Failed(A, "sensor");
        Assert.Equal(_clock.Now + _options.LoginBackoff, throttle.BackingOffUntil(A, "sensor"));
        Assert.Equal(_clock.Now + _options.LoginBackoff, throttle.BackingOffUntil(A, userName: null)); // the address, whoever it claims
        Assert.Null(throttle.BackingOffUntil(B, "sensor")); // another address is not held back

        var expected = _options.LoginBackoff;
        for (var round = 0; round < 10; round++)
        {
            _clock.Now = throttle.BackingOffUntil(A, null)!.Value + TimeSpan.FromSeconds(1);
            expected = expected * 2 < _options.LoginMaxBackoff ? expected * 2 : _options.LoginMaxBackoff;
            for (var i = 0; i < _options.MaxLoginFailuresPerAddress; i++)
            {
                throttle.Failed(A, null);
            }

            Assert.Equal(_clock.Now + expected, throttle.BackingOffUntil(A, null));
        }

        Assert.Equal(_options.LoginMaxBackoff, expected);
    }

    [Fact]
    public void Failures_outside_the_window_do_not_add_up_and_a_success_forgets_them()
    {
        var throttle = NewThrottle();
        for (var i = 0; i < 20; i++)
        {
            throttle.Failed(A, null);
            _clock.Now += _options.LoginFailureWindow / 4; // a slow guesser: never 5 within a window... of a fixed start
            if (i % 3 == 2)
            {
                throttle.Succeeded(A, "sensor");
            }
        }

        Assert.Null(throttle.BackingOffUntil(A, null));
    }

    [Fact]
    public void A_username_backs_off_except_for_addresses_that_logged_in_as_it_before()
    {
        _options.MaxLoginFailuresPerAddress = 0;
        var throttle = NewThrottle();
        throttle.Succeeded(B, "sensor");
        for (var i = 0; i < _options.MaxLoginFailuresPerUser; i++)
        {
            throttle.Failed(IPAddress.Parse($"192.0.2.{i + 1}"), "sensor");
        }

        Assert.NotNull(throttle.BackingOffUntil(A, "sensor"));
        Assert.Null(throttle.BackingOffUntil(B, "sensor")); // the device's own address
        Assert.Null(throttle.BackingOffUntil(A, "other"));
    }

    [Fact]
    public void The_password_check_queue_is_bounded_in_all_and_per_address()
    {
        _options.MaxPendingPasswordChecks = 3;
        _options.MaxPendingPasswordChecksPerAddress = 2;
        var throttle = NewThrottle();
        Assert.True(throttle.TryEnterCheck(A));
        Assert.True(throttle.TryEnterCheck(A));
        Assert.False(throttle.TryEnterCheck(A));
        Assert.True(throttle.TryEnterCheck(B));
        Assert.False(throttle.TryEnterCheck(B)); // the total
        throttle.ExitCheck(A);
        Assert.True(throttle.TryEnterCheck(A));
    }

    [Fact]
    public void A_failed_login_line_per_address_at_most_every_ten_seconds()
    {
        var throttle = NewThrottle();
        Assert.True(throttle.ShouldLog(A));
        Assert.False(throttle.ShouldLog(A));
        Assert.True(throttle.ShouldLog(B));
        _clock.Now += TimeSpan.FromSeconds(10);
        Assert.True(throttle.ShouldLog(A));
    }

    [Theory]
    [InlineData("sensor", "sensor")]
    [InlineData("x' from 1.2.3.4", "x\\' from 1.2.3.4")]
    [InlineData("a\nBroker login failed from 1.2.3.4", "a\\u000aBroker login failed from 1.2.3.4")]
    public void A_username_is_logged_on_one_line_with_its_quotes_escaped(string userName, string logged) =>
        Assert.Equal(logged, CredentialCheck.Printable(userName));

    [Fact]
    public void Pending_connections_are_capped_in_all_and_per_address_and_a_slot_counts_once()
    {
        _options.MaxPendingConnections = 3;
        _options.MaxPendingConnectionsPerAddress = 2;
        var pending = new PendingConnections(Options.Create(_options));
        var a1 = pending.TryAdmit(new IPEndPoint(A, 1000), out _);
        var a2 = pending.TryAdmit(new IPEndPoint(A.MapToIPv6(), 1001), out _); // the same address from a dual-stack socket
        Assert.NotNull(a1);
        Assert.NotNull(a2);
        Assert.Null(pending.TryAdmit(new IPEndPoint(A, 1002), out var why));
        Assert.Contains("MaxPendingConnectionsPerAddress", why, StringComparison.Ordinal);
        var b1 = pending.TryAdmit(new IPEndPoint(B, 1000), out _);
        Assert.NotNull(b1);
        Assert.Null(pending.TryAdmit(new IPEndPoint(IPAddress.Loopback, 1000), out why));
        Assert.Contains("(Broker:MaxPendingConnections)", why, StringComparison.Ordinal);

        a1!.Release();
        a1.Release(); // CONNACK success, then the close
        Assert.Equal(2, pending.Count);
        Assert.Equal(1, pending.CountFor(A));
        a2!.Release();
        b1!.Release();
        Assert.Equal(0, pending.Count);
        Assert.Equal(0, pending.CountFor(A));
    }
}
