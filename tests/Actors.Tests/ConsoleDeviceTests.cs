using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests;

public sealed class ConsoleDeviceTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly VirtioDeviceHarness _vm = VirtioDeviceHarness.ForConsole();
    private readonly InMemoryConsoleBackend _backend = new();
    private readonly TestProbe _irq;
    private readonly IActorRef _console;

    public ConsoleDeviceTests()
    {
        _irq = CreateTestProbe("irq");
        _console = _vm.SpawnConsole(Sys, _irq.Ref, _backend);
    }

    private FakeVirtioDriver Rx => _vm.Drivers[ConsoleDevice.ReceiveQueue];

    private FakeVirtioDriver Tx => _vm.Drivers[ConsoleDevice.TransmitQueue];

    private int RxIrq => _vm.Descriptor.Queues[ConsoleDevice.ReceiveQueue].Irq;

    private int TxIrq => _vm.Descriptor.Queues[ConsoleDevice.TransmitQueue].Irq;

    private void Start(params int[] features)
    {
        _vm.AcceptFeatures(features);
        _console.Tell(_vm.StartMessage(), _irq.Ref);
    }

    [Fact]
    public async Task Guest_output_reaches_the_backend_and_raises_the_transmit_IRQ()
    {
        Start();
        ushort head = Tx.PostReadable("hello from the guest\n");
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);

        await _backend.WaitForOutputAsync("hello from the guest\n", Timeout);
        var raised = await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(TxIrq, raised.Irq);
        Assert.Equal(new UsedElement(head, 0), Assert.Single(Tx.TakeUsed()));
    }

    [Fact]
    public async Task Output_in_several_descriptors_and_an_indirect_table_arrives_in_order()
    {
        Start(FeatureBits.RingIndirectDesc);
        Tx.PostChain(Tx.Readable("one "), Tx.Readable("two "));
        Tx.PostIndirect(Tx.Readable("three "), Tx.Readable("four"));
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);

        await _backend.WaitForOutputAsync("one two three four", Timeout);
        Assert.Equal(2, Tx.TakeUsed().Count);
    }

    [Fact]
    public async Task Host_input_lands_in_the_buffers_the_guest_posted()
    {
        Rx.PostWritable(64);
        Start();
        _backend.Type("ls -l\r");

        var raised = await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal(RxIrq, raised.Irq);
        var used = Assert.Single(Rx.TakeUsed());
        Assert.Equal("ls -l\r", Rx.ReadWrittenText(used));
    }

    [Fact]
    public async Task Input_typed_before_the_guest_posts_a_buffer_waits_for_one()
    {
        Start();
        _backend.Type("early");
        Rx.PostWritable(3);
        Rx.PostWritable(16);
        _console.Tell(Kick.For(ConsoleDevice.ReceiveQueue), _irq.Ref);

        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        var used = Rx.TakeUsed();
        Assert.Equal("early", string.Concat(used.Select(Rx.ReadWrittenText)));
    }

    [Fact]
    public async Task Input_beyond_the_window_waits_in_the_backend_and_arrives_whole_and_in_order()
    {
        var state = new ConsoleDeviceState(inputWindow: 4);
        var backend = new InMemoryConsoleBackend();
        var console = _vm.SpawnConsole(Sys, _irq.Ref, backend, state);
        _vm.AcceptFeatures();
        console.Tell(_vm.StartMessage(), _irq.Ref);

        backend.Type("abcdefgh");
        await AwaitConditionAsync(() => Task.FromResult(backend.Unread == 4), Timeout); // the device holds 4, the pipe the rest
        Rx.PostWritable(16);
        console.Tell(Kick.For(ConsoleDevice.ReceiveQueue), _irq.Ref);
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal("abcd", Rx.ReadWrittenText(Assert.Single(Rx.TakeUsed())));

        // Taking "abcd" gave the backend credit: the rest came in and waits for the next buffer.
        await AwaitConditionAsync(() => Task.FromResult(backend.Unread == 0), Timeout);
        Rx.PostWritable(16);
        console.Tell(Kick.For(ConsoleDevice.ReceiveQueue), _irq.Ref);
        await _irq.ExpectMsgAsync<RaiseIrq>(Timeout);
        Assert.Equal("efgh", Rx.ReadWrittenText(Assert.Single(Rx.TakeUsed())));
    }

    [Fact]
    public async Task NO_INTERRUPT_suppresses_the_IRQ_but_not_the_work()
    {
        Start();
        Tx.SuppressInterrupts = true;
        Tx.PostReadable("quiet ");
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);
        await _backend.WaitForOutputAsync("quiet ", Timeout);

        Tx.SuppressInterrupts = false;
        Tx.PostReadable("loud");
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);
        await _backend.WaitForOutputAsync("quiet loud", Timeout);

        // Had the first completion raised an IRQ, it would be first in the probe's mailbox; there is exactly one.
        Assert.Equal(TxIrq, (await _irq.ExpectMsgAsync<RaiseIrq>(Timeout)).Irq);
        Assert.False(_irq.HasMessages);
        Assert.Equal(2, Tx.TakeUsed().Count);
    }

    [Fact]
    public async Task The_device_starts_on_the_feature_notify_without_waiting_for_DRIVER_OK()
    {
        Tx.PostReadable("posted before start");
        _vm.AcceptFeatures();
        _console.Tell(_vm.StartMessage(VirtioStatus.Acknowledge | VirtioStatus.Driver), _irq.Ref);
        await _backend.WaitForOutputAsync("posted before start", Timeout);
    }

    [Fact]
    public async Task Starting_twice_is_a_no_op()
    {
        Start();
        Tx.PostReadable("a");
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);
        await _backend.WaitForOutputAsync("a", Timeout);

        _console.Tell(_vm.StartMessage(VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.DriverOk), _irq.Ref);
        Tx.PostReadable("b");
        _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref);
        await _backend.WaitForOutputAsync("ab", Timeout);
        Assert.Equal(2, Tx.UsedIdx); // the queue state was kept, not reset by the second start
        Assert.Equal("ab", _backend.Output);
    }

    [Fact]
    public async Task After_a_reset_kicks_are_ignored_until_the_guest_starts_the_device_again()
    {
        Start();
        _console.Tell(ResetDevice.Instance, _irq.Ref);
        await EventFilter.Info(contains: "before the device started").ExpectOneWhileAsync(
            () => _console.Tell(Kick.For(ConsoleDevice.TransmitQueue), _irq.Ref), Timeout);

        // The guest re-initialises its rings after a reset; a fresh driver over zeroed rings.
        _vm.Memory.Fill(Tx.Layout.Base, (int)RingLayout.ByteSize(Tx.Layout.Size), 0);
        var tx = new FakeVirtioDriver(_vm.Memory, Tx.Layout.Size, Tx.Layout.Base, 0xF0000, 0xF8000);
        tx.PostReadable("again");
        Start();
        await _backend.WaitForOutputAsync("again", Timeout);
    }

    [Fact]
    public async Task Early_console_text_goes_to_the_backend()
    {
        _console.Tell(new ConsoleOutput("early boot\n"u8.ToArray()), _irq.Ref);
        await _backend.WaitForOutputAsync("early boot\n", Timeout);
    }

    public static TheoryData<string, int> MalformedChains => new()
    {
        { "head>=num", ConsoleDevice.TransmitQueue },
        { "next>=num", ConsoleDevice.TransmitQueue },
        { "loop", ConsoleDevice.TransmitQueue },
        { "longer-than-num", ConsoleDevice.TransmitQueue },
        { "outside-ram", ConsoleDevice.TransmitQueue },
        { "overflow", ConsoleDevice.TransmitQueue },
        { "wrong-direction", ConsoleDevice.TransmitQueue },
        { "avail-too-far-ahead", ConsoleDevice.TransmitQueue },
        { "indirect-loop", ConsoleDevice.TransmitQueue },
        { "readable-on-receiveq", ConsoleDevice.ReceiveQueue },
        { "head>=num", ConsoleDevice.ReceiveQueue },
    };

    [Theory]
    [MemberData(nameof(MalformedChains))]
    public async Task A_malformed_chain_fails_the_device_logs_one_line_and_leaves_the_host_alive(string @case, int queue)
    {
        var vm = VirtioDeviceHarness.ForConsole(queueSize: 8);
        var backend = new InMemoryConsoleBackend();
        var irq = CreateTestProbe();
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));
        var console = vm.SpawnConsole(Sys, irq.Ref, backend);
        vm.AcceptFeatures(FeatureBits.RingIndirectDesc);
        console.Tell(vm.StartMessage(), irq.Ref);

        MalformedChain.Post(vm.Drivers[queue], @case, vm.RamSize);
        if (queue == ConsoleDevice.ReceiveQueue)
        {
            backend.Type("x"); // the receive queue is only walked when there is input for it
        }
        console.Tell(Kick.For(queue), irq.Ref);

        var error = await errors.ExpectMsgAsync<Error>(Timeout);
        Assert.Contains("FAILED", error.Message.ToString(), StringComparison.Ordinal);
        await AwaitConditionAsync(() => Task.FromResult((vm.Status & VirtioStatus.Failed) != 0), Timeout);

        // It stops serving until reset: another kick does nothing, and logs nothing more.
        console.Tell(Kick.For(queue), irq.Ref);
        // The host goes on: the device still answers, and after a reset it serves a good chain.
        console.Tell(ResetDevice.Instance, irq.Ref);
        foreach (var driver in vm.Drivers)
        {
            vm.Memory.Fill(driver.Layout.Base, (int)RingLayout.ByteSize(8), 0); // the guest re-initialises its rings
        }
        vm.WriteStatus(0);
        var tx = new FakeVirtioDriver(vm.Memory, 8, vm.Drivers[1].Layout.Base, 0xF0000, 0xF8000);
        tx.PostReadable("recovered");
        console.Tell(vm.StartMessage(), irq.Ref);
        await backend.WaitForOutputAsync("recovered", Timeout);
        Assert.False(errors.HasMessages);
        Assert.Equal(0, vm.Status & VirtioStatus.Failed);
    }
}
