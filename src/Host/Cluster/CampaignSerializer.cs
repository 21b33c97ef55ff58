using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;
using LguestActors.Host.Experiments;

namespace LguestActors.Host.Cluster;

/// <summary>
/// The cluster campaign's messages on the wire, written field by field. Akka's default for user
/// messages is JSON with CLR type names, which ties the wire to the host's internal record shapes
/// and is large for a trial's timelines; this is small, exact (every number, the digest string,
/// TimeSpans by tick) and fails loudly on a message it does not know. Bound in
/// config/akka.hocon (lguest.cluster.akka.actor.serialization-bindings).
/// </summary>
internal sealed class CampaignSerializer : SerializerWithStringManifest
{
    /// <summary>Akka reserves 0-100 for itself; this id is the project's own.</summary>
    public const int Id = 4711;

    private const string Offer = "offer", Pull = "pull", Run = "run", Done = "done", Broke = "broke", Over = "over";

    public CampaignSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        CampaignOffer => Offer,
        PullTrials => Pull,
        RunTrial => Run,
        TrialDone => Done,
        TrialBroke => Broke,
        CampaignOver => Over,
        _ => throw new ArgumentException($"{nameof(CampaignSerializer)} cannot serialize {o?.GetType().Name ?? "null"}", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            var message = (ICampaignMessage)obj;
            w.Write(message.CampaignId);
            switch (obj)
            {
                case CampaignOffer o:
                    w.Write(o.SpecText);
                    w.Write(o.Kernel.Length);
                    w.Write(o.Kernel);
                    w.Write(o.SliceInstructions);
                    WriteOptional(w, o.VcpuDispatcher);
                    w.Write(o.RingSize);
                    break;
                case PullTrials p:
                    w.Write(p.FreeSlots);
                    w.Write(p.AssignmentsSeen);
                    break;
                case RunTrial r:
                    w.Write(r.Trial.Index);
                    w.Write(r.Trial.Seed);
                    w.Write(r.Trial.ScheduleSeed);
                    break;
                case TrialDone d:
                    WriteResult(w, d.Result);
                    break;
                case TrialBroke b:
                    w.Write(b.Index);
                    w.Write(b.ScheduleSeed);
                    w.Write(b.Error);
                    break;
                case CampaignOver:
                    break;
                default:
                    throw new ArgumentException($"{nameof(CampaignSerializer)} cannot serialize {obj.GetType().Name}", nameof(obj));
            }
        }
        return stream.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        string id = r.ReadString();
        return manifest switch
        {
            Offer => new CampaignOffer(id, r.ReadString(), r.ReadBytes(r.ReadInt32()), r.ReadInt64(), ReadOptional(r), r.ReadUInt16()),
            Pull => new PullTrials(id, r.ReadInt32(), r.ReadInt64()),
            Run => new RunTrial(id, new TrialPlan(r.ReadInt32(), r.ReadInt32(), r.ReadUInt64())),
            Done => new TrialDone(id, ReadResult(r)),
            Broke => new TrialBroke(id, r.ReadInt32(), r.ReadUInt64(), r.ReadString()),
            Over => new CampaignOver(id),
            _ => throw new SerializationException($"{nameof(CampaignSerializer)}: unknown manifest '{manifest}'"),
        };
    }

    private static void WriteResult(BinaryWriter w, TrialResult t)
    {
        w.Write(t.Index);
        w.Write(t.Seed);
        w.Write(t.ScheduleSeed.HasValue);
        w.Write(t.ScheduleSeed ?? 0);
        WriteOptional(w, t.Digest);
        w.Write(t.Check.Requests);
        w.Write(t.Check.Lost);
        w.Write(t.Check.Duplicated);
        w.Write(t.Check.OutOfOrder);
        w.Write(t.Check.GuestErrors);
        WriteOptional(w, t.Check.Problem);
        w.Write(t.Duration.Ticks);
        w.Write(t.WallTime.Ticks);
        w.Write(t.Crashes);
        w.Write(t.Kills);
        w.Write(t.KicksDropped);
        w.Write(t.IrqsDropped);
        w.Write(t.OtherFaults);
        WriteTimes(w, t.FaultInstants);
        WriteTimes(w, t.RecoveryTimes);
        WriteTimes(w, t.RequestTimes);
    }

    private static TrialResult ReadResult(BinaryReader r)
    {
        int index = r.ReadInt32();
        int seed = r.ReadInt32();
        bool hasSchedule = r.ReadBoolean();
        ulong schedule = r.ReadUInt64();
        string? digest = ReadOptional(r);
        var check = new TrialCheck(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), ReadOptional(r));
        return new TrialResult(index, seed, hasSchedule ? schedule : null, digest, check,
            TimeSpan.FromTicks(r.ReadInt64()), TimeSpan.FromTicks(r.ReadInt64()),
            r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
            ReadTimes(r), ReadTimes(r), ReadTimes(r));
    }

    /// <summary>Instants as deltas from the previous one in 7-bit groups: a block trial's tens of thousands of (sorted) completions stay well inside one frame.</summary>
    private static void WriteTimes(BinaryWriter w, IReadOnlyList<TimeSpan> times)
    {
        w.Write7BitEncodedInt(times.Count);
        long last = 0;
        foreach (var t in times)
        {
            w.Write7BitEncodedInt64(t.Ticks - last);
            last = t.Ticks;
        }
    }

    private static TimeSpan[] ReadTimes(BinaryReader r)
    {
        var times = new TimeSpan[r.ReadInt32Checked()];
        long last = 0;
        for (int i = 0; i < times.Length; i++)
        {
            last += r.Read7BitEncodedInt64();
            times[i] = TimeSpan.FromTicks(last);
        }
        return times;
    }

    private static void WriteOptional(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        w.Write(s ?? "");
    }

    private static string? ReadOptional(BinaryReader r)
    {
        bool present = r.ReadBoolean();
        string s = r.ReadString();
        return present ? s : null;
    }
}

/// <summary>A count read back as written by <see cref="BinaryWriter.Write7BitEncodedInt(int)"/>, refused when negative.</summary>
file static class CountReader
{
    public static int ReadInt32Checked(this BinaryReader r)
    {
        int n = r.Read7BitEncodedInt();
        return n >= 0 ? n : throw new SerializationException($"{nameof(CampaignSerializer)}: a negative count ({n})");
    }
}
