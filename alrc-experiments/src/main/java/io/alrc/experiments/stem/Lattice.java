package io.alrc.experiments.stem;

/**
 * The projected crystal structures the synthetic HAADF generator draws: 2D Bravais lattices and
 * a few common bases seen down a zone axis.
 *
 * <p>Each lattice is given in units of its first lattice vector {@code a1 = (1, 0)} (before the
 * random rotation), with a second vector {@code a2} and a basis of columns at fractional offsets.
 * The generator scales it so that the sampled column spacing {@code s} (pixels) becomes {@code
 * |a1| = s * cellFactor}; {@code cellFactor} enlarges the cells of lattices with a basis, so that
 * their closest columns stay resolvable (at least about 0.75 s apart).
 */
public enum Lattice {
  /** Square lattice, one species (e.g. a cubic metal down [001]). */
  SQUARE(1.0),
  /** Rectangular lattice, aspect ratio 1.25 to 1.7, one species. */
  RECTANGULAR(1.0),
  /** Hexagonal (triangular) lattice, one species (e.g. a close-packed metal down [111]). */
  HEXAGONAL(1.0),
  /** Centred rectangular lattice, aspect ratio 1.25 to 1.55, one species. */
  CENTRED_RECTANGULAR(1.15),
  /**
   * Dumbbells of two species (like a zinc-blende crystal down [110]): a centred rectangular cell
   * with aspect ratio sqrt(2), each site a pair of columns 0.35 |a1| apart.
   */
  DUMBBELL(2.2),
  /**
   * Perovskite ABO3 down [001]: heavy A columns at the corners, B(+O) columns at the centres,
   * faint O columns on the edges.
   */
  PEROVSKITE(1.6),
  /** Honeycomb with a two-species basis (like hexagonal BN or a MoS2 monolayer down [001]). */
  HONEYCOMB(1.6);

  private final double cellFactor;

  Lattice(double cellFactor) {
    this.cellFactor = cellFactor;
  }

  /** {@code |a1| / s}: how much larger than the sampled column spacing the cell is. */
  public double cellFactor() {
    return cellFactor;
  }
}
