using LocalMongo.Commands;

namespace LocalMongo.Storage;

/// <summary>
/// The catalog: databases and their collections, created implicitly on first write as mongod does.
/// Catalog changes take one lock; document work takes the collection's own lock.
/// </summary>
internal sealed class InMemoryStore
{
    private readonly object _sync = new();
    private readonly Dictionary<string, Dictionary<string, Collection>> _databases = new(StringComparer.Ordinal);

    public Collection? Find(string database, string collection)
    {
        lock (_sync)
        {
            return _databases.TryGetValue(database, out var db) && db.TryGetValue(collection, out var c) ? c : null;
        }
    }

    public Collection GetOrCreate(string database, string collection, out bool created)
    {
        ValidateNamespace(database, collection);
        lock (_sync)
        {
            if (!_databases.TryGetValue(database, out var db))
            {
                db = new Dictionary<string, Collection>(StringComparer.Ordinal);
                _databases.Add(database, db);
            }

            created = !db.TryGetValue(collection, out var c);
            if (c is null)
            {
                c = new Collection(database, collection);
                db.Add(collection, c);
            }

            return c;
        }
    }

    /// <summary>Removes a collection; returns it (marked dropped) or null when it did not exist.</summary>
    public Collection? Drop(string database, string collection)
    {
        Collection? c;
        lock (_sync)
        {
            if (!_databases.TryGetValue(database, out var db) || !db.Remove(collection, out c))
            {
                return null;
            }

            if (db.Count == 0)
            {
                _databases.Remove(database);
            }
        }

        lock (c.Sync)
        {
            c.Dropped = true;
        }

        return c;
    }

    public void DropDatabase(string database)
    {
        List<Collection> dropped;
        lock (_sync)
        {
            if (!_databases.Remove(database, out var db))
            {
                return;
            }

            dropped = [.. db.Values];
        }

        foreach (var c in dropped)
        {
            lock (c.Sync)
            {
                c.Dropped = true;
            }
        }
    }

    public List<Collection> Collections(string database)
    {
        lock (_sync)
        {
            return _databases.TryGetValue(database, out var db) ? [.. db.Values.OrderBy(c => c.Name, StringComparer.Ordinal)] : [];
        }
    }

    public List<string> DatabaseNames()
    {
        lock (_sync)
        {
            return [.. _databases.Keys.OrderBy(n => n, StringComparer.Ordinal)];
        }
    }

    public static void ValidateNamespace(string database, string collection)
    {
        if (database.Length == 0 || database.IndexOfAny(['/', '\\', '.', ' ', '"', '$', '\0']) >= 0 || database.Length > 63)
        {
            throw new CommandException(ErrorCodes.InvalidNamespace, $"Invalid database name: '{database}'");
        }

        if (collection.Length == 0 || collection.Contains('$', StringComparison.Ordinal) || collection.Contains('\0', StringComparison.Ordinal))
        {
            throw new CommandException(ErrorCodes.InvalidNamespace, $"Invalid namespace specified '{database}.{collection}'");
        }
    }
}
