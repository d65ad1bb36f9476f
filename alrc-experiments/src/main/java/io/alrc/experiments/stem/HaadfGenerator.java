package io.alrc.experiments.stem;

import java.util.Arrays;

/**
 * Synthetic high-angle annular dark-field (HAADF) STEM images: the project's embedded default
 * dataset, drawn from a {@link HaadfConfig} and a seed, nothing to download.
 *
 * <h2>Model</h2>
 *
 * <ol>
 *   <li><b>Specimen.</b> A projected crystal ({@link Lattice}) at a random orientation, spacing and
 *       origin; each atomic column is a Gaussian spot of amplitude {@code (Z / Zmax)^1.7} times
 *       the local thickness, with 5% amplitude scatter and 2% position scatter. Defects: missing
 *       columns (vacancies), heavier substitutes; optionally a second grain at another orientation
 *       beyond a curved boundary (columns crowding the boundary are thinned), an amorphous patch
 *       (a wobbly blob whose columns are replaced by atoms at random positions) and vacuum beyond a
 *       curved specimen edge, which half the time carries an amorphous rim. The thickness
 *       varies across the field (a linear wedge times a smooth random field) and scales the columns
 *       and a diffuse background under the specimen.
 *   <li><b>Probe.</b> The specimen is convolved with a Gaussian probe (separable blur).
 *   <li><b>Scan.</b> Each scan line is read with a horizontal offset: correlated random jitter
 *       (AR(1)) plus a sinusoid (mains pick-up), plus slow drift: a shear (offset growing with the
 *       line number) and a stretch of the line spacing. Read-out is bilinear.
 *   <li><b>Detection.</b> The image is scaled so that its mean is the dose (detected electrons per
 *       pixel), as the authors' noise model did, then each pixel is drawn from a Poisson
 *       distribution (see {@code Rng.poisson}: exact below a mean of 32, normal approximation
 *       above) and Gaussian detector noise is added.
 *   <li><b>Normalisation.</b> Min-max to [-1, 1] ({@link Normalisation}), the authors'
 *       normalisation of every STEM crop: the darkest pixel is -1, the brightest +1.
 * </ol>
 *
 * <h2>Determinism</h2>
 *
 * A seed fully determines an image: all randomness comes from one {@link
 * java.util.SplittableRandom} (a specified algorithm) in a fixed order, all transcendental
 * functions are {@link StrictMath}'s (fdlibm, bit-identical everywhere), and Java 17 arithmetic is
 * strict IEEE 754. So the same configuration and seed give the same pixels, bit for bit, on any
 * machine and JVM. Images of a stream use {@link #seed(long, long)}.
 *
 * <h2>Speed</h2>
 *
 * Spots are rendered only in a window of +-3.5 sigma around each column, from a Gaussian profile
 * tabulated once per image (64 samples per pixel, nearest lookup, error below 1%); blur is
 * separable; noise costs a few random numbers per pixel. See {@link HaadfThroughput} for measured
 * rates (about 2,000 images of 96 x 96 per second on one thread).
 *
 * <p>Immutable and thread-safe: each call works on its own arrays.
 */
public final class HaadfGenerator {
  private static final double TWO_PI = 2 * StrictMath.PI;
  private static final int PROFILE_SAMPLES_PER_PIXEL = 64;
  private static final double WINDOW_SIGMAS = 3.5;

  private final HaadfConfig config;
  private final Lattice[] lattices;

  /**
   * Creates a generator.
   *
   * @param config the ranges to draw from
   */
  public HaadfGenerator(HaadfConfig config) {
    this.config = config;
    this.lattices = config.lattices().toArray(new Lattice[0]); // EnumSet order: deterministic
  }

  /** The configuration. */
  public HaadfConfig config() {
    return config;
  }

  /** The image size in pixels (width = height). */
  public int size() {
    return config.size();
  }

