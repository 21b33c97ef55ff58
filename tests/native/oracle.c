/* The flag oracle: runs x86 integer instructions on the real CPU (x86-64 host; the 8/16/32-bit
 * forms behave exactly as in 32-bit protected mode) and prints one line per case:
 *
 *   <form> a=<hex> b=<hex> [c=<hex>] f=<flags in> -> [r=<hex>] [r2=<hex>] f=<flags out & m> m=<mask>
 *
 * m is the set of arithmetic flags (CF 0x1 PF 0x4 AF 0x10 ZF 0x40 SF 0x80 OF 0x800) the Intel SDM
 * defines for that instruction and operands; flags the instruction leaves alone count as defined
 * (they must come out as they went in). Flags outside m, and results the SDM leaves undefined
 * (BSF/BSR of 0, SHLD/SHRD of a 16-bit operand by more than 16), are not printed, so the file does
 * not depend on which vendor's CPU produced it. The register each operand lives in is fixed per
 * form; tests/Cpu.Tests/Semantics/VectorProgram.cs has the table.
 *
 * Build: gcc -O1 -mno-red-zone -o oracle oracle.c   (the asm pushes and pops: no red zone)
 * Output is fully determined by the fixed seed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ALL (CF | PF | AF | ZF | SF | OF)

typedef uint64_t u64;

static u64 rng = 0x853c49e6748fea9bULL;
static u64 rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static u64 szmask(int sz) { return sz == 64 ? ~0ULL : (1ULL << sz) - 1; }
static u64 rnd_sz(int sz) { return rnd() & szmask(sz); }
static uint32_t rnd_flags(void) { return 0x2u | ((uint32_t)rnd() & ALL); }

/* 0, 1, 2, 0x55.., 0x7f.., 0x80.., 0xfe.., 0xff.. */
#define NEDGE 8
static u64 edge(int sz, int i)
{
    u64 m = szmask(sz);
    switch (i) {
    case 0: return 0;
    case 1: return 1;
    case 2: return 2;
    case 3: return 0x5555555555555555ULL & m;
    case 4: return m >> 1;
    case 5: return (m >> 1) + 1;
    case 6: return m - 1;
    default: return m;
    }
}

static int hexw(int sz) { return sz / 4; }

/* ---- the instructions: each runs with the given flags in and returns the flags out ---- */

#define PRE "push %[fi]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpop %[fo]"
typedef u64 (*op_fn)(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2);

/* dest op= src; dest in a, src in b */
#define BIN(name, op)                                                                              \
    static u64 name##8(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                              \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE op "b %b[b], %b[x]" POST : [x] "+q"(x), [fo] "=r"(fo) : [b] "q"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xff; return fo; }                                                                  \
    static u64 name##16(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE op "w %w[b], %w[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; return fo; }                                                                \
    static u64 name##32(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE op "l %k[b], %k[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffffffff; return fo; }
BIN(add, "add") BIN(adc, "adc") BIN(sub, "sub") BIN(sbb, "sbb") BIN(and, "and") BIN(or, "or")
BIN(xor, "xor") BIN(cmp, "cmp") BIN(test, "test")

/* dest in a; b is the count (CL) for shifts, unused for unary ops. TMPL is the operand text. */
#define ONE(name, sz, text, cons, reg)                                                             \
    static u64 name##sz(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)b, (void)c, (void)r2;                                                   \
      __asm__ volatile(PRE text POST : [x] "+" cons(x), [fo] "=r"(fo) : [fi] "r"(fi), "c"(b) : "cc"); \
      *r = x & szmask(sz); return fo; }
#define UN(name, op)                                                                               \
    ONE(name, 8, op "b %b[x]", "q", b) ONE(name, 16, op "w %w[x]", "r", w) ONE(name, 32, op "l %k[x]", "r", k)
