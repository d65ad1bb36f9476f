package io.alrc.javacpp;

import org.bytedeco.pytorch.global.torch;

/** libtorch's thread settings for this process: intra-op threads per run, one inter-op thread. */
final class NativeThreads {
  private static boolean interopSet;

  private NativeThreads() {}

  /** Sets {@code threads} intra-op threads (and, once per process, one inter-op thread). */
  static synchronized void set(int threads) {
    if (!interopSet) {
      interopSet = true;
      try {
        torch.set_num_interop_threads(1);
      } catch (RuntimeException alreadyStarted) {
        // libtorch allows this only before its first inter-op work; the default then stays
      }
    }
    torch.set_num_threads(threads);
  }
}
