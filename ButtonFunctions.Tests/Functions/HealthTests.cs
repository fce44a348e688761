using ButtonFunctions.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Tests.Functions;

public sealed class HealthTests
{
    [Fact]
    public void Health_reports_app_name_and_version()
    {
        var result = new Health().Run(new DefaultHttpContext().Request);

        var ok = Assert.IsType<OkObjectResult>(result);
        var report = Assert.IsType<HealthReport>(ok.Value);
        Assert.Equal("ButtonFunctions", report.Name);
        Assert.Equal("0.1.0", report.Version);
        Assert.Equal("Healthy", report.Status);
    }
}