  /**
   * The seed of image {@code index} in the stream {@code streamSeed}: a 64-bit mix, so that
   * neighbouring indices and streams give unrelated images.
   */
  public static long seed(long streamSeed, long index) {
    return Rng.mix(streamSeed, index);
  }

  /**
   * Generates one image.
   *
   * @param seed the image's seed
   * @return {@code size * size} row-major pixels in [-1, 1] (min -1, max +1), never NaN
   */
  public float[] generate(long seed) {
    return sample(seed).pixels();
  }

  /**
   * Generates one image with the description of what was drawn.
   *
   * @param seed the image's seed
   * @return the scene and its pixels (the array belongs to the caller)
   */
  public HaadfSample sample(long seed) {
    Rng rng = new Rng(seed);
    int n = config.size();

    // ---- the specimen's parameters --------------------------------------------------------
    Lattice lattice = lattices[rng.nextInt(lattices.length)];
    double spacing = rng.uniform(config.minSpacing(), config.maxSpacing());
    double angle = rng.uniform(0, TWO_PI);
    Structure structure = Structure.draw(lattice, rng, config.minZ(), config.maxZ());
    double exponent = config.zExponent();
    double zRef = StrictMath.pow(structure.maxZ(), exponent);
    double columnSigma = Math.max(0.5, rng.uniform(0.09, 0.18) * spacing);
    double probeSigma = rng.uniform(config.minProbeSigma(), config.maxProbeSigma());
    double vacancy = rng.uniform(0, config.maxVacancyFraction());
    double substitution = rng.uniform(0, config.maxSubstitutionFraction());
    Thickness thickness = Thickness.draw(rng, n);

    boolean grainBoundary = rng.chance(config.grainBoundaryProbability());
    double secondAngle = Double.NaN;
    Curve boundary = null;
    if (grainBoundary) {
      double turn = rng.uniform(StrictMath.toRadians(8), StrictMath.toRadians(45));
      secondAngle = floorMod(angle + (rng.chance(0.5) ? turn : -turn), TWO_PI);
      boundary = Curve.draw(rng, n, 0, 0.2, 0.5);
    }
    boolean vacuum = rng.chance(config.vacuumProbability());
    Curve edge = vacuum ? Curve.draw(rng, n, 0.12, 0.42, 0.8) : null;
    // Half of the specimen edges carry an amorphous rim (surface damage, contamination).
    double rim = vacuum && rng.chance(0.5) ? rng.uniform(0.5, 2.0) * spacing : 0;
    boolean amorphous = rng.chance(config.amorphousProbability());
    Blob blob = amorphous ? Blob.draw(rng, n) : null;

    // ---- the microscope and the scan ------------------------------------------------------
    double dose = rng.logUniform(config.minDose(), config.maxDose());
    double detectorNoise = rng.uniform(0, config.maxDetectorNoise());
    double jitter = rng.uniform(0, config.maxLineJitter());
    double jitterCorrelation = rng.uniform(0, 0.9);
    double mainsAmplitude = rng.uniform(0, config.maxLineJitter());
    double mainsPeriod = rng.uniform(6, 40);
    double mainsPhase = rng.uniform(0, TWO_PI);
    double shear = rng.uniform(-config.maxDrift(), config.maxDrift());
    double stretch = rng.uniform(-config.maxDrift(), config.maxDrift());

    // ---- canvas: the image plus a margin for blur and scan offsets ------------------------
    int blurRadius = probeSigma > 0.05 ? (int) Math.ceil(3 * probeSigma) : 0;
    double maxOffset =
        Math.max(5 * jitter + mainsAmplitude + Math.abs(shear) * n / 2, Math.abs(stretch) * n / 2);
    int pad = (int) Math.ceil(maxOffset) + blurRadius + 2;
    int side = n + 2 * pad;
    float[] canvas = new float[side * side];

    // Diffuse background under the specimen (image coordinates = canvas - pad).
    for (int cy = 0; cy < side; cy++) {
      double y = cy - pad;
      for (int cx = 0; cx < side; cx++) {
        double x = cx - pad;
        if (edge == null || edge.value(x, y) <= 0) {
          canvas[cy * side + cx] = (float) thickness.background(x, y);
        }
      }
    }

    // Lattice columns of one or two grains.
    Columns columns = new Columns();
    double reach = pad + WINDOW_SIGMAS * columnSigma + 1;
    double a = spacing * lattice.cellFactor();
    int grains = grainBoundary ? 2 : 1;
    int[] firstOfGrain = new int[grains + 1];
    for (int g = 0; g < grains; g++) {
      firstOfGrain[g] = columns.count;
      double theta = g == 0 ? angle : secondAngle;
      double ox = rng.uniform(0, a);
      double oy = rng.uniform(0, a);
      addGrain(columns, rng, structure, a, theta, ox, oy, n, reach, g, boundary, edge, rim, blob,
          vacancy, substitution, spacing, zRef, exponent, thickness);
    }
    firstOfGrain[grains] = columns.count;
    if (grainBoundary) {
      thinBoundary(columns, firstOfGrain[1], boundary, spacing * 0.75);
    }
    int latticeColumns = columns.live();
    renderSpots(canvas, side, pad, columns, columnSigma);

    // Amorphous atoms at random positions: inside the blob and in the rim along the edge.
    if (blob != null || rim > 0) {
      Columns atoms = new Columns();
      double density = rng.uniform(1.2, 2.0) / (spacing * spacing);
      double atomScale = rng.uniform(0.3, 0.7);
      if (blob != null) {
        int count = (int) (density * blob.boxArea());
        for (int i = 0; i < count; i++) {
          double x = rng.uniform(blob.minX, blob.maxX);
          double y = rng.uniform(blob.minY, blob.maxY);
          double amp = atomScale * rng.uniform(0.4, 1.2);
          if (blob.contains(x, y) && (edge == null || edge.value(x, y) <= -rim)) {
            atoms.add(x, y, (float) (amp * thickness.factor(x, y)));
          }
        }
      }
      if (rim > 0) {
        double half = reach + n;
        int count = (int) (density * rim * 2 * half);
        for (int i = 0; i < count; i++) {
          double along = rng.uniform(-half, half);
          double depth = rng.uniform(0, rim);
          double amp = atomScale * rng.uniform(0.4, 1.2);
          double x = edge.x(along, depth);
          double y = edge.y(along, depth);
          if (x > -reach && x < n + reach && y > -reach && y < n + reach) {
            atoms.add(x, y, (float) (amp * thickness.factor(x, y)));
          }
        }
      }
      renderSpots(canvas, side, pad, atoms, columnSigma * rng.uniform(1.0, 1.5));
    }

    // Probe blur, then the scan.
    if (blurRadius > 0) {
      gaussianBlur(canvas, side, probeSigma, blurRadius);
    }
    double[] lineOffset = new double[n];
    double previous = 0;
    double innovation = StrictMath.sqrt(1 - jitterCorrelation * jitterCorrelation);
    for (int j = 0; j < n; j++) {
      previous = jitterCorrelation * previous + innovation * jitter * rng.gaussian();
      lineOffset[j] =
          previous
              + mainsAmplitude * StrictMath.sin(TWO_PI * j / mainsPeriod + mainsPhase)
              + shear * (j - n / 2.0);
    }
    float[] image = new float[n * n];
    double sum = 0;
    double lowest = blurRadius;
    double highest = side - 1 - blurRadius - 1e-3;
    for (int j = 0; j < n; j++) {
      // Read-out stays inside the blurred interior even for a rare jitter beyond 5 sigma.
      double sy = clamp(pad + n / 2.0 + (j - n / 2.0) * (1 + stretch), lowest, highest);
      int y0 = (int) sy;
      double ty = sy - y0;
      int row0 = y0 * side;
      int row1 = row0 + side;
      for (int i = 0; i < n; i++) {
        double sx = clamp(pad + i + lineOffset[j], lowest, highest);
        int x0 = (int) sx;
        double tx = sx - x0;
        double top = canvas[row0 + x0] + tx * (canvas[row0 + x0 + 1] - canvas[row0 + x0]);
        double bottom = canvas[row1 + x0] + tx * (canvas[row1 + x0 + 1] - canvas[row1 + x0]);
        float v = (float) (top + ty * (bottom - top));
        image[j * n + i] = v;
        sum += v;
      }
    }

    // Detection: scale to the dose, shot noise, detector noise.
    double mean = sum / image.length;
    double toCounts = mean > 0 ? dose / mean : 0;
    for (int i = 0; i < image.length; i++) {
      double counts = rng.poisson(Math.max(0, image[i]) * toCounts);
      if (detectorNoise > 0) {
        counts += detectorNoise * rng.gaussian();
      }
      image[i] = (float) counts;
    }
    Normalisation.toSymmetricUnitRange(image);

    HaadfScene scene =
        new HaadfScene(
            lattice, angle, spacing, structure.zMain, structure.zSecond, columnSigma, probeSigma,
            grainBoundary, secondAngle, amorphous, vacuum, vacancy, substitution, dose,
            detectorNoise, jitter, shear, stretch, latticeColumns);
    return new HaadfSample(scene, image);
  }

