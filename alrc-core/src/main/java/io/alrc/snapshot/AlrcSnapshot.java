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
 * bit-identically: every double is stored as its exact bits.
 *
 * @param config the clipper's configuration
 * @param state the state to continue from
 */
public record AlrcSnapshot(AlrcConfig config, AlrcState state) {
  /** The kind written in the envelope. */
  public static final String KIND = "alrc";

  /** Checks that both parts are present. */
  public AlrcSnapshot {
    if (config == null || state == null) {
      throw new IllegalArgumentException("config and state must not be null");
    }
  }

  /** Encodes configuration and state. */
  public byte[] toBytes() {
    return SnapshotFormat.encode(KIND, this::writePayload);
  }

  /**
   * Decodes a snapshot written by {@link #toBytes()}.
   *
   * @throws IllegalArgumentException if the bytes are not an ALRC snapshot of a supported version,
   *     are truncated, or hold an invalid configuration or state (the message says which)
   */
  public static AlrcSnapshot fromBytes(byte[] bytes) {
    return SnapshotFormat.decode(bytes, KIND, AlrcSnapshot::readPayload);
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
  }

  private static AlrcSnapshot readPayload(DataInputStream in) throws IOException {
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
    AlrcConfig config =
        new AlrcConfig(
            n, beta1, beta2, gamma1, gamma2, mu10, mu20, eps, limit, warmup,
            hasLower ? OptionalDouble.of(lower) : OptionalDouble.empty());
    AlrcState state =
        new AlrcState(
            in.readDouble(),
            in.readDouble(),
            in.readLong(),
            in.readLong(),
            in.readInt(),
            in.readLong(),
            in.readDouble(),
            in.readDouble());
    return new AlrcSnapshot(config, state);
  }
}
