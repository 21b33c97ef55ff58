using LguestActors.Host.Experiments;

namespace LguestActors.Host.Cluster;

/// <summary>
/// What the coordinator and the workers of a cluster campaign say to each other (docs/HOST.md,
/// campaigns across machines). Every message names its campaign, so a worker that outlives one
/// campaign never mixes its trials into the next. All are serialized by <see cref="CampaignSerializer"/>.
/// </summary>
internal interface ICampaignMessage
{
    string CampaignId { get; }
}

/// <summary>
/// Coordinator → worker: a campaign to pull trials of. It carries everything a trial depends on —
/// the experiment file's text, the kernel's bytes and the machine settings of the coordinator's
/// config — so a trial run on any worker is the trial a local run would run (the same digest).
/// Sent again when a worker becomes reachable after a pause: the worker answers with its slots.
/// </summary>
internal sealed record CampaignOffer(string CampaignId, string SpecText, byte[] Kernel, long SliceInstructions, string? VcpuDispatcher, ushort RingSize)
    : ICampaignMessage;

/// <summary>
/// Worker → coordinator: "I have <paramref name="FreeSlots"/> free slots, counting the
/// <paramref name="AssignmentsSeen"/> trials of yours I have received". Absolute, not a delta: a
/// pull lost or repeated (a network pause) cannot make the coordinator over- or under-assign.
/// </summary>
internal sealed record PullTrials(string CampaignId, int FreeSlots, long AssignmentsSeen) : ICampaignMessage;

/// <summary>Coordinator → worker: run this trial.</summary>
internal sealed record RunTrial(string CampaignId, TrialPlan Trial) : ICampaignMessage;

/// <summary>Worker → coordinator: a trial's result. Collected once per trial (index, schedule seed); a repeat is dropped.</summary>
internal sealed record TrialDone(string CampaignId, TrialResult Result) : ICampaignMessage;

/// <summary>Worker → coordinator: a trial threw (not a failed invariant: the runner itself broke). The campaign stops, as a local run does.</summary>
internal sealed record TrialBroke(string CampaignId, int Index, ulong ScheduleSeed, string Error) : ICampaignMessage;

/// <summary>Coordinator → worker: every trial is in; forget the campaign.</summary>
internal sealed record CampaignOver(string CampaignId) : ICampaignMessage;
