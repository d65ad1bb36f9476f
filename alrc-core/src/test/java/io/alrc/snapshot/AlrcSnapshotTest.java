package io.alrc.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.alrc.AlrcClipper;
import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import io.alrc.AlrcStep;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Tests of {@link AlrcSnapshot}: round trips, bit-identical continuation and rejected bytes. */
class AlrcSnapshotTest {

  @SuppressWarnings("deprecation")
  static Stream<AlrcConfig> configs() {
    return Stream.of(
        AlrcConfig.reference(),
        AlrcConfig.cifar2019(2),
        AlrcConfig.Profile.REFERENCE.builder()
            .n(2.5)
            .beta1(0.99)
            .beta2(0.995)
            .eps(0)
            .nonFiniteLimit(3)
            .build(),
        AlrcConfig.Profile.REFERENCE.builder().warmupLosses(50).lowerN(1.5).build(),
        AlrcConfig.auto(),
        AlrcConfig.builder().warmup(500).lowerN(1.5).n(2).build());
  }

  /** A seeded stream of losses with zeros and spikes, batch sizes 1 to 8. */
  private static double[][] stream(long seed, int steps) {
    Random random = new Random(seed);
    double[][] batches = new double[steps][];
    for (int t = 0; t < steps; t++) {
      double[] batch = new double[1 + random.nextInt(8)];
      for (int i = 0; i < batch.length; i++) {
        double u = random.nextDouble();
        batch[i] = u < 0.1 ? 0 : u > 0.95 ? 1e4 * random.nextDouble() : 30 * random.nextDouble();
      }
      batches[t] = batch;
    }
    return batches;
  }

  private static AlrcState run(
      AlrcClipper clipper, AlrcState state, double[][] batches, int from, int to) {
    for (int t = from; t < to; t++) {
      state = clipper.update(batches[t], state).state();
    }
    return state;
  }

  @ParameterizedTest
  @MethodSource("configs")
  void roundTripsToAnEqualConfigAndState(AlrcConfig config) {
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = run(clipper, clipper.init(), stream(1, 40), 0, 40);
    state = clipper.update(new double[] {Double.NaN}, state).state();
    AlrcSnapshot snapshot = new AlrcSnapshot(config, state);

    AlrcSnapshot restored = AlrcSnapshot.fromBytes(snapshot.toBytes());

    assertThat(restored).as("the decoded snapshot equals the saved one").isEqualTo(snapshot);
    assertThat(restored.config()).as("an equal configuration").isEqualTo(config);
    assertThat(restored.state()).as("an equal state, counters included").isEqualTo(state);
    assertThat(SnapshotFormat.kindOf(snapshot.toBytes()))
        .as("written as kind 'alrc'")
        .isEqualTo("alrc");
  }

  @ParameterizedTest
  @MethodSource("configs")
  void aRestoredClipperContinuesBitIdentically(AlrcConfig config) {
    double[][] batches = stream(7, 300);
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState midway = run(clipper, clipper.init(), batches, 0, 150);

    AlrcSnapshot restored = AlrcSnapshot.fromBytes(new AlrcSnapshot(config, midway).toBytes());
    AlrcClipper resumed = new AlrcClipper(restored.config());
    AlrcState a = midway;
    AlrcState b = restored.stateFor(config);
    for (int t = 150; t < batches.length; t++) {
      AlrcStep original = clipper.update(batches[t], a);
      AlrcStep continued = resumed.update(batches[t], b);
      assertThat(bits(continued.scales()))
          .as("step %d: the same scales, bit for bit", t + 1)
          .containsExactly(bits(original.scales()));
      assertThat(bits(continued.outputs()))
          .as("step %d: the same outputs, bit for bit", t + 1)
          .containsExactly(bits(original.outputs()));
      assertThat(Double.doubleToRawLongBits(continued.lmax()))
          .as("step %d: the same lmax, bit for bit", t + 1)
          .isEqualTo(Double.doubleToRawLongBits(original.lmax()));
      a = original.state();
      b = continued.state();
      assertThat(Double.doubleToRawLongBits(b.mu1()))
          .as("step %d: the same mu1, bit for bit", t + 1)
          .isEqualTo(Double.doubleToRawLongBits(a.mu1()));
      assertThat(Double.doubleToRawLongBits(b.mu2()))
          .as("step %d: the same mu2, bit for bit", t + 1)
          .isEqualTo(Double.doubleToRawLongBits(a.mu2()));
    }
    assertThat(b).as("the same final state").isEqualTo(a);
  }

  private static long[] bits(double[] values) {
    return Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
  }