  // ---- the specimen ---------------------------------------------------------------------

  private static void addGrain(
      Columns out, Rng rng, Structure s, double a, double theta, double ox, double oy, int n,
      double reach, int grain, Curve boundary, Curve edge, double rim, Blob blob, double vacancy,
      double substitution, double spacing, double zRef, double exponent, Thickness thickness) {
    double cos = StrictMath.cos(theta);
    double sin = StrictMath.sin(theta);
    // Lattice vectors in pixels, rotated.
    double a1x = a * cos;
    double a1y = a * sin;
    double a2x = a * (s.a2x * cos - s.a2y * sin);
    double a2y = a * (s.a2x * sin + s.a2y * cos);
    // Index range covering [-reach, n + reach]^2: invert the lattice matrix at the corners.
    double det = a1x * a2y - a1y * a2x;
    double minI = Double.POSITIVE_INFINITY;
    double maxI = Double.NEGATIVE_INFINITY;
    double minJ = Double.POSITIVE_INFINITY;
    double maxJ = Double.NEGATIVE_INFINITY;
    double lo = -reach;
    double hi = n + reach;
    for (int c = 0; c < 4; c++) {
      double px = ((c & 1) == 0 ? lo : hi) - ox;
      double py = ((c & 2) == 0 ? lo : hi) - oy;
      double i = (px * a2y - py * a2x) / det;
      double j = (a1x * py - a1y * px) / det;
      minI = Math.min(minI, i);
      maxI = Math.max(maxI, i);
      minJ = Math.min(minJ, j);
      maxJ = Math.max(maxJ, j);
    }
    double positionScatter = 0.02 * spacing;
    double[] basisAmp = new double[s.basisZ.length];
    for (int b = 0; b < basisAmp.length; b++) {
      basisAmp[b] = StrictMath.pow(s.basisZ[b], exponent) / zRef;
    }
    for (int j = (int) Math.floor(minJ) - 1; j <= (int) Math.ceil(maxJ) + 1; j++) {
      for (int i = (int) Math.floor(minI) - 1; i <= (int) Math.ceil(maxI) + 1; i++) {
        double bx = ox + i * a1x + j * a2x;
        double by = oy + i * a1y + j * a2y;
        for (int b = 0; b < s.basisX.length; b++) {
          double fx = s.basisX[b];
          double fy = s.basisY[b];
          double x = bx + a * (fx * cos - fy * sin);
          double y = by + a * (fx * sin + fy * cos);
          if (x < lo || x > hi || y < lo || y > hi) {
            continue;
          }
          if (edge != null && edge.value(x, y) > -rim) {
            continue;
          }
          if (boundary != null && (boundary.value(x, y) > 0) != (grain == 1)) {
            continue;
          }
          if (blob != null && blob.contains(x, y)) {
            continue;
          }
          if (rng.chance(vacancy)) {
            continue;
          }
          double amp = basisAmp[b];
          if (rng.chance(substitution)) {
            int z = Math.min(103, s.basisZ[b] + 5 + rng.nextInt(16));
            amp = StrictMath.pow(z, exponent) / zRef;
          }
          amp *= 1 + 0.05 * rng.gaussian();
          x += positionScatter * rng.gaussian();
          y += positionScatter * rng.gaussian();
          out.add(x, y, (float) (Math.max(0, amp) * thickness.factor(x, y)));
        }
      }
    }
  }

