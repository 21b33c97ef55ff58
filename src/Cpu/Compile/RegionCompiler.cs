using System.Reflection.Emit;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Compile;

/// <summary>
/// Emits one region as a DynamicMethod <c>int Region(Cpu cpu, int entry)</c>. Guest registers
/// live in IL locals from entry to exit; each block starts with the budget check (the exact
/// retired count is what makes budgets, RDTSC and a virtual clock engine-independent); memory
/// operands are an inline TLB tag compare and pointer add with the slow path out of line;
/// branches inside the region are IL branches, loops included; every way out writes the
/// registers, the lazy-flags record, EIP and the remaining budget back in one shared exit.
/// Split by concern: .Memory (registers, addresses, loads and stores), .Flags, .Ops (the forms).
/// </summary>
internal sealed unsafe partial class RegionCompiler
{
    private readonly Cpu _cpu;
    private readonly Region _region;
    private readonly ILGenerator _il;
    private readonly DynamicMethod _method;
    private readonly OpPlan[][] _plans;
    private readonly Dictionary<(int Block, FlagState State), Label> _versions = [];
    private readonly Queue<(RegionBlock Block, FlagState State, Label Label)> _pending = new();
    private readonly List<Action> _cold = [];
    private readonly List<uint> _exitTargets = [];
    private readonly Dictionary<(uint, FlagState), Label> _exitStubs = [];
    private readonly Dictionary<(int, FlagState), Label> _edgeStubs = [];

    /// <summary>Most versions of one block (one per incoming flag state) before the dynamic one takes the rest.</summary>
    private const int MaxVersions = 3;
    private readonly nint _regs;
    private readonly nint _segBases;
    private readonly nint _readTlb;
    private readonly nint _writeTlb;
    private readonly nint _mem;

    private readonly LocalBuilder[] _r = new LocalBuilder[8];
    private readonly LocalBuilder _left;
    private readonly LocalBuilder _exitEip;
    private readonly LocalBuilder _exitCode;
    private readonly LocalBuilder _adjust;
    private readonly Label _commonExit;
    private readonly uint _writtenRegs;
    private readonly bool _trace;

    // The instruction being emitted.
    private RegionBlock _b = null!;
    private int _k;
    private Op* _op;
    private uint[] _liveAfter = [];
    private readonly bool _flagLiveness;
    private FlagState _flags;
    private FlagState _flagsAfter;

    private int _handlerCalls;

    private RegionCompiler(Cpu cpu, Region region)
    {
        _cpu = cpu;
        _region = region;
        (_regs, _segBases, _readTlb, _writeTlb, _mem) = cpu.CompiledPointers;
        _plans = region.Blocks.Select(b => Enumerable.Range(0, b.Count).Select(k => Classifier.Plan(b.Op(k))).ToArray()).ToArray();
        _method = new DynamicMethod($"guest_0x{region.Root.Eip:x8}", typeof(int), [typeof(Cpu), typeof(int)], typeof(Cpu).Module, skipVisibility: true);
        _il = _method.GetILGenerator(256 + region.Instructions * 64);
        for (int i = 0; i < 8; i++)
        {
            _r[i] = _il.DeclareLocal(typeof(uint));
        }
        _left = _il.DeclareLocal(typeof(long));
        _exitEip = _il.DeclareLocal(typeof(uint));
        _exitCode = _il.DeclareLocal(typeof(int));
        _adjust = _il.DeclareLocal(typeof(int));
        DeclareFlagLocals();
        DeclareTemps();
        _commonExit = _il.DefineLabel();
        _writtenRegs = WrittenRegisters();
        _trace = cpu.CompilerOptions.Trace;
        _flagLiveness = cpu.CompilerOptions.FlagLiveness;
    }

    /// <summary>A compiled region and what went into it.</summary>
    public readonly record struct Result(CompiledUnit Unit, int HandlerCalls, int IlBytes);

