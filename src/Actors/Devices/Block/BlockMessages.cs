namespace LguestActors.Actors.Devices.Block;

/// <summary>Device → worker: do the I/O of one request. <paramref name="Worker"/> is the worker's index.</summary>
internal sealed record BlockIo(long Ticket, int Worker, BlockRequest Request);

/// <summary>Worker → device: the I/O of a request ended; <paramref name="Error"/> is null on success.</summary>
internal sealed record BlockIoDone(long Ticket, int Worker, ushort Head, string? Error);
