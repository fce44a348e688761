using ButtonSimulator.Cli;

// dotnet run --project tools/ButtonSimulator -- click | run | confirm | replay | token   (--help for options)
return await SimulatorCommands.InvokeAsync(args, SimulatorConsole.FromEnvironment(), handleTermination: true);
