/**
 * Data for the STEM experiments (partial-scan completion and supersampling), in plain Java on
 * float arrays.
 *
 * <ul>
 *   <li>{@link io.alrc.experiments.stem.HaadfGenerator}: synthetic HAADF STEM images from a {@link
 *       io.alrc.experiments.stem.HaadfConfig} and a seed, the embedded default dataset; {@link
 *       io.alrc.experiments.stem.HaadfThroughput} measures its speed.
 *   <li>{@link io.alrc.experiments.stem.StemImages}, {@link io.alrc.experiments.stem.GreyPng},
 *       {@link io.alrc.experiments.stem.Float32Tiff}: real micrographs in and images out (8/16-bit
 *       greyscale PNG, float32 TIFF), with precise errors for files they cannot read.
 *   <li>{@link io.alrc.experiments.stem.StemCrops} and {@link io.alrc.experiments.stem.Dihedral}:
 *       random crops with the 8 flips/rotations, normalised to [-1, 1] ({@link
 *       io.alrc.experiments.stem.Normalisation}); {@link io.alrc.experiments.stem.StemSource}: an
 *       indexable stream of training images, synthetic or cropped.
 *   <li>{@link io.alrc.experiments.stem.SpiralScan}, {@link io.alrc.experiments.stem.SpiralMask},
 *       {@link io.alrc.experiments.stem.PartialScanInput}: spiral partial-scan masks and network
 *       inputs; {@link io.alrc.experiments.stem.Supersampling}: 2x and 4x supersampling inputs.
 *   <li>{@link io.alrc.experiments.stem.StemGallery}: PNG galleries and contact sheets; {@link
 *       io.alrc.experiments.stem.StemFigures} regenerates the figures under {@code docs/images}.
 * </ul>
 *
 * <p>Images are row-major {@code float[]} with row 0 at the top. Nothing here needs DJL.
 */
package io.alrc.experiments.stem;
