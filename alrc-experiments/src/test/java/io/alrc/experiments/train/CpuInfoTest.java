package io.alrc.experiments.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInfoTest {
  private static final String SAPPHIRE_RAPIDS = """
      processor	: 0
      vendor_id	: GenuineIntel
      model name	: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
      flags		: fpu vme sse2 avx2 avx512f avx512dq avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8

      processor	: 1
      model name	: another
      flags		: fpu
      """;

  @Test
  void readsTheFirstProcessorsModelAndTheRecordedFlagsInOrder() {
    CpuInfo cpu = CpuInfo.parse(SAPPHIRE_RAPIDS);
    assertThat(cpu.model()).isEqualTo("Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz");
    assertThat(cpu.flags()).containsExactly("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16");
    assertThat(cpu.bf16()).isTrue();
    assertThat(cpu.amxBf16()).isTrue();
    assertThat(cpu.describe())
        .isEqualTo("Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz [avx2 avx512f avx512_bf16 amx_tile amx_bf16]");
  }

  @Test
  void bf16NeedsAvx512Bf16OrAmxBf16() {
    assertThat(CpuInfo.parse("model name : Zen 4\nflags : avx2 avx512f avx512_bf16\n").bf16()).isTrue();
    assertThat(CpuInfo.parse("model name : Skylake-SP\nflags : avx2 avx512f avx512bw\n").bf16())
        .as("AVX-512 without bf16: oneDNN would emulate").isFalse();
    CpuInfo none = CpuInfo.parse("");
    assertThat(none.model()).isEqualTo("unknown");
    assertThat(none.flags()).isEmpty();
    assertThat(none.bf16()).isFalse();
    assertThat(new CpuInfo("x", List.of("amx_bf16")).amxBf16()).as("tiles missing").isFalse();
  }

  @Test
  void thisMachineIsReadOnce() {
    assertThat(CpuInfo.current()).isSameAs(CpuInfo.current());
    assertThat(CpuInfo.FLAGS).containsAll(CpuInfo.current().flags());
  }
}
