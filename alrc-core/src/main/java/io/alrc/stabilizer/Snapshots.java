package io.alrc.stabilizer;

/** Checks shared by the stabilizers' snapshot decoders. */
final class Snapshots {
  private Snapshots() {}

  static void expectSame(String name, double found, double expected) {
    if (Double.doubleToLongBits(found) != Double.doubleToLongBits(expected)) {
      throw new IllegalArgumentException(
          "snapshot was taken with " + name + " " + found + ", this stabilizer has " + expected);
    }
  }

  static void expectSame(String name, long found, long expected) {
    if (found != expected) {
      throw new IllegalArgumentException(
          "snapshot was taken with " + name + " " + found + ", this stabilizer has " + expected);
    }
  }
}