UN(inc, "inc") UN(dec, "dec") UN(neg, "neg") UN(not, "not")
#define SH(name, op)                                                                               \
    ONE(name, 8, op "b %%cl, %b[x]", "q", b) ONE(name, 16, op "w %%cl, %w[x]", "r", w)              \
    ONE(name, 32, op "l %%cl, %k[x]", "r", k)                                                      \
    ONE(name##_1_, 8, op "b $1, %b[x]", "q", b) ONE(name##_1_, 16, op "w $1, %w[x]", "r", w)       \
    ONE(name##_1_, 32, op "l $1, %k[x]", "r", k)
SH(shl, "shl") SH(shr, "shr") SH(sar, "sar") SH(rol, "rol") SH(ror, "ror") SH(rcl, "rcl") SH(rcr, "rcr")
ONE(bswap, 32, "bswap %k[x]", "r", k)

/* shld/shrd: dest a, src b, count c (CL) */
#define SHD(name, op)                                                                              \
    static u64 name##16(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)r2;                                                                     \
      __asm__ volatile(PRE op "w %%cl, %w[b], %w[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi), "c"(c) : "cc"); \
      *r = x & 0xffff; return fo; }                                                                \
    static u64 name##32(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)r2;                                                                     \
      __asm__ volatile(PRE op "l %%cl, %k[b], %k[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi), "c"(c) : "cc"); \
      *r = x & 0xffffffff; return fo; }
SHD(shld, "shld") SHD(shrd, "shrd")

/* one-operand mul/imul: accumulator a, source b (in ECX); 8-bit: r = AX; else r = (E)AX, r2 = (E)DX */
#define MUL1(name, op)                                                                             \
    static u64 name##8(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                              \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE op "b %%cl" POST : "+a"(x), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; return fo; }                                                                \
    static u64 name##16(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, d = 0, fo; (void)c;                                                               \
      __asm__ volatile(PRE op "w %%cx" POST : "+a"(x), "+d"(d), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; *r2 = d & 0xffff; return fo; }                                              \
    static u64 name##32(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, d = 0, fo; (void)c;                                                               \
      __asm__ volatile(PRE op "l %%ecx" POST : "+a"(x), "+d"(d), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffffffff; *r2 = d & 0xffffffff; return fo; }
MUL1(mul, "mul") MUL1(imul, "imul")

/* div/idiv: dividend a (8: AX; 16: DX:AX; 32: EDX:EAX), divisor b; r = quotient, r2 = remainder */
#define DIV(name, op)                                                                              \
    static u64 name##8(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                              \
    { u64 x = a, fo; (void)c;                                                                      \
      __asm__ volatile(PRE op "b %%cl" POST : "+a"(x), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xff; *r2 = (x >> 8) & 0xff; return fo; }                                           \
    static u64 name##16(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a & 0xffff, d = a >> 16, fo; (void)c;                                                \
      __asm__ volatile(PRE op "w %%cx" POST : "+a"(x), "+d"(d), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; *r2 = d & 0xffff; return fo; }                                              \
    static u64 name##32(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a & 0xffffffff, d = a >> 32, fo; (void)c;                                            \
      __asm__ volatile(PRE op "l %%ecx" POST : "+a"(x), "+d"(d), [fo] "=r"(fo) : "c"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffffffff; *r2 = d & 0xffffffff; return fo; }
DIV(div, "div") DIV(idiv, "idiv")

/* two-register forms on 16/32 bits: dest a, src b */
#define RR(name, text16, text32)                                                                   \
    static u64 name##16(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE text16 POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; return fo; }                                                                \
    static u64 name##32(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      __asm__ volatile(PRE text32 POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi) : "cc"); \
      *r = x & 0xffffffff; return fo; }
RR(imul2_, "imulw %w[b], %w[x]", "imull %k[b], %k[x]")
RR(bsf, "bsfw %w[b], %w[x]", "bsfl %k[b], %k[x]")
RR(bsr, "bsrw %w[b], %w[x]", "bsrl %k[b], %k[x]")
RR(tzcnt, "tzcntw %w[b], %w[x]", "tzcntl %k[b], %k[x]")
RR(bt, "btw %w[b], %w[x]", "btl %k[b], %k[x]")
RR(bts, "btsw %w[b], %w[x]", "btsl %k[b], %k[x]")
RR(btr, "btrw %w[b], %w[x]", "btrl %k[b], %k[x]")
RR(btc, "btcw %w[b], %w[x]", "btcl %k[b], %k[x]")
#define CC_LIST X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)
#define X(cc) RR(cmov##cc, "cmov" #cc "w %w[b], %w[x]", "cmov" #cc "l %k[b], %k[x]")
CC_LIST
#undef X

/* setcc: r = the byte; jcc: r = 1 if taken */
#define X(cc)                                                                                      \
    static u64 set##cc(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                              \
    { u64 x = a, fo; (void)b, (void)c, (void)r2;                                                   \
      __asm__ volatile(PRE "set" #cc " %b[x]" POST : [x] "+q"(x), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); \
      *r = x & 0xff; return fo; }                                                                  \
    static u64 j##cc(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                                \
    { u64 x = a, fo; (void)b, (void)c, (void)r2;                                                   \
      __asm__ volatile(PRE "movl $0, %k[x]\n\tj" #cc " 1f\n\tjmp 2f\n1:\tmovl $1, %k[x]\n2:" POST  \
                       : [x] "+r"(x), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");                         \
      *r = x & 1; return fo; }
CC_LIST
#undef X

/* xadd: dest a, src b; r = dest (the sum), r2 = src (the old dest) */
#define XADD(sz, cons, suf, mod)                                                                   \
    static u64 xadd##sz(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                             \
    { u64 x = a, y = b, fo; (void)c;                                                               \
      __asm__ volatile(PRE "xadd" suf " %" mod "[y], %" mod "[x]" POST : [x] "+" cons(x), [y] "+" cons(y), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); \
      *r = x & szmask(sz); *r2 = y & szmask(sz); return fo; }
XADD(8, "q", "b", "b") XADD(16, "r", "w", "w") XADD(32, "r", "l", "k")

/* cmpxchg: accumulator a, dest b, src c; r = accumulator, r2 = dest */
#define CMPXCHG(sz, cons, suf, mod)                                                                \
    static u64 cmpxchg##sz(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                          \
    { u64 x = a, d = b, fo;                                                                        \
      __asm__ volatile(PRE "cmpxchg" suf " %" mod "[s], %" mod "[d]" POST : "+a"(x), [d] "+" cons(d), [fo] "=r"(fo) : [s] cons(c), [fi] "r"(fi) : "cc"); \
      *r = x & szmask(sz); *r2 = d & szmask(sz); return fo; }
CMPXCHG(8, "q", "b", "b") CMPXCHG(16, "r", "w", "w") CMPXCHG(32, "r", "l", "k")

/* sign extensions of the accumulator: a = EAX; r = the result register (AX, EAX, DX, EDX) */
#define EXT(name, text, outreg, rsz)                                                               \
    static u64 name(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                                 \
    { u64 x = a, d = 0, fo; (void)b, (void)c, (void)r2;                                            \
      __asm__ volatile(PRE text POST : "+a"(x), "+d"(d), [fo] "=r"(fo) : [fi] "r"(fi) : "cc");     \
      *r = (outreg) & szmask(rsz); return fo; }
EXT(cbw, "cbtw", x, 16) EXT(cwde, "cwtl", x, 32) EXT(cwd, "cwtd", d, 16) EXT(cdq, "cltd", d, 32)

/* imul r, r/m, imm and bt r, imm: the immediate must be a compile-time constant */
#define IMUL3(sz, imm)                                                                             \
    static u64 imul3_##sz##_##imm(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                   \
    { u64 x = a, fo; (void)c, (void)r2;                                                            \
      if (sz == 16) __asm__ volatile(PRE "imulw %[i], %w[b], %w[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi), [i] "i"((int16_t)IMMV_##imm) : "cc"); \
      else __asm__ volatile(PRE "imull %[i], %k[b], %k[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [b] "r"(b), [fi] "r"(fi), [i] "i"(IMMV_##imm) : "cc"); \
      *r = x & szmask(sz); return fo; }
#define IMMV_0 0
#define IMMV_1 1
#define IMMV_m1 -1
#define IMMV_3 3
#define IMMV_127 127
#define IMMV_m128 -128
#define IMMV_1000 1000
#define IMMV_m30000 -30000
#define IMMV_big 0x12345678
#define IMM_LIST X(0) X(1) X(m1) X(3) X(127) X(m128) X(1000) X(m30000) X(big)
#define X(i) IMUL3(16, i) IMUL3(32, i)
IMM_LIST
#undef X

#define BTI(name, op, imm)                                                                         \
    static u64 name##i16_##imm(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                      \
    { u64 x = a, fo; (void)b, (void)c, (void)r2;                                                   \
      __asm__ volatile(PRE op "w $" #imm ", %w[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); \
      *r = x & 0xffff; return fo; }                                                                \
    static u64 name##i32_##imm(u64 a, u64 b, u64 c, u64 fi, u64 *r, u64 *r2)                      \
    { u64 x = a, fo; (void)b, (void)c, (void)r2;                                                   \
      __asm__ volatile(PRE op "l $" #imm ", %k[x]" POST : [x] "+r"(x), [fo] "=r"(fo) : [fi] "r"(fi) : "cc"); \
      *r = x & 0xffffffff; return fo; }
#define BTI_LIST(name, op) BTI(name, op, 0) BTI(name, op, 7) BTI(name, op, 15) BTI(name, op, 21) BTI(name, op, 31)
BTI_LIST(bt, "bt") BTI_LIST(bts, "bts") BTI_LIST(btr, "btr") BTI_LIST(btc, "btc")

/* ---- printing ---- */

enum { HAS_C = 1, HAS_R = 2, HAS_R2 = 4 };

static void emit(const char *form, int asz, u64 a, int bsz, u64 b, int csz, u64 c, u64 fi,
                 int rsz, u64 r, int r2sz, u64 r2, int has, u64 fo, uint32_t mask)
{
    printf("%s a=%0*llx b=%0*llx", form, hexw(asz), (unsigned long long)a, hexw(bsz), (unsigned long long)b);
    if (has & HAS_C)
        printf(" c=%0*llx", hexw(csz), (unsigned long long)c);
    printf(" f=%03x ->", (unsigned)fi);
    if (has & HAS_R)
        printf(" r=%0*llx", hexw(rsz), (unsigned long long)r);
    if (has & HAS_R2)
        printf(" r2=%0*llx", hexw(r2sz), (unsigned long long)r2);
    printf(" f=%03x m=%03x\n", (unsigned)(fo & mask), mask);
}

static void run(const char *form, op_fn fn, int sz, u64 a, u64 b, u64 c, int has, uint32_t mask, int r2)
{
    u64 fi = rnd_flags(), r = 0, rr = 0;
    u64 fo = fn(a, b, c, fi, &r, &rr);
    emit(form, sz, a, sz, b, sz, c, fi, sz, r, sz, rr, has | HAS_R | (r2 ? HAS_R2 : 0), fo, mask);
}

/* ---- flag masks, as the SDM defines them ---- */

static uint32_t shift_mask(const char *op, int sz, unsigned count)
{
    unsigned masked = count & 31;
    if (masked == 0)
        return ALL; /* count 0: no flags change */
    if (!strcmp(op, "rol") || !strcmp(op, "ror") || !strcmp(op, "rcl") || !strcmp(op, "rcr"))
        return masked == 1 ? ALL : ALL & ~OF; /* only CF (and OF for 1) are written */
    uint32_t m = SF | ZF | PF;                /* AF undefined for a non-zero count */
    if (masked < (unsigned)sz)
        m |= CF;                              /* CF undefined once the count reaches the size */
    if (masked == 1)
        m |= OF;
    return m;
}

/* ---- the families ---- */

#define NRAND 56

static void family_bin(void)
{
    static const struct { const char *name; op_fn f[3]; uint32_t mask; } ops[] = {
        { "add", { add8, add16, add32 }, ALL }, { "adc", { adc8, adc16, adc32 }, ALL },
        { "sub", { sub8, sub16, sub32 }, ALL }, { "sbb", { sbb8, sbb16, sbb32 }, ALL },
        { "cmp", { cmp8, cmp16, cmp32 }, ALL },
        { "and", { and8, and16, and32 }, ALL & ~AF }, { "or", { or8, or16, or32 }, ALL & ~AF },
        { "xor", { xor8, xor16, xor32 }, ALL & ~AF }, { "test", { test8, test16, test32 }, ALL & ~AF },
    };
    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int s = 0; s < 3; s++) {
            int sz = 8 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            for (int i = 0; i < NEDGE; i++)
                for (int j = 0; j < NEDGE; j++)
                    run(form, ops[o].f[s], sz, edge(sz, i), edge(sz, j), 0, 0, ops[o].mask, 0);
            for (int i = 0; i < NRAND; i++)
                run(form, ops[o].f[s], sz, rnd_sz(sz), rnd_sz(sz), 0, 0, ops[o].mask, 0);
        }
}

static void family_unary(void)
{
    static const struct { const char *name; op_fn f[3]; uint32_t mask; } ops[] = {
        { "inc", { inc8, inc16, inc32 }, ALL }, { "dec", { dec8, dec16, dec32 }, ALL },
        { "neg", { neg8, neg16, neg32 }, ALL }, { "not", { not8, not16, not32 }, ALL },
    };
    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int s = 0; s < 3; s++) {
            int sz = 8 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            for (int i = 0; i < NEDGE; i++)
                run(form, ops[o].f[s], sz, edge(sz, i), 0, 0, 0, ops[o].mask, 0);
            for (int i = 0; i < 24; i++)
                run(form, ops[o].f[s], sz, rnd_sz(sz), 0, 0, 0, ops[o].mask, 0);
        }
    for (int i = 0; i < 32; i++)
        run("bswap32", bswap32, 32, i < NEDGE ? edge(32, i) : rnd_sz(32), 0, 0, 0, ALL, 0);
}

static void family_shift(void)
{
    static const struct { const char *name; op_fn f[3]; op_fn one[3]; } ops[] = {
        { "shl", { shl8, shl16, shl32 }, { shl_1_8, shl_1_16, shl_1_32 } },
        { "shr", { shr8, shr16, shr32 }, { shr_1_8, shr_1_16, shr_1_32 } },
        { "sar", { sar8, sar16, sar32 }, { sar_1_8, sar_1_16, sar_1_32 } },
        { "rol", { rol8, rol16, rol32 }, { rol_1_8, rol_1_16, rol_1_32 } },
        { "ror", { ror8, ror16, ror32 }, { ror_1_8, ror_1_16, ror_1_32 } },
        { "rcl", { rcl8, rcl16, rcl32 }, { rcl_1_8, rcl_1_16, rcl_1_32 } },
        { "rcr", { rcr8, rcr16, rcr32 }, { rcr_1_8, rcr_1_16, rcr_1_32 } },
    };
    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int s = 0; s < 3; s++) {
            int sz = 8 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            /* every count 0..33 (and a few with high bits that the CPU masks off) */
            for (unsigned count = 0; count < 34; count++)
                for (int v = 0; v < 3; v++) {
                    u64 a = v == 0 ? edge(sz, 5 + (count & 1)) : rnd_sz(sz);
                    run(form, ops[o].f[s], sz, a, count, 0, 0, shift_mask(ops[o].name, sz, count), 0);
                }
            for (int v = 0; v < 6; v++) {
                unsigned count = (unsigned)rnd() & 0xff;
                run(form, ops[o].f[s], sz, rnd_sz(sz), count & szmask(sz), 0, 0,
                    shift_mask(ops[o].name, sz, (unsigned)(count & szmask(sz))), 0);
            }
            snprintf(form, sizeof form, "%s%d_1", ops[o].name, sz);
            for (int v = 0; v < 12; v++)
                run(form, ops[o].one[s], sz, v < NEDGE ? edge(sz, v) : rnd_sz(sz), 1, 0, 0,
                    shift_mask(ops[o].name, sz, 1), 0);
        }
}

static void family_shd(void)
{
    static const struct { const char *name; op_fn f[2]; } ops[] = {
        { "shld", { shld16, shld32 } }, { "shrd", { shrd16, shrd32 } },
    };
    for (unsigned o = 0; o < 2; o++)
        for (int s = 0; s < 2; s++) {
            int sz = 16 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            for (unsigned count = 0; count < 34; count++)
                for (int v = 0; v < 3; v++) {
                    u64 a = rnd_sz(sz), b = v == 0 ? edge(sz, 5) : rnd_sz(sz), fi = rnd_flags(), r = 0, r2 = 0;
                    u64 fo = ops[o].f[s](a, b, count, fi, &r, &r2);
                    unsigned masked = count & 31;
                    uint32_t mask;
                    int has = HAS_C | HAS_R;
                    if (masked == 0) {
                        mask = ALL;
                    } else if (masked > (unsigned)sz) {
                        mask = 0; /* result and flags undefined */
                        has = HAS_C;
                    } else {
                        mask = SF | ZF | PF | CF | (masked == 1 ? OF : 0);
                    }
                    emit(form, sz, a, sz, b, 8, count, fi, sz, r, 0, r2, has, fo, mask);
                }
        }
}

static void family_mul(void)
{
    static const struct { const char *name; op_fn f[3]; } ops[] = {
        { "mul", { mul8, mul16, mul32 } }, { "imul", { imul8, imul16, imul32 } },
    };
    for (unsigned o = 0; o < 2; o++)
        for (int s = 0; s < 3; s++) {
            int sz = 8 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            for (int i = 0; i < 64 + 40; i++) {
                u64 a = i < 64 ? edge(sz, i / 8) : rnd_sz(sz), b = i < 64 ? edge(sz, i % 8) : rnd_sz(sz);
                u64 fi = rnd_flags(), r = 0, r2 = 0;
                u64 fo = ops[o].f[s](a, b, 0, fi, &r, &r2);
                /* only CF and OF are defined after MUL/IMUL */
                if (sz == 8)
                    emit(form, 8, a, 8, b, 0, 0, fi, 16, r, 0, 0, HAS_R, fo, CF | OF);
                else
                    emit(form, sz, a, sz, b, 0, 0, fi, sz, r, sz, r2, HAS_R | HAS_R2, fo, CF | OF);
            }
        }
    for (int s = 0; s < 2; s++) {
        int sz = 16 << s;
        char form[16];
        snprintf(form, sizeof form, "imul%d_2", sz);
        op_fn f = s ? imul2_32 : imul2_16;
        for (int i = 0; i < 64 + 40; i++)
            run(form, f, sz, i < 64 ? edge(sz, i / 8) : rnd_sz(sz), i < 64 ? edge(sz, i % 8) : rnd_sz(sz), 0, 0, CF | OF, 0);
    }
#define X(i) { IMMV_##i, imul3_16_##i, imul3_32_##i },
    static const struct { long long imm; op_fn f16, f32; } imms[] = { IMM_LIST };
#undef X
    for (unsigned k = 0; k < sizeof imms / sizeof imms[0]; k++)
        for (int s = 0; s < 2; s++) {
            int sz = 16 << s;
            char form[16];
            snprintf(form, sizeof form, "imul%d_3", sz);
            for (int i = 0; i < 14; i++) {
                u64 b = i < NEDGE ? edge(sz, i) : rnd_sz(sz), fi = rnd_flags(), r = 0, r2 = 0;
                u64 a = rnd_sz(sz), imm = (u64)imms[k].imm & szmask(sz);
                u64 fo = (s ? imms[k].f32 : imms[k].f16)(a, b, 0, fi, &r, &r2);
                emit(form, sz, a, sz, b, sz, imm, fi, sz, r, 0, 0, HAS_C | HAS_R, fo, CF | OF);
            }
        }
}

static int div_ok(int sz, int sgn, u64 a, u64 b)
{
    if (b == 0)
        return 0;
    if (!sgn) {
        if (sz == 32)
            return (a >> 32) < b; /* quotient fits in 32 bits */
        return a / b <= szmask(sz);
    }
    int64_t sa, sb = (int64_t)(b << (64 - sz)) >> (64 - sz);
    if (sz == 32)
        sa = (int64_t)a;
    else
        sa = (int64_t)(a << (64 - 2 * sz)) >> (64 - 2 * sz);
    if (sz == 32 && sa == INT64_MIN && sb == -1)
        return 0;
    int64_t q = sa / sb, lim = (int64_t)1 << (sz - 1);
    return q >= -lim && q < lim;
}

static void family_div(void)
{
    static const struct { const char *name; op_fn f[3]; int sgn; } ops[] = {
        { "div", { div8, div16, div32 }, 0 }, { "idiv", { idiv8, idiv16, idiv32 }, 1 },
    };
    for (unsigned o = 0; o < 2; o++)
        for (int s = 0; s < 3; s++) {
            int sz = 8 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", ops[o].name, sz);
            int emitted = 0;
            for (int tries = 0; emitted < 100 && tries < 100000; tries++) {
                u64 b = tries < NEDGE ? edge(sz, tries) : rnd_sz(sz);
                /* a dividend of twice the size; small high halves make more quotients fit */
                u64 a = rnd_sz(2 * sz);
                if (tries & 1)
                    a &= szmask(sz + sz / 2);
                if (tries % 5 == 0 && ops[o].sgn)
                    a |= ~szmask(sz + 1) & szmask(2 * sz); /* a small negative dividend */
                if (!div_ok(sz, ops[o].sgn, a, b))
                    continue;
                u64 fi = rnd_flags(), r = 0, r2 = 0;
                u64 fo = ops[o].f[s](a, b, 0, fi, &r, &r2);
                emit(form, 2 * sz, a, sz, b, 0, 0, fi, sz, r, sz, r2, HAS_R | HAS_R2, fo, 0);
                emitted++;
            }
        }
}

static void family_bits(void)
{
    static const struct { const char *name; op_fn f[2]; } scans[] = {
        { "bsf", { bsf16, bsf32 } }, { "bsr", { bsr16, bsr32 } },
    };
    for (unsigned o = 0; o < 2; o++)
        for (int s = 0; s < 2; s++) {
            int sz = 16 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", scans[o].name, sz);
            for (int i = 0; i < 48; i++) {
                u64 b = i < NEDGE ? edge(sz, i) : i < 8 + sz ? (1ULL << (i - 8)) | (rnd() & 1) : rnd_sz(sz) >> (rnd() % sz);
                u64 a = rnd_sz(sz), fi = rnd_flags(), r = 0, r2 = 0;
                u64 fo = scans[o].f[s](a, b, 0, fi, &r, &r2);
                /* only ZF is defined; with a zero source the destination is undefined */
                emit(form, sz, a, sz, b, 0, 0, fi, sz, r, 0, 0, b ? HAS_R : 0, fo, ZF);
            }
        }
    /* gcc -march=i686 emits "rep bsf" (f3 0f bc) for __builtin_ctz; decoders (Iced) call it TZCNT.
     * BSF and TZCNT give the same result for a non-zero source, which is all gcc relies on, but
     * different flags, so only the result is compared and the source is never 0. */
    for (int s = 0; s < 2; s++) {
        int sz = 16 << s;
        char form[16];
        snprintf(form, sizeof form, "tzcnt%d", sz);
        for (int i = 0; i < 24; i++) {
            u64 b = i < sz ? (1ULL << i) | ((rnd_sz(sz) << i) & szmask(sz)) : rnd_sz(sz) | 1;
            run(form, s ? tzcnt32 : tzcnt16, sz, rnd_sz(sz), b, 0, 0, 0, 0);
        }
    }
    static const struct { const char *name; op_fn f[2]; } bts[] = {
        { "bt", { bt16, bt32 } }, { "bts", { bts16, bts32 } }, { "btr", { btr16, btr32 } }, { "btc", { btc16, btc32 } },
    };
    for (unsigned o = 0; o < 4; o++)
        for (int s = 0; s < 2; s++) {
            int sz = 16 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%d", bts[o].name, sz);
            for (int i = 0; i < 48; i++) {
                /* a register bit offset is taken modulo the operand size */
                u64 b = i < 40 ? (u64)i : rnd_sz(sz);
                run(form, bts[o].f[s], sz, rnd_sz(sz), b, 0, 0, CF | ZF, 0);
            }
        }
#define BTI_ROW(name, imm) { #name, imm, name##i16_##imm, name##i32_##imm }
#define BTI_ROWS(name) BTI_ROW(name, 0), BTI_ROW(name, 7), BTI_ROW(name, 15), BTI_ROW(name, 21), BTI_ROW(name, 31)
    static const struct { const char *name; unsigned imm; op_fn f16, f32; } btis[] = {
        BTI_ROWS(bt), BTI_ROWS(bts), BTI_ROWS(btr), BTI_ROWS(btc),
    };
    for (unsigned k = 0; k < sizeof btis / sizeof btis[0]; k++)
        for (int s = 0; s < 2; s++) {
            int sz = 16 << s;
            char form[16];
            snprintf(form, sizeof form, "%s%di", btis[k].name, sz);
            for (int i = 0; i < 6; i++)
                run(form, s ? btis[k].f32 : btis[k].f16, sz, rnd_sz(sz), btis[k].imm, 0, 0, CF | ZF, 0);
        }
}

static void family_atomic(void)
{
    static const op_fn xadds[3] = { xadd8, xadd16, xadd32 }, cmpxchgs[3] = { cmpxchg8, cmpxchg16, cmpxchg32 };
    for (int s = 0; s < 3; s++) {
        int sz = 8 << s;
        char form[16];
        snprintf(form, sizeof form, "xadd%d", sz);
        for (int i = 0; i < 40; i++)
            run(form, xadds[s], sz, i < 16 ? edge(sz, i / 2) : rnd_sz(sz), i < 16 ? edge(sz, 7 - i / 2) : rnd_sz(sz), 0, 0, ALL, 1);
        snprintf(form, sizeof form, "cmpxchg%d", sz);
        for (int i = 0; i < 48; i++) {
            u64 a = rnd_sz(sz), b = (i & 1) ? a : rnd_sz(sz), c = rnd_sz(sz);
            if (i % 4 == 3)
                b = a ^ 1;
            run(form, cmpxchgs[s], sz, a, b, c, HAS_C, ALL, 1);
        }
    }
    static const struct { const char *name; op_fn f; int rsz; } exts[] = {
        { "cbw", cbw, 16 }, { "cwde", cwde, 32 }, { "cwd", cwd, 16 }, { "cdq", cdq, 32 },
    };
    for (unsigned o = 0; o < 4; o++)
        for (int i = 0; i < 16; i++) {
            u64 a = i < NEDGE ? edge(32, i) ^ (i & 1 ? 0x80 : 0x8000) : rnd_sz(32), fi = rnd_flags(), r = 0, r2 = 0;
            u64 fo = exts[o].f(a, 0, 0, fi, &r, &r2);
            emit(exts[o].name, 32, a, 8, 0, 0, 0, fi, exts[o].rsz, r, 0, 0, HAS_R, fo, ALL);
        }
}

static void family_cc(void)
{
#define X(cc) { #cc, set##cc, j##cc, cmov##cc##16, cmov##cc##32 },
    static const struct { const char *cc; op_fn set, j, cmov16, cmov32; } ccs[] = { CC_LIST };
#undef X
    static const uint32_t bits[5] = { CF, PF, ZF, SF, OF };
    for (unsigned k = 0; k < 16; k++) {
        char form[16];
        for (unsigned combo = 0; combo < 32; combo++) {
            /* every combination of the five flags a condition can read; AF random */
            u64 fi = 0x2u | ((uint32_t)rnd() & AF), r = 0, r2 = 0, fo, a = rnd_sz(32), b = rnd_sz(32);
            for (int i = 0; i < 5; i++)
                if (combo & (1u << i))
                    fi |= bits[i];
            snprintf(form, sizeof form, "set%s", ccs[k].cc);
            fo = ccs[k].set(a & 0xff, 0, 0, fi, &r, &r2);
            emit(form, 8, a & 0xff, 8, 0, 0, 0, fi, 8, r, 0, 0, HAS_R, fo, ALL);
            snprintf(form, sizeof form, "j%s", ccs[k].cc);
            fo = ccs[k].j(0, 0, 0, fi, &r, &r2);
            emit(form, 8, 0, 8, 0, 0, 0, fi, 8, r, 0, 0, HAS_R, fo, ALL);
            snprintf(form, sizeof form, "cmov%s32", ccs[k].cc);
            fo = ccs[k].cmov32(a, b, 0, fi, &r, &r2);
            emit(form, 32, a, 32, b, 0, 0, fi, 32, r, 0, 0, HAS_R, fo, ALL);
            if (combo % 4 == k % 4) {
                snprintf(form, sizeof form, "cmov%s16", ccs[k].cc);
                fo = ccs[k].cmov16(a & 0xffff, b & 0xffff, 0, fi, &r, &r2);
                emit(form, 16, a & 0xffff, 16, b & 0xffff, 0, 0, fi, 16, r, 0, 0, HAS_R, fo, ALL);
            }
        }
    }
}

int main(void)
{
    printf("# x86 integer instruction vectors from tests/native/oracle.c, run on the host CPU.\n");
    printf("# Regenerate: gcc -O1 -mno-red-zone -o oracle tests/native/oracle.c && ./oracle > tests/Cpu.Tests/Semantics/Vectors/x86-integer.txt\n");
    printf("# form a= b= [c=] f=<flags in> -> [r=] [r2=] f=<flags out, masked> m=<defined flags>\n");
    family_bin();
    family_unary();
    family_shift();
    family_shd();
    family_mul();
    family_div();
    family_bits();
    family_atomic();
    family_cc();
    return 0;
}
