using Akka.Actor;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>Ask the launcher to stop the VM (the host's "leave" key, a test); the listener gets VmExited(Stopped).</summary>
public sealed record StopVm(string Reason);

/// <summary>Ask the launcher for the booted machine (tests, scenarios, fault injection). Replies <see cref="VmInfo"/>.</summary>
public sealed record GetVmInfo
{
    public static readonly GetVmInfo Instance = new();
}

/// <summary>The booted machine: its memory, device page and actors.</summary>
public sealed record VmInfo(
    GuestMemory Memory,
    DevicePage DevicePage,
    ulong RamSize,
    uint PfnLimit,
    uint Pgdir,
    uint Entry,
    IActorRef Vcpu,
    IActorRef Interrupts,
    IReadOnlyList<IActorRef> Devices);
