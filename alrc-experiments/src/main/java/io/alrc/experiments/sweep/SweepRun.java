package io.alrc.experiments.sweep;

import io.alrc.experiments.train.TrainConfig;
import java.util.List;
import java.util.Map;

/**
 * One run of a sweep: its directory name, the options that define it, the arguments of {@code
 * alrc train} that start it (without {@code --out}), and the configuration they give.
 *
 * @param name the run directory's name under the sweep folder, e.g. {@code
 *     loss=quartic,batch=1,n=3,seed=0}: the grid values and the variant of this run, then its seed
 * @param options every option set for this run, by canonical name, as command-line text (fixed,
 *     grid and variant options, the sweep's defaults, and the seed)
 * @param args the arguments after {@code alrc train}, in a fixed order
 * @param config the configuration {@code alrc train} builds from {@code args}
 */
public record SweepRun(String name, Map<String, String> options, List<String> args, TrainConfig config) {
  public SweepRun {
    options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
    args = List.copyOf(args);
  }
}
