package io.alrc.experiments.stem;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The ranges from which {@link HaadfGenerator} draws each synthetic HAADF STEM image: every
 * parameter of a scene is drawn uniformly from its range (the dose log-uniformly), from the image's
 * seed. Validated at construction; {@link #defaults(int)} gives the project's embedded dataset.
 *
 * @param size width and height of the image in pixels, in [16, 4096]
 * @param lattices the structures to draw from, uniformly; not empty
 * @param minSpacing smallest column spacing {@code s} in pixels (see {@link Lattice}), &gt;= 3
 * @param maxSpacing largest column spacing in pixels, &gt;= {@code minSpacing}
 * @param minZ smallest atomic number of the main species, in [1, 103]
 * @param maxZ largest atomic number, in [{@code minZ}, 103]
 * @param zExponent column intensity is proportional to {@code Z^zExponent}; in [1, 2] (about 1.7
 *     for high-angle annular dark-field detectors)
 * @param maxVacancyFraction the fraction of missing columns is drawn from [0, this]; in [0, 0.5]
 * @param maxSubstitutionFraction the fraction of columns with a heavier substitute is drawn from
 *     [0, this]; in [0, 0.5]
 * @param grainBoundaryProbability chance of a second grain with another orientation, split from
 *     the first by a curved boundary; in [0, 1]
 * @param amorphousProbability chance of an amorphous patch (random atom positions); in [0, 1]
 * @param vacuumProbability chance of vacuum beyond a curved specimen edge; in [0, 1]
 * @param minProbeSigma smallest standard deviation in pixels of the Gaussian probe blur, &gt;= 0
 * @param maxProbeSigma largest probe blur in pixels, in [{@code minProbeSigma}, 5]
 * @param minDose smallest dose: mean detected electrons per pixel, &gt; 0
 * @param maxDose largest dose, &gt;= {@code minDose}
 * @param maxDetectorNoise the Gaussian detector noise's standard deviation, in detected electrons,
 *     is drawn from [0, this]; &gt;= 0
 * @param maxLineJitter the standard deviation in pixels of the per-scan-line horizontal jitter is
 *     drawn from [0, this]; in [0, 3]
 * @param maxDrift slow drift: the horizontal shear (pixels of shift per row) and the vertical
 *     stretch are each drawn from [-this, this]; in [0, 0.2]
 */
public record HaadfConfig(
    int size,
    Set<Lattice> lattices,
    double minSpacing,
    double maxSpacing,
    int minZ,
    int maxZ,
    double zExponent,
    double maxVacancyFraction,
    double maxSubstitutionFraction,
    double grainBoundaryProbability,
    double amorphousProbability,
    double vacuumProbability,
    double minProbeSigma,
    double maxProbeSigma,
    double minDose,
    double maxDose,
    double maxDetectorNoise,
    double maxLineJitter,
    double maxDrift) {

  /** Validates every field; see the record's parameters for the rules. */
  public HaadfConfig {
    check(size >= 16 && size <= 4096, "size", size, "must be in [16, 4096]");
    if (lattices == null || lattices.isEmpty()) {
      throw new IllegalArgumentException("lattices (" + lattices + ") must not be empty");
    }
    lattices = Collections.unmodifiableSet(EnumSet.copyOf(lattices));
    check(minSpacing >= 3, "minSpacing", minSpacing, "must be >= 3 pixels");
    check(maxSpacing >= minSpacing && Double.isFinite(maxSpacing), "maxSpacing", maxSpacing,
        "must be finite and >= minSpacing (" + format(minSpacing) + ")");
    check(minZ >= 1 && minZ <= 103, "minZ", minZ, "must be in [1, 103]");
    check(maxZ >= minZ && maxZ <= 103, "maxZ", maxZ, "must be in [minZ (" + format(minZ) + "), 103]");
    check(zExponent >= 1 && zExponent <= 2, "zExponent", zExponent, "must be in [1, 2]");
    check(maxVacancyFraction >= 0 && maxVacancyFraction <= 0.5, "maxVacancyFraction",
        maxVacancyFraction, "must be in [0, 0.5]");
    check(maxSubstitutionFraction >= 0 && maxSubstitutionFraction <= 0.5, "maxSubstitutionFraction",
        maxSubstitutionFraction, "must be in [0, 0.5]");
    checkProbability("grainBoundaryProbability", grainBoundaryProbability);
    checkProbability("amorphousProbability", amorphousProbability);
    checkProbability("vacuumProbability", vacuumProbability);
    check(minProbeSigma >= 0, "minProbeSigma", minProbeSigma, "must be >= 0");
    check(maxProbeSigma >= minProbeSigma && maxProbeSigma <= 5, "maxProbeSigma", maxProbeSigma,
        "must be in [minProbeSigma (" + format(minProbeSigma) + "), 5]");
    check(minDose > 0 && Double.isFinite(minDose), "minDose", minDose, "must be finite and > 0");
    check(maxDose >= minDose && Double.isFinite(maxDose), "maxDose", maxDose,
        "must be finite and >= minDose (" + format(minDose) + ")");
    check(maxDetectorNoise >= 0 && Double.isFinite(maxDetectorNoise), "maxDetectorNoise",
        maxDetectorNoise, "must be finite and >= 0");
    check(maxLineJitter >= 0 && maxLineJitter <= 3, "maxLineJitter", maxLineJitter,
        "must be in [0, 3]");
    check(maxDrift >= 0 && maxDrift <= 0.2, "maxDrift", maxDrift, "must be in [0, 0.2]");
  }

  /**
   * The embedded dataset's ranges: every lattice, spacing 4.5 to 12 pixels, Z 14 (Si) to 83 (Bi)
   * with intensity {@code Z^1.7}, up to 4% vacancies and 3% substitutions, each of grain boundary,
   * amorphous patch and vacuum with probability 0.3, probe blur 0.3 to 1.0 pixels, dose 8 to 800
   * electrons per pixel (log-uniform), detector noise up to 2 electrons, line jitter up to 0.4
   * pixels, drift up to 0.03.
   *
   * @param size image width and height in pixels
   * @return the configuration
   */
  public static HaadfConfig defaults(int size) {
    return new HaadfConfig(
        size, EnumSet.allOf(Lattice.class), 4.5, 12, 14, 83, 1.7, 0.04, 0.03, 0.3, 0.3, 0.3,
        0.3, 1.0, 8, 800, 2, 0.4, 0.03);
  }

  /** This configuration at another image size. */
  public HaadfConfig withSize(int newSize) {
    return new HaadfConfig(
        newSize, lattices, minSpacing, maxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundaryProbability, amorphousProbability, vacuumProbability,
        minProbeSigma, maxProbeSigma, minDose, maxDose, maxDetectorNoise, maxLineJitter, maxDrift);
  }

  /** This configuration drawing only from the given lattices. */
  public HaadfConfig withLattices(Set<Lattice> newLattices) {
    return new HaadfConfig(
        size, newLattices, minSpacing, maxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundaryProbability, amorphousProbability, vacuumProbability,
        minProbeSigma, maxProbeSigma, minDose, maxDose, maxDetectorNoise, maxLineJitter, maxDrift);
  }

  /** This configuration with other probabilities of a grain boundary, amorphous patch and vacuum. */
  public HaadfConfig withRegionProbabilities(double grainBoundary, double amorphous, double vacuum) {
    return new HaadfConfig(
        size, lattices, minSpacing, maxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundary, amorphous, vacuum, minProbeSigma, maxProbeSigma,
        minDose, maxDose, maxDetectorNoise, maxLineJitter, maxDrift);
  }

  /** This configuration with another dose range (mean detected electrons per pixel). */
  public HaadfConfig withDose(double newMinDose, double newMaxDose) {
    return new HaadfConfig(
        size, lattices, minSpacing, maxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundaryProbability, amorphousProbability, vacuumProbability,
        minProbeSigma, maxProbeSigma, newMinDose, newMaxDose, maxDetectorNoise, maxLineJitter,
        maxDrift);
  }

  /** This configuration with other column spacings in pixels. */
  public HaadfConfig withSpacing(double newMinSpacing, double newMaxSpacing) {
    return new HaadfConfig(
        size, lattices, newMinSpacing, newMaxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundaryProbability, amorphousProbability, vacuumProbability,
        minProbeSigma, maxProbeSigma, minDose, maxDose, maxDetectorNoise, maxLineJitter, maxDrift);
  }

  /** This configuration without scan distortions (no line jitter, no drift). */
  public HaadfConfig withoutScanDistortion() {
    return new HaadfConfig(
        size, lattices, minSpacing, maxSpacing, minZ, maxZ, zExponent, maxVacancyFraction,
        maxSubstitutionFraction, grainBoundaryProbability, amorphousProbability, vacuumProbability,
        minProbeSigma, maxProbeSigma, minDose, maxDose, maxDetectorNoise, 0, 0);
  }

  private static void check(boolean ok, String name, double value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(name + " (" + format(value) + ") " + rule);
    }
  }

  private static void checkProbability(String name, double value) {
    check(value >= 0 && value <= 1, name, value, "must be in [0, 1]");
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
  }
}
