using Xunit.Abstractions;
using Xunit.Sdk;

namespace ButtonFunctions.Tests.Support;

/// <summary>
/// A fact that may find out only while running that it cannot run here (e.g. the server has no fail points): it calls
/// <see cref="Skip.Unless"/>, and the runner reports it as skipped with that reason instead of passed or failed.
/// xunit 2 decides skips at discovery (<c>[Fact(Skip = ...)]</c>); this test case moves the decision to run time, where
/// fixtures have met the server. An ordinary <c>[Fact]</c> that throws <see cref="SkipException"/> still fails, loudly.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("ButtonFunctions.Tests.Support.SkippableFactDiscoverer", "ButtonFunctions.Tests")]
public sealed class SkippableFactAttribute : FactAttribute
{
}

/// <summary>Ends a <see cref="SkippableFactAttribute"/> test as skipped.</summary>
public static class Skip
{
    public static void Unless(bool condition, string reason)
    {
        if (!condition)
        {
            throw new SkipException(reason);
        }
    }
}

/// <summary>Thrown by <see cref="Skip.Unless"/>; its message is the skip reason the runner shows.</summary>
public sealed class SkipException : Exception
{
    public SkipException()
    {
    }

    public SkipException(string message)
        : base(message)
    {
    }

    public SkipException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

public sealed class SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        yield return new SkippableTestCase(
            diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>Runs like any fact, but a failure caused by <see cref="SkipException"/> is reported as a skip.</summary>
public sealed class SkippableTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    public override async Task<RunSummary> RunAsync(
        IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        using var bus = new SkipReportingBus(messageBus);
        var summary = await base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource);
        if (bus.Skipped > 0)
        {
            summary.Failed -= bus.Skipped;
            summary.Skipped += bus.Skipped;
        }

        return summary;
    }

    private sealed class SkipReportingBus(IMessageBus inner) : IMessageBus
    {
        private static readonly string SkipExceptionType = typeof(SkipException).FullName!;

        public int Skipped { get; private set; }

        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0 && failed.ExceptionTypes[0] == SkipExceptionType)
            {
                Skipped++;
                return inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages[0]));
            }

            return inner.QueueMessage(message);
        }

        public void Dispose()
        {
            // The inner bus belongs to the runner.
        }
    }
}