    public static Result Compile(Cpu cpu, Region region)
    {
        var c = new RegionCompiler(cpu, region);
        var code = c.Emit();
        var pages = region.Pages.ToArray();
        var unit = new CompiledUnit(code, region.Root.Block, region.Blocks.Select(b => b.Block).ToArray(), c._exitTargets.ToArray(), pages, cpu._mapEpoch, cpu.UserMode);
        return new Result(unit, c._handlerCalls, c._il.ILOffset);
    }

    private Func<int, int> Emit()
    {
        // entry < 0: only JIT-compile (CodeCache times the compile this way).
        Label start = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Bge, start);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(start);

        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.JitLeft);
        _il.Emit(OpCodes.Stloc, _left);
        LoadRegisters(0xFF);
        // The run loop enters at an entry block (the root, a loop head, a return site): its
        // version for flags still in the Cpu's fields.
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Switch, _region.Entries.Select(i => Version(_region.Blocks[i], FlagState.Entry)).ToArray());
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ret);

        while (_pending.TryDequeue(out var version))
        {
            EmitBlock(version.Block, version.State, version.Label);
        }

        for (int i = 0; i < _cold.Count; i++)
        {
            _cold[i]();
        }

        EmitCommonExit();
        // Closed over this vCPU (the code is this vCPU's anyway): a closed delegate calls straight
        // into the method, without the argument-shuffling thunk an open static one goes through.
        return (Func<int, int>)_method.CreateDelegate(typeof(Func<int, int>), _cpu);
    }

    /// <summary>
    /// The label of <paramref name="block"/> emitted for flags in <paramref name="state"/>
    /// (lazy basic block versioning): a block entered with different flag states is emitted once
    /// per state, so a loop's body keeps its statically known flags around the back edge.
    /// </summary>
    private Label Version(RegionBlock block, FlagState state)
    {
        if (_versions.TryGetValue((block.Index, state), out Label label))
        {
            return label;
        }
        label = _il.DefineLabel();
        _versions[(block.Index, state)] = label;
        _pending.Enqueue((block, state, label));
        return label;
    }

    private int VersionCount(RegionBlock block) => _versions.Keys.Count(k => k.Block == block.Index);

    private void EmitBlock(RegionBlock b, FlagState entry, Label label)
    {
        _b = b;
        _il.MarkLabel(label);

        // The budget: a block runs compiled only if all of it fits, so the retired count stays exact.
        Label budgetStub = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _left);
        _il.Emit(OpCodes.Ldc_I8, (long)b.Count);
        _il.Emit(OpCodes.Blt, budgetStub);
        _il.Emit(OpCodes.Ldloc, _left);
        _il.Emit(OpCodes.Ldc_I8, (long)b.Count);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _left);
        uint eip = b.Eip;
        _cold.Add(() =>
        {
            _il.MarkLabel(budgetStub);
            ExitTo(eip, Cpu.DynamicExit, 0, entry);
        });

        OpPlan[] plans = _plans[b.Index];
        _liveAfter = _flagLiveness ? FlagAnalysis.LiveAfter(b, plans) : FlagAnalysis.AllLive(b.Count);
        _flags = entry;
        for (int k = 0; k < b.Count; k++)
        {
            _k = k;
            _op = b.Op(k);
            _flagsAfter = FlagAnalysis.After(_flags, _op, plans[k]);
            if (_trace)
            {
                EmitTrace();
            }
            EmitOp(plans[k]);
            _flags = _flagsAfter;
        }
        Op* last = b.Last;
        if (!IsControl(plans[b.Count - 1].Form) && last->SetsEip == 0 && Classifier.FallsThrough(last))
        {
            Goto(last->Next);
        }
    }

    private static bool IsControl(Form f) =>
        f is Form.Call or Form.CallIndirect or Form.Ret or Form.Jmp or Form.JmpIndirect or Form.Jcc or Form.Loop or Form.Jecxz;

    // ---- ways out ----

    /// <summary>
    /// The label that continues at <paramref name="target"/> after the current instruction: the
    /// version of its block in the region for the current flag state, or a static exit.
    /// </summary>
    private Label Target(uint target)
    {
        FlagState state = _flagsAfter;
        if (_region.TryGet(target, out RegionBlock block))
        {
            if (_versions.ContainsKey((block.Index, state)) || VersionCount(block) < MaxVersions || state.Kind == FlagKind.Dynamic)
            {
                return Version(block, state);
            }
            if (!_edgeStubs.TryGetValue((block.Index, state), out Label edge))
            {
                // Too many versions: this way in puts the flags in the locals and takes the dynamic one.
                edge = _il.DefineLabel();
                _edgeStubs[(block.Index, state)] = edge;
                Label to = Version(block, FlagState.Dynamic);
                _cold.Add(() =>
                {
                    _il.MarkLabel(edge);
                    ToDynamic(state);
                    _il.Emit(OpCodes.Br, to);
                });
            }
            return edge;
        }
        if (!_exitStubs.TryGetValue((target, state), out Label stub))
        {
            stub = _il.DefineLabel();
            _exitStubs[(target, state)] = stub;
            int index = _exitTargets.IndexOf(target);
            if (index < 0)
            {
                index = _exitTargets.Count;
                _exitTargets.Add(target);
            }
            _cold.Add(() =>
            {
                _il.MarkLabel(stub);
                ExitTo(target, index, 0, state);
            });
        }
        return stub;
    }

    private void Goto(uint target) => _il.Emit(OpCodes.Br, Target(target));

    /// <summary>Leaves with a constant EIP and flags in state <paramref name="flags"/>; <paramref name="adjust"/> instructions of the block were not retired.</summary>
    private void ExitTo(uint eip, int code, int adjust, FlagState flags)
    {
        LdcU(eip);
        _il.Emit(OpCodes.Stloc, _exitEip);
        ExitWithEipSet(code, adjust, flags);
    }

    /// <summary>Leaves with the EIP on the IL stack, after the current instruction.</summary>
    private void ExitToStackEip(int code, int adjust)
    {
        _il.Emit(OpCodes.Stloc, _exitEip);
        ExitWithEipSet(code, adjust, _flagsAfter);
    }

    private void ExitWithEipSet(int code, int adjust, FlagState flags)
    {
        StoreFlags(flags);
        _il.Emit(OpCodes.Ldc_I4, code);
        _il.Emit(OpCodes.Stloc, _exitCode);
        _il.Emit(OpCodes.Ldc_I4, adjust);
        _il.Emit(OpCodes.Stloc, _adjust);
        _il.Emit(OpCodes.Br, _commonExit);
    }

    private void EmitCommonExit()
    {
        _il.MarkLabel(_commonExit);
        _il.Emit(OpCodes.Ldloc, _left);
        _il.Emit(OpCodes.Ldloc, _adjust);
        _il.Emit(OpCodes.Conv_I8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _left);
        StoreRegisters(_writtenRegs);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _exitEip);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.Eip);
        LdCpu();
        _il.Emit(OpCodes.Ldloc, _left);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.JitLeft);
        _il.Emit(OpCodes.Ldloc, _exitCode);
        _il.Emit(OpCodes.Ret);
    }

    // ---- rare instructions: the interpreter's handler ----

    private void EmitHandler()
    {
        _handlerCalls++;
        Op* op = _op;
        int notRetired = _b.Count - _k;
        StoreRegisters(_writtenRegs); // the others still hold what the Cpu holds
        StoreFlags(_flags);
        LdCpu();
        LdcU(op->Eip);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.Eip);
        // _retired exact before the instruction (RDTSC reads it; a trap retires nothing more)
        LdCpu();
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.JitLimit);
        _il.Emit(OpCodes.Ldloc, _left);
        _il.Emit(OpCodes.Ldc_I8, (long)notRetired);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.Retired);
        LdCpu();
        LdPtr((nint)op);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.CurOp);
        LdCpu();
        LdPtr((nint)op);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.CurFirst);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.MapEpoch);
        _il.Emit(OpCodes.Stloc, _t[0]);
        LdCpu();
        _il.Emit(OpCodes.Call, Cpu.CpuFields.CodeEpochOf);
        _il.Emit(OpCodes.Stloc, _t[1]);

        LdCpu();
        LdPtr((nint)op);
        _il.Emit(OpCodes.Call, Cpu.CpuFields.CallHandler);

        LdCpu();
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Stfld, Cpu.CpuFields.CurOp);
        LoadRegisters(0xFF); // the flags stay in the Cpu's fields: FlagKind.Entry

        bool last = _k == _b.Count - 1;
        if (last && (op->SetsEip != 0 || !Classifier.FallsThrough(op)))
        {
            // INT, IRET, HLT, hypercalls, INVLPG...: the region ends here, where the handler left EIP.
            EipAfterHandler(op);
            ExitToStackEip(Cpu.DynamicExit, 0);
            return;
        }
        // It stopped the run, changed the mapping or wrote code: leave, as the interpreter ends its block.
        Label stay = _il.DefineLabel();
        Label leave = _il.DefineLabel();
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.Stop);
        _il.Emit(OpCodes.Brtrue, leave);
        LdCpu();
        _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.MapEpoch);
        _il.Emit(OpCodes.Ldloc, _t[0]);
        _il.Emit(OpCodes.Bne_Un, leave);
        LdCpu();
        _il.Emit(OpCodes.Call, Cpu.CpuFields.CodeEpochOf);
        _il.Emit(OpCodes.Ldloc, _t[1]);
        _il.Emit(OpCodes.Beq, stay);
        _il.MarkLabel(leave);
        EipAfterHandler(op);
        ExitToStackEip(Cpu.DynamicExit, notRetired - 1);
        _il.MarkLabel(stay);
    }

    /// <summary>Lockstep replay: the state before this instruction goes to Cpu._jitTrace.</summary>
    private void EmitTrace()
    {
        StoreRegisters(_writtenRegs);
        StoreFlags(_flags);
        LdCpu();
        LdcU(_op->Eip);
        Ld(_left);
        _il.Emit(OpCodes.Ldc_I8, (long)(_b.Count - _k));
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Call, Cpu.CpuFields.CompiledTrace);
    }

    private void EipAfterHandler(Op* op)
    {
        if (op->SetsEip != 0)
        {
            LdCpu();
            _il.Emit(OpCodes.Ldfld, Cpu.CpuFields.Eip);
        }
        else
        {
            LdcU(op->Next);
        }
    }

    private uint WrittenRegisters()
    {
        uint mask = 0;
        foreach (RegionBlock b in _region.Blocks)
        {
            for (int k = 0; k < b.Count; k++)
            {
                mask |= RegisterWrites(b.Op(k), _plans[b.Index][k]);
            }
        }
        return mask;
    }

    /// <summary>Registers (bit per x86 number) the inline code of an instruction may write.</summary>
    private static uint RegisterWrites(Op* op, in OpPlan plan)
    {
        uint dest = op->K0 == Kind.Reg ? 1u << Physical(op->R0, op->Size) : 0;
        const uint esp = 1u << 4;
        return plan.Form switch
        {
            Form.Handler => 0, // written back before the call and reloaded after it
            Form.Mov or Form.Movzx or Form.Movsx or Form.Lea or Form.IncDec or Form.Neg or Form.Not or Form.Shift
                or Form.Imul2 or Form.Imul3 or Form.Setcc or Form.Cmovcc => dest,
            Form.Alu => plan.Alu is AluKind.Cmp or AluKind.Test ? 0 : dest,
            Form.XchgRegs => dest | (1u << Physical(op->R1, op->Size)),
            Form.Mul32 => 0b101,
            Form.Cdq => 0b100,
            Form.Cwde => 0b1,
            Form.Push32 or Form.Call or Form.CallIndirect or Form.Ret => esp,
            Form.Pop32 => esp | dest,
            Form.Leave => esp | (1u << 5),
            Form.Loop => 0b10,
            _ => 0,
        };
    }

    /// <summary>The 32-bit register an operand of <paramref name="size"/> bytes numbered <paramref name="reg"/> lives in (AH..BH are 4..7).</summary>
    private static int Physical(int reg, int size) => size == 1 && reg >= 4 ? reg - 4 : reg;
}
