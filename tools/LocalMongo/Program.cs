Console.Error.WriteLine("LocalMongo: not built yet.");
return 1;
