Console.Error.WriteLine("ButtonSimulator: not built yet.");
return 1;
