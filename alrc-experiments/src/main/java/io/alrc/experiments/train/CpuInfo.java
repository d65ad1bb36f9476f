package io.alrc.experiments.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The CPU's model name and the instruction-set flags that decide how fast, and whether, bfloat16
 * convolutions run, as Linux reports them in {@code /proc/cpuinfo} (first processor).
 *
 * <p>bfloat16 counts as supported when the CPU has native bfloat16 arithmetic: {@code avx512_bf16}
 * (AVX512-BF16: Intel Cooper Lake and later Xeons, AMD Zen 4 and later) or {@code amx_bf16} (Intel
 * AMX-BF16 tile multiplication: Sapphire Rapids and later Xeons), the ISAs oneDNN's bfloat16
 * convolutions use ({@code avx512_core_bf16}, {@code avx512_core_amx}). oneDNN can emulate bfloat16
 * on plain AVX-512, but slower than float32, so such CPUs count as unsupported. A machine without
 * {@code /proc/cpuinfo} reports model {@code unknown} and no flags.
 *
 * @param model the model name ({@code model name} line), or {@code unknown}
 * @param flags the flags of {@link #FLAGS} the CPU has, in that order
 */
public record CpuInfo(String model, List<String> flags) {
  /** The flags recorded: AVX2, AVX-512 foundation, AVX512-BF16, AMX tiles, AMX-BF16. */
  public static final List<String> FLAGS = List.of("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16");

  private static CpuInfo current;

  /** Copies the flags. */
  public CpuInfo {
    flags = List.copyOf(flags);
  }

  /** This machine's CPU (read once per process). */
  public static synchronized CpuInfo current() {
    if (current == null) {
      String text;
      try {
        text = Files.readString(Path.of("/proc/cpuinfo"));
      } catch (IOException | RuntimeException notLinux) {
        text = "";
      }
      current = parse(text);
    }
    return current;
  }

  /** The CPU described by the text of {@code /proc/cpuinfo} (its first processor's lines). */
  public static CpuInfo parse(String cpuinfo) {
    String model = "unknown";
    Set<String> all = new HashSet<>();
    boolean haveModel = false;
    boolean haveFlags = false;
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (key.equals("model name") && !haveModel) {
        model = value;
        haveModel = true;
      } else if (key.equals("flags") && !haveFlags) {
        all.addAll(Arrays.asList(value.split("\\s+")));
        haveFlags = true;
      }
    }
    List<String> flags = new ArrayList<>();
    for (String f : FLAGS) {
      if (all.contains(f)) {
        flags.add(f);
      }
    }
    return new CpuInfo(model, flags);
  }

  /** Whether the CPU has native bfloat16 arithmetic: {@code avx512_bf16} or {@code amx_bf16}. */
  public boolean bf16() {
    return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
  }

  /** Whether the CPU has AMX-BF16 tile multiplication. */
  public boolean amxBf16() {
    return flags.contains("amx_bf16") && flags.contains("amx_tile");
  }

  /** {@code MODEL [flag flag ...]}, for tables and messages. */
  public String describe() {
    return model + " [" + String.join(" ", flags) + "]";
  }
}
