package io.alrc.experiments.stem;

import java.util.Locale;

/**
 * What {@link HaadfGenerator} drew for one image: the specimen, the defects, the microscope and
 * the scan. For captions, statistics and tests; the pixels do not depend on it being read.
 *
 * @param lattice the structure of the (first) grain
 * @param angle its in-plane orientation, radians in [0, 2 pi)
 * @param spacing column spacing {@code s} in pixels (see {@link Lattice})
 * @param zMain atomic number of the main (brightest regular) species
 * @param zSecond atomic number of the second species, 0 for one-species lattices
 * @param columnSigma standard deviation in pixels of a column's Gaussian spot, before the probe
 *     blur
 * @param probeSigma standard deviation in pixels of the Gaussian probe blur
 * @param grainBoundary whether a second grain is present
 * @param secondGrainAngle the second grain's orientation in radians; NaN without one
 * @param amorphous whether an amorphous patch is present
 * @param vacuum whether part of the field of view is vacuum beyond the specimen edge
 * @param vacancyFraction the chance that a lattice column is missing
 * @param substitutionFraction the chance that a lattice column holds a heavier substitute
 * @param dose mean detected electrons per pixel
 * @param detectorNoise standard deviation of the Gaussian detector noise, in electrons
 * @param lineJitter standard deviation in pixels of the per-line horizontal jitter
 * @param shear horizontal drift, pixels of shift per scan line
 * @param stretch vertical drift, relative change of the row spacing
 * @param columns the number of lattice columns rendered (amorphous atoms not included)
 */
public record HaadfScene(
    Lattice lattice,
    double angle,
    double spacing,
    int zMain,
    int zSecond,
    double columnSigma,
    double probeSigma,
    boolean grainBoundary,
    double secondGrainAngle,
    boolean amorphous,
    boolean vacuum,
    double vacancyFraction,
    double substitutionFraction,
    double dose,
    double detectorNoise,
    double lineJitter,
    double shear,
    double stretch,
    int columns) {

  /** A one-line summary, e.g. {@code "HEXAGONAL Z=79 s=6.2px dose=120 +GB +vacuum"}. */
  public String caption() {
    StringBuilder sb = new StringBuilder();
    sb.append(lattice).append(" Z=").append(zMain);
    if (zSecond > 0) {
      sb.append('/').append(zSecond);
    }
    sb.append(String.format(Locale.ROOT, " s=%.1fpx dose=%.0f", spacing, dose));
    if (grainBoundary) {
      sb.append(" +GB");
    }
    if (amorphous) {
      sb.append(" +amorphous");
    }
    if (vacuum) {
      sb.append(" +vacuum");
    }
    return sb.toString();
  }
}
