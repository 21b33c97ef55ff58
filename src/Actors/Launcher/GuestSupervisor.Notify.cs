using Akka.Actor;
using Akka.Event;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

// What a NOTIFY's address means, as in lguest's handle_output (DESIGN §1).
public sealed partial class GuestSupervisor
{
    private void OnGuestNotify(GuestNotify notify)
    {
        ulong address = notify.Address;
        int device = _devicePage.DeviceIndexAt(address);
        if (device >= 0)
        {
            OnStatusWrite(device);
        }
        else if (_devicePage.TryFindRing(address, out int ringDevice, out int queue))
        {
            // Kicks of a device being served go straight from the vCPU to it, and the vCPU has
            // the routes before the guest runs on after the NOTIFY that started the device; a
            // kick that reaches us is of a device not started (or reset, or failed).
            _log.Info("vm {0}: kick of {1} queue {2}, which is not being served; ignored", _config.Name, _devices[ringDevice].Path.Name, queue);
        }
        else if (address < RamSize)
        {
            EarlyConsole(address);
        }
        else
        {
            // lguest's launcher: errx("Unknown notify"): the guest is broken, stop it.
            string reason = $"guest NOTIFY of 0x{address:x}, which is neither RAM (below 0x{RamSize:x}) nor a device descriptor or ring";
            _log.Error("vm {0}: {1}", _config.Name, reason);
            Finish(GuestExitKind.GuestFault, reason);
            return;
        }
        // Everything this NOTIFY asked for is read or sent (a device's RegisterKicks go to the
        // vCPU ahead of this): the guest may run on.
        Sender.Tell(NotifyServed.Instance, Self);
    }

    /// <summary>The guest changed a descriptor's status or features.</summary>
    private void OnStatusWrite(int device)
    {
        byte status = _devicePage.ReadStatus(_memory, device);
        var actor = _devices[device];
        if (status == 0)
        {
            StopServing(device);
            return;
        }
        if ((status & VirtioStatus.Failed) != 0)
        {
            _log.Warning("vm {0}: the guest marked {1} FAILED (status 0x{2:x2})", _config.Name, actor.Path.Name, status);
            if (_started[device])
            {
                StopServing(device);
            }
            return;
        }
        if (_started[device])
        {
            return; // a guest that notifies after every status write: a repeated start is harmless
        }
        // Linux's lguest driver notifies once, after writing its accepted features and before
        // DRIVER_OK: start now, not on DRIVER_OK.
        _started[device] = true;
        actor.Tell(new StartDevice(status, _devicePage.ReadAcceptedFeatures(_memory, device)), Self);
        var queues = _devicePage.Devices[device].Queues;
        for (int q = 0; q < queues.Count; q++)
        {
            _vcpu.Tell(new RegisterKick((uint)queues[q].RingAddress, _kickTargets[device], Kick.For(q), _watchdogArm), Self);
        }
    }

    private void StopServing(int device)
    {
        _started[device] = false;
        _vcpu.Tell(new UnregisterKicks(_kickTargets[device]), Self);
        _devices[device].Tell(Protocol.ResetDevice.Instance, Self);
    }

    /// <summary>Early console: a NUL-terminated string in RAM the guest wants printed before its console driver runs.</summary>
    private void EarlyConsole(ulong address)
    {
        byte[] text;
        try
        {
            text = GuestStrings.ReadNulTerminated(_memory, address, MaxEarlyConsoleLength, RamSize);
        }
        catch (GuestMemoryException e)
        {
            _log.Warning("vm {0}: early console string unreadable: {1}", _config.Name, e.Message);
            return;
        }
        int console = IndexOfConsole();
        if (console >= 0)
        {
            _devices[console].Tell(new ConsoleOutput(text), Self);
        }
        else
        {
            _log.Info("vm {0} early console: {1}", _config.Name, GuestStrings.Decode(text));
        }
    }

    private int IndexOfConsole()
    {
        for (int i = 0; i < _config.Devices.Count; i++)
        {
            if (_config.Devices[i] is ConsoleConfig)
            {
                return i;
            }
        }
        return -1;
    }
}