  @Test
  void stateForRefusesASnapshotOfAnotherConfiguration() {
    AlrcConfig reference = AlrcConfig.reference();
    AlrcSnapshot snapshot = new AlrcSnapshot(reference, AlrcState.initial(reference));
    AlrcConfig other = AlrcConfig.cifar2019(2);

    assertThatThrownBy(() -> snapshot.stateFor(other))
        .as("a state only continues the configuration it was taken with")
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "snapshot was taken with n 3.0, beta1 0.999, beta2 0.999, gamma1 "
                + reference.gamma1() + ", gamma2 " + reference.gamma2() + ", initialMu1 25.0,"
                + " initialMu2 900.0, eps 1.0E-8; this configuration has n 2.0, beta1 0.997,"
                + " beta2 0.997, gamma1 0.001, gamma2 0.001, initialMu1 10.0, initialMu2 400.0,"
                + " eps 0.001");
    AlrcConfig n2 = AlrcConfig.Profile.REFERENCE.builder().n(2).build();
    assertThatThrownBy(() -> snapshot.stateFor(n2))
        .as("only the fields that differ")
        .hasMessage("snapshot was taken with n 3.0; this configuration has n 2.0");
    assertThat(snapshot.stateFor(AlrcConfig.reference()))
        .as("an equal configuration gets the state")
        .isEqualTo(AlrcState.initial(reference));
  }

  @Test
  void rejectsMissingParts() {
    assertThatThrownBy(() -> new AlrcSnapshot(null, AlrcState.initial(AlrcConfig.reference())))
        .as("a snapshot needs a configuration")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("config and state must not be null");
  }

  private static byte[] referenceBytes() {
    AlrcConfig config = AlrcConfig.reference();
    return new AlrcSnapshot(config, AlrcState.initial(config)).toBytes();
  }

  /** Where the payload starts: magic, version, kind "alrc" as modified UTF-8. */
  private static final int PAYLOAD = 4 + 2 + 2 + 4;

  @Test
  void rejectsWrongMagic() {
    byte[] bytes = referenceBytes();
    bytes[3] = 0;

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .as("not a snapshot")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an ALRC snapshot: magic 0x414C5200, expected 0x414C5243");
  }

  @Test
  void rejectsAnUnknownVersion() {
    byte[] bytes = referenceBytes();
    bytes[4] = 1;

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .as("version 257 is unknown")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported snapshot format version 257, this library reads 1 to 2");
  }

  @Test
  void rejectsAnotherKind() {
    byte[] bytes = SnapshotFormat.encode("autoclip", out -> out.writeDouble(10));

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .as("an AutoClip snapshot is not an ALRC one")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot holds a 'autoclip' state, expected 'alrc'");
  }

  @Test
  void rejectsTruncatedBytes() {
    byte[] bytes = referenceBytes();
    for (int length : new int[] {0, 3, PAYLOAD, PAYLOAD + 20, bytes.length - 1}) {
      byte[] cut = Arrays.copyOf(bytes, length);
      assertThatThrownBy(() -> AlrcSnapshot.fromBytes(cut))
          .as("%d of %d bytes is truncated", length, bytes.length)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("snapshot of 'alrc' is truncated (" + length + " bytes)");
    }
  }

  @Test
  void rejectsTrailingBytes() {
    byte[] bytes = referenceBytes();
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(longer))
        .as("one byte too many")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot of 'alrc' has 1 unexpected trailing bytes");
  }

  @Test
  void rejectsAnInvalidConfigurationInThePayload() {
    byte[] bytes = referenceBytes();
    ByteBuffer.wrap(bytes).putDouble(PAYLOAD, -3);

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .as("the configuration is validated as if built by hand")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("n (-3.0) must be finite and > 0");
  }

  @Test
  void rejectsAnInvalidStateInThePayload() {
    byte[] bytes = referenceBytes();
    // the state's mu1 follows 8 doubles, 2 ints, a boolean and a double of configuration
    ByteBuffer.wrap(bytes).putDouble(PAYLOAD + 8 * 8 + 2 * 4 + 1 + 8, Double.NaN);

    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .as("the state is validated as if built by hand")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mu1 (NaN) and mu2 (900.0) must be finite");
  }

  // ---- formats: version 1 (fixed initial moments) and 2 (the auto start)

  /** The stream of the format-1 fixtures' generator: {@link #stream(long, int)} with seed 11. */
  static Stream<String> formatOneFixtures() {
    return Stream.of("v1-reference.bin", "v1-cifar2019.bin", "v1-warmup-losses.bin", "v1-custom.bin");
  }

  private static byte[] resource(String name) throws IOException {
    try (var in = AlrcSnapshotTest.class.getResourceAsStream(name)) {
      assertThat(in).as("test resource %s", name).isNotNull();
      return in.readAllBytes();
    }
  }

  /**
   * Snapshots written by the core before the auto start (resources {@code v1-*.bin}, with the
   * state after 30 more steps in {@code v1-expected.txt}) restore, continue to the same bits, and
   * are what the current core writes for the same configuration and state.
   */
  @ParameterizedTest
  @MethodSource("formatOneFixtures")
  void snapshotsWrittenBeforeTheAutoStartRestoreAndContinueUnchanged(String name)
      throws IOException {
    byte[] bytes = resource(name);
    AlrcSnapshot restored = AlrcSnapshot.fromBytes(bytes);
    assertThat(restored.config().autoStart()).as("fixed initial moments").isFalse();
    assertThat(restored.toBytes()).as("format 1 is still written bit for bit").isEqualTo(bytes);
    assertThat(ByteBuffer.wrap(bytes).getShort(4)).as("format version").isEqualTo((short) 1);

    String expected =
        new String(resource("v1-expected.txt"), java.nio.charset.StandardCharsets.US_ASCII)
            .lines()
            .filter(l -> l.startsWith(name + " "))
            .findFirst()
            .orElseThrow();
    String[] f = expected.split(" ");
    AlrcClipper clipper = new AlrcClipper(restored.config());
    AlrcState state = restored.state();
    double lmax = Double.NaN;
    long clipped = 0;
    for (double[] batch : stream(12, 30)) {
      AlrcStep step = clipper.update(batch, state);
      state = step.state();
      lmax = step.lmax();
      clipped += step.clippedCount();
    }
    assertThat(Long.toHexString(Double.doubleToRawLongBits(state.mu1()))).as("mu1").isEqualTo(f[1]);
    assertThat(Long.toHexString(Double.doubleToRawLongBits(state.mu2()))).as("mu2").isEqualTo(f[2]);
    assertThat(state.steps()).as("steps").isEqualTo(Long.parseLong(f[3]));
    assertThat(Long.toHexString(Double.doubleToRawLongBits(lmax))).as("last lmax").isEqualTo(f[4]);
    assertThat(clipped).as("examples clipped").isEqualTo(Long.parseLong(f[5]));
  }

  @Test
  void theAutoStartIsWrittenInFormatTwoWithItsWarmupBuffer() {
    AlrcConfig config = AlrcConfig.auto();
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = clipper.update(new double[] {3, 1, 2}, clipper.init()).state();
    state = clipper.update(new double[] {Double.NaN}, state).state();
    byte[] bytes = new AlrcSnapshot(config, state).toBytes();

    assertThat(ByteBuffer.wrap(bytes).getShort(4)).as("format version").isEqualTo((short) 2);
    AlrcSnapshot restored = AlrcSnapshot.fromBytes(bytes);
    assertThat(restored.config()).isEqualTo(config);
    assertThat(restored.state().warmupBuffer()).containsExactly(1, 2, 3);
    assertThat(restored.state()).isEqualTo(state);
    assertThat(bytes.length)
        .as("format 1's fields, warm-up length, buffer length and three losses")
        .isEqualTo(referenceBytes().length + 4 + 4 + 3 * 8);
  }

  @Test
  void rejectsACorruptWarmupBuffer() {
    AlrcConfig config = AlrcConfig.auto();
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = clipper.update(new double[] {1, 2}, clipper.init()).state();
    byte[] bytes = new AlrcSnapshot(config, state).toBytes();
    ByteBuffer.wrap(bytes).putInt(bytes.length - 2 * 8 - 4, 1_000);
    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("snapshot of 'alrc' is corrupt: warm-up buffer of 1000 losses");

    byte[] unsorted = new AlrcSnapshot(config, state).toBytes();
    ByteBuffer.wrap(unsorted).putDouble(unsorted.length - 8, 0.5);
    assertThatThrownBy(() -> AlrcSnapshot.fromBytes(unsorted))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "warmupBuffer must hold positive finite losses in ascending order, found 0.5 at"
                + " index 1");
  }

  @Test
  void savesAndLoadsThroughAnAtomicWrite(@TempDir Path dir) throws IOException {
    AlrcConfig config = AlrcConfig.cifar2019(3);
    AlrcClipper clipper = new AlrcClipper(config);
    AlrcState state = run(clipper, clipper.init(), stream(3, 20), 0, 20);
    Path file = dir.resolve("alrc.snapshot");

    SnapshotFormat.writeAtomically(file, new AlrcSnapshot(config, state).toBytes());

    assertThat(AlrcSnapshot.fromBytes(Files.readAllBytes(file)).stateFor(config))
        .as("the state read back from the file")
        .isEqualTo(state);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).as("no temporary file is left beside the snapshot").containsExactly(file);
    }
  }
}
