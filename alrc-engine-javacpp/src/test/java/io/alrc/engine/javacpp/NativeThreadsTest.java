package io.alrc.engine.javacpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {
  @Test
  void theChildClassPathHoldsThePresetsAndTheirNatives() {
    String[] entries = NativeThreads.childClassPath().split(File.pathSeparator);
    assertThat(Arrays.stream(entries).anyMatch(e -> e.matches(".*pytorch-[0-9.]+-[0-9.]+-linux-x86_64\\.jar")))
        .as("pytorch platform natives in %s", Arrays.toString(entries)).isTrue();
    assertThat(Arrays.stream(entries).anyMatch(e -> e.matches(".*javacpp-[0-9.]+\\.jar"))).isTrue();
    assertThat(Arrays.stream(entries).anyMatch(e -> e.endsWith("classes"))).as("this module's classes").isTrue();
    assertThat(entries).doesNotHaveDuplicates();
  }

  @Test
  void libtorchIsUnpackedIntoAFolderNamedAfterTheNativesJar() throws Exception {
    java.nio.file.Path natives = NativeThreads.unpackedLibtorch();
    assertThat(natives).isNotNull();
    assertThat(natives.toString())
        .startsWith(org.bytedeco.javacpp.Loader.getCacheDir().toString())
        .matches(".*/pytorch-[0-9.]+-[0-9.]+-linux-x86_64\\.jar/org/bytedeco/pytorch/linux-x86_64/libtorch_cpu\\.so");
    NativeThreads.load(); // idempotent; leaves the marker beside the unpacked natives
    assertThat(natives).exists();
    assertThat(natives.resolveSibling(NativeThreads.READY)).exists();
  }
}
