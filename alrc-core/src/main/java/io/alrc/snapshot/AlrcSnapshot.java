package io.alrc.snapshot;

import io.alrc.AlrcConfig;
import io.alrc.AlrcState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The saved form of an ALRC clipper: its configuration and its state, in the versioned envelope of
 * {@link SnapshotFormat} with kind {@value #KIND}. A clipper restored from a snapshot continues
 * bit-identically: every double is stored as its exact bits, the auto start's warm-up buffer
 * included.
 *
 * <p>Formats: version 1 (fixed initial moments: the configuration and state fields before the
 * auto start), written for every configuration without the auto start, so those snapshots are the
 * bytes they always were; version 2 (the auto start) appends the warm-up length K, and the warm-up
 * buffer (its length, then its losses). Both are read.
 *
 * @param config the clipper's configuration
 * @param state the state to continue from
 */
public record AlrcSnapshot(AlrcConfig config, AlrcState state) {
  /** The kind written in the envelope. */
  public static final String KIND = "alrc";

  /** The format of configurations with fixed initial moments (also every snapshot before 2). */
  public static final short VERSION_FIXED = 1;

  /** The format of the auto start: version 1's fields, the warm-up length and buffer. */
  public static final short VERSION_AUTO = 2;

  /** Checks that both parts are present. */
  public AlrcSnapshot {
    if (config == null || state == null) {
      throw new IllegalArgumentException("config and state must not be null");
    }
  }

  /** Encodes configuration and state. */
  public byte[] toBytes() {
    return SnapshotFormat.encode(
        KIND, config.autoStart() ? VERSION_AUTO : VERSION_FIXED, this::writePayload);
  }

  /**
   * Decodes a snapshot written by {@link #toBytes()}.
   *
   * @throws IllegalArgumentException if the bytes are not an ALRC snapshot of a supported version,
   *     are truncated, or hold an invalid configuration or state (the message says which)
   */
  public static AlrcSnapshot fromBytes(byte[] bytes) {
    return SnapshotFormat.decode(bytes, KIND, VERSION_AUTO, AlrcSnapshot::readPayload);
  }

  /**
   * The state, after checking that the snapshot was taken with {@code expected}.
   *
   * @throws IllegalStateException if the snapshot's configuration differs, naming the fields that
   *     differ and both values of each, e.g. {@code snapshot was taken with n 2.0, eps 0.001; this
   *     configuration has n 3.0, eps 1.0E-8}
   */
  public AlrcState stateFor(AlrcConfig expected) {
    if (!config.equals(expected)) {
      List<String> found = new ArrayList<>();
      List<String> wanted = new ArrayList<>();
      differ("n", config.n(), expected.n(), found, wanted);
      differ("beta1", config.beta1(), expected.beta1(), found, wanted);
      differ("beta2", config.beta2(), expected.beta2(), found, wanted);
      differ("gamma1", config.gamma1(), expected.gamma1(), found, wanted);
      differ("gamma2", config.gamma2(), expected.gamma2(), found, wanted);
      differ("initialMu1", config.initialMu1(), expected.initialMu1(), found, wanted);
      differ("initialMu2", config.initialMu2(), expected.initialMu2(), found, wanted);
      differ("eps", config.eps(), expected.eps(), found, wanted);
      differ("nonFiniteLimit", config.nonFiniteLimit(), expected.nonFiniteLimit(), found, wanted);
      differ("warmupLosses", config.warmupLosses(), expected.warmupLosses(), found, wanted);
      differ("lowerN", lowerN(config), lowerN(expected), found, wanted);
      throw new IllegalStateException(
          "snapshot was taken with " + String.join(", ", found) + "; this configuration has "
              + String.join(", ", wanted));
    }
    return state;
  }

  private static void differ(
      String name, Object found, Object expected, List<String> foundOut, List<String> wantedOut) {
    if (!found.equals(expected)) {
      foundOut.add(name + " " + found);
      wantedOut.add(name + " " + expected);
    }
  }

  private static String lowerN(AlrcConfig c) {
    return c.lowerN().isPresent() ? Double.toString(c.lowerN().getAsDouble()) : "none";
  }

  private void writePayload(DataOutputStream out) throws IOException {
    out.writeDouble(config.n());
    out.writeDouble(config.beta1());
    out.writeDouble(config.beta2());
    out.writeDouble(config.gamma1());
    out.writeDouble(config.gamma2());
    out.writeDouble(config.initialMu1());
    out.writeDouble(config.initialMu2());
    out.writeDouble(config.eps());
    out.writeInt(config.nonFiniteLimit());
    out.writeInt(config.warmupLosses());
    out.writeBoolean(config.lowerN().isPresent());
    out.writeDouble(config.lowerN().orElse(0));
    out.writeDouble(state.mu1());
    out.writeDouble(state.mu2());
    out.writeLong(state.steps());
    out.writeLong(state.skippedSteps());
    out.writeInt(state.consecutiveSkipped());
    out.writeLong(state.warmupCount());
    out.writeDouble(state.warmupSum());
    out.writeDouble(state.warmupSumSq());
    if (config.autoStart()) {
      out.writeInt(config.warmup());
      out.writeInt(state.warmupBufferSize());
      for (int i = 0; i < state.warmupBufferSize(); i++) {
        out.writeDouble(state.warmupBuffer(i));
      }
    }
  }

  private static AlrcSnapshot readPayload(DataInputStream in, short version) throws IOException {
    double n = in.readDouble();
    double beta1 = in.readDouble();
    double beta2 = in.readDouble();
    double gamma1 = in.readDouble();
    double gamma2 = in.readDouble();
    double mu10 = in.readDouble();
    double mu20 = in.readDouble();
    double eps = in.readDouble();
    int limit = in.readInt();
    int warmup = in.readInt();
    boolean hasLower = in.readBoolean();
    double lower = in.readDouble();
    double mu1 = in.readDouble();
    double mu2 = in.readDouble();
    long steps = in.readLong();
    long skipped = in.readLong();
    int consecutive = in.readInt();
    long warmupCount = in.readLong();
    double warmupSum = in.readDouble();
    double warmupSumSq = in.readDouble();
    int autoWarmup = 0;
    double[] buffer = new double[0];
    if (version >= VERSION_AUTO) {
      autoWarmup = in.readInt();
      int size = in.readInt();
      if (size < 0 || size > in.available() / Double.BYTES) {
        throw new IllegalArgumentException(
            "snapshot of '" + KIND + "' is corrupt: warm-up buffer of " + size + " losses");
      }
      buffer = new double[size];
      for (int i = 0; i < size; i++) {
        buffer[i] = in.readDouble();
      }
      if (autoWarmup <= 0) {
        throw new IllegalArgumentException(
            "snapshot of '" + KIND + "' is corrupt: format " + version + " with warmup "
                + autoWarmup);
      }
    }
    AlrcConfig config =
        new AlrcConfig(
            n, beta1, beta2, gamma1, gamma2, mu10, mu20, eps, limit, warmup,
            hasLower ? OptionalDouble.of(lower) : OptionalDouble.empty(), autoWarmup);
    AlrcState state =
        new AlrcState(
            mu1, mu2, steps, skipped, consecutive, warmupCount, warmupSum, warmupSumSq, buffer);
    return new AlrcSnapshot(config, state);
  }
}