  /**
   * Removes columns of the second grain that crowd a column of the first across the boundary
   * (closer than {@code minDistance}); both grains keep their own side, so only columns within
   * {@code minDistance} of the boundary are compared.
   */
  private static void thinBoundary(Columns c, int firstOfSecond, Curve boundary, double minDistance) {
    int[] near1 = new int[c.count];
    int[] near2 = new int[c.count];
    int m1 = 0;
    int m2 = 0;
    for (int k = 0; k < c.count; k++) {
      if (Math.abs(boundary.value(c.x[k], c.y[k])) < minDistance) {
        if (k < firstOfSecond) {
          near1[m1++] = k;
        } else {
          near2[m2++] = k;
        }
      }
    }
    double d2 = minDistance * minDistance;
    for (int q = 0; q < m2; q++) {
      int k2 = near2[q];
      for (int p = 0; p < m1; p++) {
        int k1 = near1[p];
        double dx = c.x[k1] - c.x[k2];
        double dy = c.y[k1] - c.y[k2];
        if (dx * dx + dy * dy < d2) {
          c.amp[k2] = 0; // removed
          break;
        }
      }
    }
  }

  /** Adds each column's Gaussian spot, only inside its +-3.5 sigma window. */
  private static void renderSpots(float[] canvas, int side, int pad, Columns c, double sigma) {
    int window = (int) Math.ceil(WINDOW_SIGMAS * sigma);
    // profile[q] = exp(-d^2 / (2 sigma^2)) at d = q / 64 pixels.
    int q = PROFILE_SAMPLES_PER_PIXEL;
    float[] profile = new float[(window + 2) * q + 1];
    // exp(-(i h)^2 / (2 sigma^2)) by recurrence: the ratio of neighbours is exp(-(2i + 1) h^2 /
    // (2 sigma^2)), which itself shrinks by exp(-h^2 / sigma^2) per step. Two exp calls instead of
    // hundreds; the accumulated rounding (a few hundred ulps) is far below float precision.
    double h2 = 1.0 / ((double) q * q * sigma * sigma);
    double value = 1;
    double ratio = StrictMath.exp(-0.5 * h2);
    double shrink = StrictMath.exp(-h2);
    for (int i = 0; i < profile.length; i++) {
      profile[i] = (float) value;
      value *= ratio;
      ratio *= shrink;
    }
    float[] gx = new float[2 * window + 2];
    for (int k = 0; k < c.count; k++) {
      float amp = c.amp[k];
      if (amp <= 0) {
        continue;
      }
      double x = c.x[k] + pad;
      double y = c.y[k] + pad;
      int cx = (int) Math.floor(x);
      int cy = (int) Math.floor(y);
      int x0 = Math.max(0, cx - window);
      int x1 = Math.min(side - 1, cx + window + 1);
      int y0 = Math.max(0, cy - window);
      int y1 = Math.min(side - 1, cy + window + 1);
      if (x0 > x1 || y0 > y1) {
        continue;
      }
      for (int ix = x0; ix <= x1; ix++) {
        gx[ix - x0] = profile[(int) (Math.abs(ix - x) * q + 0.5)];
      }
      for (int iy = y0; iy <= y1; iy++) {
        float gy = amp * profile[(int) (Math.abs(iy - y) * q + 0.5)];
        int row = iy * side;
        for (int ix = x0; ix <= x1; ix++) {
          canvas[row + ix] += gy * gx[ix - x0];
        }
      }
    }
  }

