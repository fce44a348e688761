using ButtonSimulator.Cli;

// dotnet run --project tools/ButtonSimulator -- click | run | confirm | replay   (--help for options)
return await SimulatorCommands.Build().Parse(args).InvokeAsync();
