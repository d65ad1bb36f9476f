/**
 * CIFAR-10 for the 2x supersampling experiment: the binary-format reader ({@link
 * io.alrc.experiments.cifar.Cifar10Dataset}), where the files are found ({@link
 * io.alrc.experiments.cifar.Cifar10Locator}), the verified download of the official archive
 * ({@link io.alrc.experiments.cifar.Cifar10Downloader}), and the augmentation, standardisation and
 * 32-16-32 bilinear resize pipeline with a seeded batch builder ({@link
 * io.alrc.experiments.cifar.SupersamplingBatches}).
 */
package io.alrc.experiments.cifar;