  /**
   * Separable Gaussian blur in place of the interior {@code [radius, side - radius)^2}; the
   * border of width {@code radius} is left as it was (the canvas margin is wider, and the scan
   * read-out never reaches it). No clamping in the loops, which keeps them vectorisable.
   */
  static void gaussianBlur(float[] img, int side, double sigma, int radius) {
    float[] kernel = new float[2 * radius + 1];
    double total = 0;
    for (int i = -radius; i <= radius; i++) {
      double w = StrictMath.exp(-i * i / (2 * sigma * sigma));
      kernel[i + radius] = (float) w;
      total += w;
    }
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = (float) (kernel[i] / total);
    }
    int from = radius;
    int to = side - radius;
    float[] tmp = new float[img.length];
    for (int y = 0; y < side; y++) {
      int row = y * side;
      for (int k = 0; k < kernel.length; k++) {
        float w = kernel[k];
        int shift = row + k - radius;
        for (int x = from; x < to; x++) {
          tmp[row + x] += w * img[shift + x];
        }
      }
    }
    for (int y = from; y < to; y++) {
      int row = y * side;
      for (int x = from; x < to; x++) {
        img[row + x] = 0;
      }
      for (int k = 0; k < kernel.length; k++) {
        float w = kernel[k];
        int src = (y + k - radius) * side;
        for (int x = from; x < to; x++) {
          img[row + x] += w * tmp[src + x];
        }
      }
    }
  }

  private static double clamp(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }

  private static double floorMod(double v, double m) {
    double r = v % m;
    return r < 0 ? r + m : r;
  }

  // ---- small value types ------------------------------------------------------------------

  /** Column positions (image coordinates) and amplitudes; amplitude 0 marks a removed column. */
  private static final class Columns {
    double[] x = new double[256];
    double[] y = new double[256];
    float[] amp = new float[256];
    int count;

    void add(double px, double py, float a) {
      if (count == x.length) {
        x = Arrays.copyOf(x, count * 2);
        y = Arrays.copyOf(y, count * 2);
        amp = Arrays.copyOf(amp, count * 2);
      }
      x[count] = px;
      y[count] = py;
      amp[count] = a;
      count++;
    }

    int live() {
      int live = 0;
      for (int k = 0; k < count; k++) {
        live += amp[k] > 0 ? 1 : 0;
      }
      return live;
    }
  }

  /** One drawn structure: the second lattice vector, the basis and its species. */
  private static final class Structure {
    final double a2x;
    final double a2y;
    final double[] basisX;
    final double[] basisY;
    final int[] basisZ;
    final int zMain;
    final int zSecond;

    private Structure(double a2x, double a2y, double[] bx, double[] by, int[] bz, int zMain, int zSecond) {
      this.a2x = a2x;
      this.a2y = a2y;
      this.basisX = bx;
      this.basisY = by;
      this.basisZ = bz;
      this.zMain = zMain;
      this.zSecond = zSecond;
    }

    int maxZ() {
      int max = 0;
      for (int z : basisZ) {
        max = Math.max(max, z);
      }
      return Math.max(max, zMain);
    }

    static Structure draw(Lattice lattice, Rng rng, int minZ, int maxZ) {
      int z = rng.intBetween(minZ, maxZ);
      double r3 = StrictMath.sqrt(3);
      double r2 = StrictMath.sqrt(2);
      switch (lattice) {
        case SQUARE:
          return one(0, 1, z);
        case RECTANGULAR:
          return one(0, rng.uniform(1.25, 1.7), z);
        case HEXAGONAL:
          return one(0.5, r3 / 2, z);
        case CENTRED_RECTANGULAR: {
          double h = rng.uniform(1.25, 1.55);
          return new Structure(0, h, new double[] {0, 0.5}, new double[] {0, h / 2},
              new int[] {z, z}, z, 0);
        }
        case DUMBBELL: {
          int z2 = rng.intBetween(Math.max(1, Math.min(minZ, z) - 8), z);
          double d = 0.35 / 2;
          return new Structure(0, r2,
              new double[] {0, 0, 0.5, 0.5},
              new double[] {-d, d, r2 / 2 - d, r2 / 2 + d},
              new int[] {z, z2, z, z2}, z, z2);
        }
        case PEROVSKITE: {
          int za = rng.intBetween(Math.max(minZ, Math.min(38, maxZ)), maxZ);
          int zb = rng.intBetween(Math.min(20, za), Math.min(42, za));
          return new Structure(0, 1,
              new double[] {0, 0.5, 0.5, 0},
              new double[] {0, 0.5, 0, 0.5},
              new int[] {za, zb, 8, 8}, za, zb);
        }
        case HONEYCOMB: {
          int z2 = rng.intBetween(Math.max(1, Math.min(minZ, z) - 8), z);
          return new Structure(0.5, r3 / 2,
              new double[] {0, 0.5}, new double[] {0, r3 / 6}, new int[] {z, z2}, z, z2);
        }
        default:
          throw new IllegalStateException("unknown lattice " + lattice);
      }
    }

    private static Structure one(double a2x, double a2y, int z) {
      return new Structure(a2x, a2y, new double[] {0}, new double[] {0}, new int[] {z}, z, 0);
    }
  }

  /**
   * Thickness and composition: a wedge (linear across the field) times a smooth random field
   * (bilinear between 5 x 5 random nodes), and the diffuse background they carry.
   */
  private static final class Thickness {
    private static final int CELLS = 4;
    final double n;
    final double gradient;
    final double ux;
    final double uy;
    final double background;
    final double[] nodes = new double[(CELLS + 1) * (CELLS + 1)];

    private Thickness(Rng rng, int n) {
      this.n = n;
      this.gradient = rng.uniform(-0.6, 0.6);
      double direction = rng.uniform(0, TWO_PI);
      this.ux = StrictMath.cos(direction);
      this.uy = StrictMath.sin(direction);
      this.background = rng.uniform(0.02, 0.12);
      double roughness = rng.uniform(0, 0.2);
      for (int i = 0; i < nodes.length; i++) {
        nodes[i] = clamp(1 + roughness * rng.gaussian(), 0.5, 1.5);
      }
    }

    static Thickness draw(Rng rng, int n) {
      return new Thickness(rng, n);
    }

    double factor(double x, double y) {
      double t = 1 + gradient * (ux * (x - n / 2) + uy * (y - n / 2)) / n;
      double gx = clamp(x / n, 0, 1) * CELLS;
      double gy = clamp(y / n, 0, 1) * CELLS;
      int ix = Math.min(CELLS - 1, (int) gx);
      int iy = Math.min(CELLS - 1, (int) gy);
      double fx = gx - ix;
      double fy = gy - iy;
      int k = iy * (CELLS + 1) + ix;
      double top = nodes[k] + fx * (nodes[k + 1] - nodes[k]);
      double bottom = nodes[k + CELLS + 1] + fx * (nodes[k + CELLS + 2] - nodes[k + CELLS + 1]);
      return clamp(t * (top + fy * (bottom - top)), 0.2, 2.0);
    }

    double background(double x, double y) {
      return background * factor(x, y);
    }
  }

  /**
   * A smooth curve splitting the plane: {@code f(p) = nrm . d + k2 (t . d)^2 / n + k3 (t . d)^3 /
   * n^2} with {@code d = p - p0}; polynomial, so cheap enough to evaluate per pixel.
   */
  private static final class Curve {
    final double px;
    final double py;
    final double nx;
    final double ny;
    final double k2;
    final double k3;
    final double n;

    private Curve(double px, double py, double nx, double ny, double k2, double k3, double n) {
      this.px = px;
      this.py = py;
      this.nx = nx;
      this.ny = ny;
      this.k2 = k2;
      this.k3 = k3;
      this.n = n;
    }

    /** Through a point {@code [minR, maxR] * n} from the centre, its positive side facing out. */
    static Curve draw(Rng rng, int n, double minR, double maxR, double bend) {
      double dir = rng.uniform(0, TWO_PI);
      double r = rng.uniform(minR, maxR) * n;
      double nx = StrictMath.cos(dir);
      double ny = StrictMath.sin(dir);
      return new Curve(n / 2.0 + r * nx, n / 2.0 + r * ny, nx, ny,
          rng.uniform(-bend, bend), rng.uniform(-bend, bend), n);
    }

    /**
     * The point {@code along} pixels along the curve's axis and {@code depth} pixels inside (on
     * the negative side of) the curve.
     */
    double x(double along, double depth) {
      double u = along / n;
      double normal = -n * (k2 * u * u + k3 * u * u * u) - depth;
      return px + normal * nx - along * ny;
    }

    /** See {@link #x(double, double)}. */
    double y(double along, double depth) {
      double u = along / n;
      double normal = -n * (k2 * u * u + k3 * u * u * u) - depth;
      return py + normal * ny + along * nx;
    }

    double value(double x, double y) {
      double dx = x - px;
      double dy = y - py;
      double along = -ny * dx + nx * dy;
      double u = along / n;
      return nx * dx + ny * dy + n * (k2 * u * u + k3 * u * u * u);
    }
  }

  /** A rotated ellipse with a wobbly outline: the amorphous patch. */
  private static final class Blob {
    final double cx;
    final double cy;
    final double r1;
    final double r2;
    final double cos;
    final double sin;
    final double w3;
    final double p3;
    final double w5;
    final double p5;
    final double minX;
    final double maxX;
    final double minY;
    final double maxY;

    private Blob(double cx, double cy, double r1, double r2, double rot, double w3, double p3,
        double w5, double p5) {
      this.cx = cx;
      this.cy = cy;
      this.r1 = r1;
      this.r2 = r2;
      this.cos = StrictMath.cos(rot);
      this.sin = StrictMath.sin(rot);
      this.w3 = w3;
      this.p3 = p3;
      this.w5 = w5;
      this.p5 = p5;
      double reach = Math.max(r1, r2) * (1 + w3 + w5);
      this.minX = cx - reach;
      this.maxX = cx + reach;
      this.minY = cy - reach;
      this.maxY = cy + reach;
    }

    static Blob draw(Rng rng, int n) {
      return new Blob(rng.uniform(0.15, 0.85) * n, rng.uniform(0.15, 0.85) * n,
          rng.uniform(0.12, 0.3) * n, rng.uniform(0.12, 0.3) * n, rng.uniform(0, TWO_PI),
          rng.uniform(0, 0.12), rng.uniform(0, TWO_PI), rng.uniform(0, 0.08), rng.uniform(0, TWO_PI));
    }

    boolean contains(double x, double y) {
      double dx = x - cx;
      double dy = y - cy;
      double u = (cos * dx + sin * dy) / r1;
      double v = (-sin * dx + cos * dy) / r2;
      double rr = u * u + v * v;
      double outer = (1 + w3 + w5) * (1 + w3 + w5);
      if (rr > outer) {
        return false;
      }
      double phi = StrictMath.atan2(v, u);
      double limit = 1 + w3 * StrictMath.sin(3 * phi + p3) + w5 * StrictMath.sin(5 * phi + p5);
      return rr < limit * limit;
    }

    double boxArea() {
      return (maxX - minX) * (maxY - minY);
    }
  }
}
