/**
 * Precision conversion between the floating-point checkpoint dtypes ({@code F64}, {@code F32}, {@code F16},
 * {@code BF16}, {@code F8_E4M3FN}, {@code F8_E5M2} of {@link dev.sdfarm.checkpoint.DType}), giving bit for bit
 * what {@code tensor.to(dtype)} gives in PyTorch on the CPU.
 *
 * <h2>API</h2>
 * {@link dev.sdfarm.checkpoint.dtype.PrecisionCast} has scalar conversions between {@code float} and each
 * narrow format, on bit patterns ({@code short} for fp16 and bf16, {@code byte} for fp8), and
 * {@link dev.sdfarm.checkpoint.dtype.PrecisionCast#cast cast}, which converts a run of little-endian
 * elements between any two float dtypes in memory segments and returns how many finite inputs overflowed.
 *
 * <h2>Narrowing</h2>
 * Round to nearest, ties to even, with subnormal results rounded exactly (no flush to zero); a result that
 * rounds to zero keeps the input's sign. Each format overflows as follows (magnitudes of fp32 inputs):
 * <table class="striped">
 * <caption>Overflow and NaN results of narrowing</caption>
 * <thead><tr><th>dtype</th><th>largest finite</th><th>overflows from</th><th>overflow and &plusmn;Inf
 * become</th><th>NaN becomes</th></tr></thead>
 * <tbody>
 * <tr><td>F16</td><td>65504</td><td>65520 (the halfway point, ties to even)</td><td>&plusmn;Inf
 * {@code sign|0x7C00}</td><td>{@code sign|0x7E00}</td></tr>
 * <tr><td>BF16</td><td>{@code 0x7F7F} &asymp; 3.3895e38</td><td>fp32 {@code 0x7F7F8000} &asymp; 3.3962e38
 * (so {@code Float.MAX_VALUE} becomes Inf)</td><td>&plusmn;Inf {@code sign|0x7F80}</td>
 * <td>{@code sign|0x7FC0}</td></tr>
 * <tr><td>F8_E4M3FN</td><td>448</td><td>above 464 (464 itself ties to 448)</td><td>NaN {@code sign|0x7F}
 * (the format has no Inf)</td><td>{@code sign|0x7F}</td></tr>
 * <tr><td>F8_E5M2</td><td>57344</td><td>61440</td><td>&plusmn;Inf {@code sign|0x7C}</td>
 * <td>{@code sign|0x7F}</td></tr>
 * </tbody>
 * </table>
 * The overflow count of {@code cast} counts finite inputs whose result is &plusmn;Inf (NaN for e4m3fn);
 * infinite and NaN inputs are never counted.
 *
 * <p>Every NaN narrows to the format's canonical quiet NaN with the input's sign; payloads are dropped. For
 * fp16 that is what PyTorch produces (numpy's {@code astype(float16)}, by contrast, keeps payload bits), and
 * for fp8 it is the rule of c10's {@code Float8_e4m3fn} and {@code Float8_e5m2}. For bf16 PyTorch's own CPU
 * paths disagree (its scalar conversion gives {@code 0x7FC0}, its vectorized one {@code 0xFFFF} whatever
 * the sign), so the result is fixed here to {@code sign|0x7FC0}.
 *
 * <h2>Widening</h2>
 * fp16, bf16 and fp8 to fp32 or fp64, and fp32 to fp64, are exact. A NaN keeps its sign and its payload,
 * moved to the top of the wider mantissa, and is made quiet, as PyTorch's conversions do: fp16
 * {@code 0x7C01} becomes fp32 {@code 0x7FC02000}, e4m3fn {@code 0x7F} becomes {@code 0x7FF00000}, fp32
 * {@code 0x7F800001} becomes fp64 {@code 0x7FF8000020000000}. bf16 widens to fp32 by a plain shift, so
 * even a signalling NaN keeps every bit ({@code 0x7F81} becomes {@code 0x7F810000}), again as PyTorch does.
 *
 * <h2>F64 sources</h2>
 * F64 to F32 rounds to nearest, ties to even, and overflows to &plusmn;Inf; a NaN keeps its sign and the top
 * 23 bits of its payload and is made quiet. F64 to F16, BF16 or fp8 first rounds to F32 and then to the
 * target, because that is what PyTorch does ({@code static_cast<c10::Half>(double)} converts to float
 * first). The two roundings can differ from one direct rounding: {@code 1 + 2^-11 + 2^-40} rounds to the
 * fp32 {@code 1 + 2^-11}, exactly halfway between two fp16 values, which ties to even and gives fp16
 * {@code 1.0}, where a direct rounding (numpy's {@code astype(float16)}) gives {@code 1 + 2^-10}. A finite
 * double beyond the fp32 range counts as an overflow.
 *
 * <h2>Between narrow formats</h2>
 * F16, BF16, F8_E4M3FN and F8_E5M2 convert to each other through fp32: exact widening, then narrowing by
 * the rules above, so each such conversion rounds once.
 *
 * <h2>Bulk conversion</h2>
 * Elements are little-endian on both sides; segments may be heap, native or mapped, at any alignment. The
 * same dtype on both sides is a plain byte copy (NaN bits untouched, overlapping ranges allowed); a
 * conversion requires non-overlapping ranges and a writable destination.
 *
 * <p>The conversions from F32 to F16, BF16, F8_E4M3FN and F8_E5M2, from F16, BF16 and both fp8 formats to
 * F32, and between F16 and BF16 run on the Vector API ({@code jdk.incubator.vector}), which the JVM must be
 * started with ({@code --add-modules jdk.incubator.vector}) and which needs vectors of at least 256 bits
 * (AVX2 or better). Without them, and for the other pairs (all F64 conversions, fp8 to or from 16-bit
 * formats), the same results come from an element-at-a-time path that is several times slower. Heap
 * segments, for which C2 does not compile vector loads and stores from {@code byte[]}, are converted through
 * small native buffers once a call has 1024 elements or more, and element by element below that.
 */
package dev.sdfarm.checkpoint.dtype;
