package io.alrc.cli;

/**
 * Engine settings that must be in place before DJL loads the PyTorch engine: intra-op threads and
 * one inter-op thread. Quiet logging: warnings and errors only, unless the user set a level.
 */
final class NativeSettings {
  private NativeSettings() {}

  static void apply(int threads) {
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    // "Failed to detect GPU count" is expected on a machine without CUDA
    System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
  }
}
