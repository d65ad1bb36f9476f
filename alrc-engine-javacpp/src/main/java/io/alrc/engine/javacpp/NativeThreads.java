package io.alrc.engine.javacpp;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads libtorch once per process and sets its threads: intra-op threads per run, one inter-op
 * thread.
 *
 * <p>JavaCPP unpacks the natives (about 400 MB) into its cache directory ({@code ~/.javacpp/cache}
 * by default) on first use. Measured here (JavaCPP 1.5.12, pytorch 2.7.1-1.5.12, Debian 12): a
 * process that unpacks {@code libtorch_cpu.so} and then loads it dies with SIGSEGV inside {@code
 * dlopen} ({@code pthread_mutex_lock}), every time; a process that finds the file already unpacked
 * loads it fine. And two processes unpacking at once can load each other's half-written files
 * (bytedeco/javacpp#608). So:
 *
 * <ol>
 *   <li>every first load in a process holds an exclusive lock on {@code .alrc-load.lock} in the
 *       cache directory, so processes started together load one after the other;
 *   <li>under that lock, if the natives have not been unpacked yet (no {@value #READY} marker or no
 *       {@code libtorch_cpu.so} in the cache), a child
 *       JVM ({@link #main}, class path from where the presets were loaded) unpacks and loads the natives, up to three times (the
 *       first may die as described; the next finds the files and completes), then the marker is
 *       written;
 *   <li>this process then loads the complete files.
 * </ol>
 */
final class NativeThreads {
  /** Marker file beside the unpacked libtorch: unpacked completely by a child JVM. */
  static final String READY = ".alrc-unpacked";

  private static boolean loaded;
  private static boolean interopSet;
  private static boolean blasSet;

  private NativeThreads() {}

  /** Loads libtorch (once per process), under the cross-process lock described above. */
  static synchronized void load() {
    if (loaded) {
      return;
    }
    Path natives = unpackedLibtorch();
    if (natives == null) {
      Loader.load(torch.class); // natives not in a jar (e.g. an unpacked class path): nothing to unpack
      loaded = true;
      return;
    }
    Path dir = natives.getParent();
    try {
      Files.createDirectories(dir);
    } catch (IOException readOnly) {
      // a read-only, pre-filled cache: nothing can be unpacked there, JavaCPP only loads
      Loader.load(torch.class);
      loaded = true;
      return;
    }
    Path ready = dir.resolve(READY);
    try (FileChannel channel = FileChannel.open(dir.resolve(".alrc-load.lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      if (!Files.exists(ready) || !Files.exists(natives)) {
        Files.deleteIfExists(ready);
        prepareInChild(Loader.getCacheDir());
        Files.writeString(ready, "unpacked by " + NativeThreads.class.getName() + "\n");
      }
      Loader.load(torch.class);
    } catch (IOException e) {
      throw new UncheckedIOException("loading libtorch (JavaCPP presets): " + e.getMessage(), e);
    }
    loaded = true;
  }

  /**
   * Where JavaCPP unpacks {@code libtorch_cpu.so}: {@code CACHE/JAR_NAME/org/bytedeco/pytorch/
   * PLATFORM/}, JAR_NAME being the natives jar's file name (so the path, and the {@value #READY}
   * marker beside it, change with the presets version); null when the natives are not in a jar.
   */
  static Path unpackedLibtorch() {
    String folder = "org/bytedeco/pytorch/" + Loader.getPlatform() + "/";
    URL url = NativeThreads.class.getClassLoader().getResource(folder + "libtorch_cpu.so");
    if (url == null || !url.getProtocol().equals("jar")) {
      return null;
    }
    String spec = url.getPath();
    int bang = spec.indexOf("!/");
    String jar = spec.substring(0, Math.max(bang, 0));
    String jarName = jar.substring(jar.lastIndexOf('/') + 1);
    try {
      return Loader.getCacheDir().toPath().resolve(jarName).resolve(folder).resolve("libtorch_cpu.so");
    } catch (IOException e) {
      throw new UncheckedIOException("JavaCPP's cache directory: " + e.getMessage(), e);
    }
  }

  /** Unpacks and loads the natives in child JVMs until one succeeds (at most three). */
  private static void prepareInChild(File cacheDir) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    // the expected crash of the first child must not leave a JVM error report in the user's folder
    command.add("-XX:ErrorFile=" + new File(cacheDir, "alrc-unpack-hs_err_%p.log").getPath());
    command.add("-XX:-CreateCoredumpOnCrash");
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith("org.bytedeco.") || key.equals("user.home") || key.equals("java.io.tmpdir")) {
        command.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    command.addAll(List.of("-cp", childClassPath(), NativeThreads.class.getName()));
    int code = -1;
    for (int attempt = 1; attempt <= 3 && code != 0; attempt++) {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try {
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IOException("unpacking libtorch into " + cacheDir + " took over 10 minutes");
        }
        code = p.exitValue();
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while unpacking libtorch into " + cacheDir, e);
      }
    }
    if (code != 0) {
      throw new IOException("unpacking libtorch into " + cacheDir + " failed three times (last exit"
          + " code " + code + ", JVM reports alrc-unpack-hs_err_*.log there); remove that directory"
          + " and try again");
    }
    File[] reports = cacheDir.listFiles((d, name) -> name.startsWith("alrc-unpack-hs_err_"));
    if (reports != null) {
      for (File f : reports) {
        Files.deleteIfExists(f.toPath());
      }
    }
  }

  /**
   * The class path of the child: the jars (or folders) holding this class, JavaCPP, the presets and
   * their platform natives, found from where they were loaded (so it works where the application
   * was loaded by a class loader of its own, e.g. a Spark executor), then this JVM's class path.
   */
  static String childClassPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(NativeThreads.class, Loader.class, torch.class,
        org.bytedeco.openblas.global.openblas.class)) {
      CodeSource source = c.getProtectionDomain().getCodeSource();
      if (source != null && source.getLocation() != null) {
        addLocation(entries, source.getLocation());
      }
    }
    String platform = Loader.getPlatform();
    for (String resource : List.of("org/bytedeco/pytorch/" + platform + "/",
        "org/bytedeco/openblas/" + platform + "/", "org/bytedeco/javacpp/" + platform + "/")) {
      URL url = NativeThreads.class.getClassLoader().getResource(resource);
      if (url != null && url.getProtocol().equals("jar")) {
        String spec = url.getPath();
        int bang = spec.indexOf("!/");
        try {
          addLocation(entries, new URL(bang >= 0 ? spec.substring(0, bang) : spec));
        } catch (MalformedURLException e) {
          // not a file URL: the class path below has to do
        }
      }
    }
    for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!e.isEmpty()) {
        entries.add(e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static void addLocation(Set<String> entries, URL location) {
    try {
      if (location.getProtocol().equals("file")) {
        entries.add(Path.of(location.toURI()).toString());
      }
    } catch (URISyntaxException | IllegalArgumentException e) {
      // not a plain file location
    }
  }

  /** The child of {@link #prepareInChild}: unpacks and loads libtorch, then exits. */
  public static void main(String[] args) {
    Loader.load(torch.class);
    System.exit(0);
  }

  /** Sets {@code threads} intra-op threads (and, once per process, one inter-op thread). */
  static synchronized void set(int threads) {
    load();
    if (!blasSet) {
      blasSet = true;
      org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(1);
    }
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
