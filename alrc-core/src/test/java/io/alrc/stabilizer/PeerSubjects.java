package io.alrc.stabilizer;

import io.alrc.telemetry.StepTelemetry;
import java.util.List;
import java.util.Random;

/**
 * The stabilizers that do not fit {@link NormStabilizer} (one step on an array of per-tensor norms,
 * a scalar monitor that decides about the optimizer update, per-example losses), seen through one
 * test-side interface so that {@link PeerStabilizerContractTest} and {@link
 * PeerStabilizerPropertiesTest} can check the same contract on all of them.
 */
final class PeerSubjects {
  private PeerSubjects() {}

  /** One step's outcome: the next state, the scales (one per tensor or example) and telemetry. */
  record Outcome<S>(S state, double[] scales, StepTelemetry telemetry) {}

  /** A stabilizer of the core with its state type, and a generator of realistic inputs. */
  interface Subject<S> {
    String kind();

    S init();

    Outcome<S> update(double[] input, S state);

    byte[] snapshot(S state);

    S restore(byte[] bytes);

    /** The same kind with another configuration, to check that restore rejects this one's bytes. */
    Subject<?> other();

    /** One step's finite input: mostly moderate, with occasional spikes and zeros. */
    double[] input(Random random);
  }

  /**
   * All subjects: AdaGC, the skip-step monitor and loss truncation, configured small enough to pass
   * their warm-ups, fill phases and activations within a few dozen steps.
   */
  static List<Subject<?>> all() {
    return List.of(adagc(), skipStep(), lossTruncation());
  }

  static Subject<AdaGC.State> adagc() {
    return new AdaGcSubject(new AdaGC(3, 1.0, 1.05, 0.9, 5));
  }

  static Subject<SpikeSkipper.State> skipStep() {
    return new SkipStepSubject(new SpikeSkipper(8, 2.0));
  }

  static Subject<LossTruncation.State> lossTruncation() {
    return new LossTruncationSubject(new LossTruncation(0.3, 10, 12));
  }

  private static double spiky(Random r) {
    double v = Math.exp(0.3 * r.nextGaussian());
    return r.nextInt(15) == 0 ? 30 * v : v;
  }

  private record AdaGcSubject(AdaGC core) implements Subject<AdaGC.State> {
    @Override
    public String kind() {
      return core.kind();
    }

    @Override
    public AdaGC.State init() {
      return core.init();
    }

    @Override
    public Outcome<AdaGC.State> update(double[] input, AdaGC.State state) {
      AdaGC.Step s = core.update(input, state);
      return new Outcome<>(s.state(), s.scales(), s.telemetry());
    }

    @Override
    public byte[] snapshot(AdaGC.State state) {
      return core.snapshot(state);
    }

    @Override
    public AdaGC.State restore(byte[] bytes) {
      return core.restore(bytes);
    }

    @Override
    public Subject<?> other() {
      return new AdaGcSubject(new AdaGC(3, 1.0, 1.04, 0.9, 5));
    }

    @Override
    public double[] input(Random r) {
      double[] scale = {1, 0.1, 10};
      double[] norms = new double[3];
      for (int i = 0; i < 3; i++) {
        norms[i] = r.nextInt(25) == 0 ? 0 : scale[i] * spiky(r);
      }
      return norms;
    }
  }

  private record SkipStepSubject(SpikeSkipper core) implements Subject<SpikeSkipper.State> {
    @Override
    public String kind() {
      return core.kind();
    }

    @Override
    public SpikeSkipper.State init() {
      return core.init();
    }

    @Override
    public Outcome<SpikeSkipper.State> update(double[] input, SpikeSkipper.State state) {
      SpikeSkipper.Decision d = core.update(input[0], state);
      return new Outcome<>(d.state(), new double[] {d.stepFactor()}, d.telemetry());
    }

    @Override
    public byte[] snapshot(SpikeSkipper.State state) {
      return core.snapshot(state);
    }

    @Override
    public SpikeSkipper.State restore(byte[] bytes) {
      return core.restore(bytes);
    }

    @Override
    public Subject<?> other() {
      return new SkipStepSubject(new SpikeSkipper(8, 3.0));
    }

    @Override
    public double[] input(Random r) {
      return new double[] {spiky(r)};
    }
  }

  private record LossTruncationSubject(LossTruncation core)
      implements Subject<LossTruncation.State> {
    @Override
    public String kind() {
      return core.kind();
    }

    @Override
    public LossTruncation.State init() {
      return core.init();
    }

    @Override
    public Outcome<LossTruncation.State> update(double[] input, LossTruncation.State state) {
      LossTruncation.Step s = core.update(input, state);
      return new Outcome<>(s.state(), s.scales(), s.telemetry());
    }

    @Override
    public byte[] snapshot(LossTruncation.State state) {
      return core.snapshot(state);
    }

    @Override
    public LossTruncation.State restore(byte[] bytes) {
      return core.restore(bytes);
    }

    @Override
    public Subject<?> other() {
      return new LossTruncationSubject(new LossTruncation(0.3, 10, 13));
    }

    @Override
    public double[] input(Random r) {
      double[] losses = new double[1 + r.nextInt(4)];
      for (int i = 0; i < losses.length; i++) {
        losses[i] = r.nextInt(25) == 0 ? 0 : spiky(r);
      }
      return losses;
    }
  }
}
