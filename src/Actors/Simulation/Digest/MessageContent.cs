using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Akka.Actor;

namespace LguestActors.Actors.Simulation.Digest;

/// <summary>
/// What of a message goes into the run digest: its type, then each public property — numbers,
/// booleans, enums, strings and bytes by value, actors by path (no UID), records and lists taken
/// apart, anything else (memory, exceptions, Akka's internals) by its type alone. What it never
/// reads is a hash code or a ToString that could carry one.
/// </summary>
internal static class MessageContent
{
    private const int MaxDepth = 4;

    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

    public static void Write(DigestWriter writer, object message) => Value(writer, message, 0);

    private static void Value(DigestWriter w, object? value, int depth)
    {
        switch (value)
        {
            case null:
                w.Byte(0);
                return;
            case string s:
                w.Byte(1);
                w.String(s);
                return;
            case bool b:
                w.Byte(b ? (byte)3 : (byte)2);
                return;
            case byte[] bytes:
                w.Byte(4);
                w.Bytes(bytes);
                return;
            case ReadOnlyMemory<byte> rom:
                w.Byte(4);
                w.Bytes(rom.Span);
                return;
            case Memory<byte> mem:
                w.Byte(4);
                w.Bytes(mem.Span);
                return;
            case IActorRef actor:
                w.Byte(5);
                w.Actor(actor);
                return;
            case ActorPath path:
                w.Byte(5);
                w.String(path.ToStringWithoutAddress());
                return;
            case Enum e:
                w.Byte(6);
                w.Long(Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case double d:
                w.Byte(7);
                w.Double(d);
                return;
            case float f:
                w.Byte(7);
                w.Double(f);
                return;
            case TimeSpan t:
                w.Byte(8);
                w.Long(t.Ticks);
                return;
            case sbyte or byte or short or ushort or int or uint or long or char:
                w.Byte(9);
                w.Long(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                return;
            case ulong ul:
                w.Byte(9);
                w.Long(unchecked((long)ul));
                return;
        }
        var type = value.GetType();
        w.Byte(10);
        w.String(type.FullName ?? type.Name);
        if (depth >= MaxDepth)
        {
            return;
        }
        if (value is IEnumerable items && ReadableElements(type))
        {
            foreach (var item in items)
            {
                Value(w, item, depth + 1);
            }
            return;
        }
        if (!IsOurs(type) && !IsAkkaMessage(type))
        {
            return; // memory, backends, exceptions, Akka's internals: their type is all that is stable
        }
        foreach (var property in Properties.GetOrAdd(type, Readable))
        {
            object? v;
            try
            {
                v = property.GetValue(value);
            }
#pragma warning disable CA1031 // a property that cannot be read is left out, the same way every run
            catch (Exception)
#pragma warning restore CA1031
            {
                continue;
            }
            if (IsOurs(type) || IsPlain(v) || IsOurs(v?.GetType()))
            {
                Value(w, v, depth + 1);
            }
        }
    }

    private static readonly ConcurrentDictionary<Type, bool> Records = new();

    /// <summary>
    /// This project's records (messages, requests, segments): taken apart. Its other classes (guest
    /// memory, backends, device state) go in by type only: what they hold is not a message's content.
    /// </summary>
    private static bool IsOurs(Type? type) =>
        type is not null && (type.Namespace?.StartsWith("LguestActors", StringComparison.Ordinal) ?? false)
        && Records.GetOrAdd(type, t => t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);

    /// <summary>Akka's own messages whose plain values are stable: Terminated, and a timer's envelope (its key and generation).</summary>
    private static bool IsAkkaMessage(Type type) =>
        type == typeof(Terminated) || (type.Name == "TimerMsg" && type.Namespace == "Akka.Actor.Scheduler");

    private static bool IsPlain(object? v) => v is null or string or bool or Enum or IActorRef or sbyte or byte or short or ushort or int or uint or long or ulong or char or TimeSpan;

    /// <summary>Lists of frames, numbers or our records are read in order; dictionaries and sets (hash order) never.</summary>
    private static bool ReadableElements(Type type)
    {
        var element = type.IsArray
            ? type.GetElementType()
            : type.GetInterfaces().Append(type)
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                .Select(i => i.GetGenericArguments()[0])
                .FirstOrDefault();
        return element is not null && (element == typeof(byte[]) || element.IsPrimitive || element.IsEnum || IsOurs(element))
            && !type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));
    }

    private static PropertyInfo[] Readable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToArray();
}
