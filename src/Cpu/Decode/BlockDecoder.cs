using Iced.Intel;
using LguestActors.Cpu.Execute;

namespace LguestActors.Cpu.Decode;

/// <summary>Feeds Iced guest code bytes through the page tables, without faulting (the caller decides).</summary>
internal sealed unsafe class FetchReader : CodeReader
{
    private readonly Cpu _cpu;
    private uint _la;
    private uint _pageLa = 1;
    private uint _pagePa;

    public FetchReader(Cpu cpu) => _cpu = cpu;

    public bool Failed { get; private set; }

    public uint FailAddress { get; private set; }

    public uint FailError { get; private set; }

    public bool FailOutsideMemory { get; private set; }

    /// <summary>Physical base of the page the last byte came from.</summary>
    public uint PagePhys => _pagePa;

    public void Reset(uint la)
    {
        _la = la;
        _pageLa = 1;
        Failed = false;
        FailOutsideMemory = false;
    }

    public override int ReadByte()
    {
        if (Failed)
        {
            return -1;
        }
        if ((_la & 0xFFFFF000) != _pageLa)
        {
            if (!_cpu.TryWalk(_la, false, _cpu.UserMode, out uint pa, out uint error) || (ulong)(pa & 0xFFFFF000) + 4096 > _cpu.MemSize)
            {
                Failed = true;
                FailAddress = _la;
                FailError = error;
                FailOutsideMemory = pa != 0 || !_cpu.PagingEnabled;
                return -1;
            }
            _pageLa = _la & 0xFFFFF000;
            _pagePa = pa & 0xFFFFF000;
            _cpu.NoteCodePage(_pagePa >> 12);
        }
        return _cpu.Mem[_pagePa + (_la++ & 0xFFF)];
    }
}

/// <summary>
/// Decodes a basic block with Iced and translates each instruction into an <see cref="Op"/>.
/// A block ends at any control transfer, at an instruction that may leave the run loop, at the
/// end of its page, or after 64 instructions. An instruction that straddles a page boundary is
/// the last of its block, so a block's bytes live on at most two physical pages.
/// </summary>
internal sealed unsafe class BlockDecoder
{
    public const int MaxOps = 64;

    private readonly Cpu _cpu;
    private readonly FetchReader _reader;
    private readonly Decoder _decoder;
    private readonly Op[] _scratch = new Op[MaxOps];

    public BlockDecoder(Cpu cpu)
    {
        _cpu = cpu;
        _reader = new FetchReader(cpu);
        _decoder = Decoder.Create(32, _reader, 0, DecoderOptions.None);
    }

    /// <summary>Decodes the block at linear <paramref name="eip"/> (physical <paramref name="physEip"/>).</summary>
    public Block Decode(uint eip, uint physEip)
    {
        uint secondPage = Block.OnePage;
        _reader.Reset(eip);
        _decoder.IP = eip;
        uint startPage = eip & 0xFFFFF000;
        int n = 0;
        Mnemonic prev = Mnemonic.INVALID;
        Mnemonic last = Mnemonic.INVALID;
        bool lastIsJcc = false;
        while (true)
        {
            uint ip = (uint)_decoder.IP;
            _decoder.Decode(out Instruction instr);
            if (_reader.Failed)
            {
                if (n == 0)
                {
                    if (_reader.FailOutsideMemory)
                    {
                        throw new FatalGuestException($"instruction fetch at 0x{_reader.FailAddress:x8}: physical address outside guest memory");
                    }
                    throw _cpu.PageFault(_reader.FailAddress, _reader.FailError);
                }
                break;
            }
            bool crosses = ((ip + (uint)instr.Length - 1) & 0xFFFFF000) != startPage;
            ref Op op = ref _scratch[n];
            op = default;
            bool ends = Translator.Translate(in instr, ref op);
            n++;
            prev = last;
            last = instr.Mnemonic;
            lastIsJcc = instr.IsJccShortOrNear;
            if (crosses)
            {
                secondPage = _reader.PagePhys;
                break;
            }
            if (ends || n == MaxOps || (instr.NextIP32 & 0xFFF) == 0)
            {
                break;
            }
        }
        var ops = GC.AllocateArray<Op>(n, pinned: true);
        Array.Copy(_scratch, ops, n);
        return new Block(ops, n, eip, physEip, secondPage, lastIsJcc && n >= 2 ? FuseTail(ops, prev) : null);
    }

    /// <summary>A copy of the block with a closing ALU op + Jcc as one op, or null when they do not fuse.</summary>
    private static Op[]? FuseTail(Op[] ops, Mnemonic alu)
    {
        int n = ops.Length;
        Op fused = ops[n - 2];
        ref Op jcc = ref ops[n - 1];
        var fn = Fused.Select(alu, ref fused, jcc.Cc);
        if (fn == null)
        {
            return null;
        }
        fused.Fn = fn;
        fused.Imm2 = jcc.Imm;  // the branch target
        fused.Next = jcc.Next; // the fall-through
        fused.SetsEip = 1;
        var fast = GC.AllocateArray<Op>(n - 1, pinned: true);
        Array.Copy(ops, fast, n - 2);
        fast[n - 2] = fused;
        return fast;
    }
}
