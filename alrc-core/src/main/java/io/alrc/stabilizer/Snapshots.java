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

  /** Writes a length-prefixed array of doubles (their exact bits). */
  static void writeDoubles(java.io.DataOutputStream out, double[] values) throws java.io.IOException {
    out.writeInt(values.length);
    for (double v : values) {
      out.writeDouble(v);
    }
  }

  /** Reads {@code n} doubles (the caller has read and checked the length). */
  static double[] readDoubles(java.io.DataInputStream in, int n) throws java.io.IOException {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = in.readDouble();
    }
    return values;
  }
}
