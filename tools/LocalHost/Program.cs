Console.Error.WriteLine("LocalHost: not built yet.");
return 1;
