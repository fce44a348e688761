Console.Error.WriteLine("LocalIssuer: not built yet.");
return 1;
