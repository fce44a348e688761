using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ButtonFunctions;

/// <summary>Composition root: one extension per concern, called from Program.cs.</summary>
public static class ButtonFunctionsHostBuilderExtensions
{
    public static IHostApplicationBuilder AddButtonFunctions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        return builder;
    }
}
