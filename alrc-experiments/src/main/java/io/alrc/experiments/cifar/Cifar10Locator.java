package io.alrc.experiments.cifar;

import io.alrc.experiments.data.UserCache;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the CIFAR-10 binary files and says where {@code alrc data cifar10} puts them.
 *
 * <p>The <em>data root</em> is the first of:
 *
 * <ol>
 *   <li>an explicit directory (the CLI's {@code --data DIR}),
 *   <li>the environment variable {@value #ENV}, if set and non-empty,
 *   <li>the user cache, {@code $XDG_CACHE_HOME/alrc} or {@code ~/.cache/alrc} ({@link UserCache}).
 * </ol>
 *
 * Only that root is searched; a later source is not used as a fallback, so the data a run trains
 * on never depends on what happens to sit in another place. The files are looked for in {@code
 * <root>/cifar-10-batches-bin} and, so that a root may also name the folder itself, directly in
 * {@code <root>}; the subfolder wins when both hold files. The downloader writes to {@code
 * <root>/cifar-10-batches-bin}.
 *
 * <p>Immutable and thread-safe; it reads the file system only in {@link #locate(Optional)}.
 */
public final class Cifar10Locator {
  /** The environment variable naming the data root ({@value}). */
  public static final String ENV = "ALRC_DATA";

  /** The command that downloads CIFAR-10, as shown in messages ({@value}). */
  public static final String DOWNLOAD_COMMAND = "./alrc data cifar10";

  /** How the data root was chosen. */
  public enum Origin {
    /** An explicit directory ({@code --data DIR}). */
    EXPLICIT("from --data"),
    /** The environment variable {@value Cifar10Locator#ENV}. */
    ENVIRONMENT("from $" + ENV),
    /** The per-user cache directory. */
    USER_CACHE("the user cache");

    private final String description;

    Origin(String description) {
      this.description = description;
    }

    /**
     * A short phrase for messages, e.g. {@code "from --data"}.
     *
     * @return the phrase
     */
    public String description() {
      return description;
    }
  }

  /**
   * The chosen data root.
   *
   * @param path the root directory (it may not exist)
   * @param origin how it was chosen
   */
  public record DataRoot(Path path, Origin origin) {
    /** Checks that no component is null. */
    public DataRoot {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(origin, "origin");
    }

    /**
     * The folder the downloader writes to, {@code <root>/cifar-10-batches-bin}.
     *
     * @return the folder
     */
    public Path downloadFolder() {
      return path.resolve(Cifar10.FOLDER);
    }
  }

  private final Map<String, String> env;
  private final Path userHome;

  /**
   * A locator for the given environment and home directory (for tests and embedding).
   *
   * @param env environment variables ({@value #ENV} and {@code XDG_CACHE_HOME} are read)
   * @param userHome the user's home directory
   */
  public Cifar10Locator(Map<String, String> env, Path userHome) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    this.userHome = Objects.requireNonNull(userHome, "userHome");
  }

  /**
   * A locator for this process's environment and {@code user.home}.
   *
   * @return the locator
   */
  public static Cifar10Locator system() {
    return new Cifar10Locator(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * The data root: {@code explicit} if present, else {@value #ENV}, else the user cache.
   *
   * @param explicit the CLI's {@code --data DIR}, if given
   * @return the root and how it was chosen
   */
  public DataRoot root(Optional<Path> explicit) {
    if (explicit.isPresent()) {
      return new DataRoot(explicit.get(), Origin.EXPLICIT);
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return new DataRoot(Path.of(fromEnv), Origin.ENVIRONMENT);
    }
    return new DataRoot(UserCache.dir(env, userHome), Origin.USER_CACHE);
  }

  /**
   * Finds the directory holding the CIFAR-10 files under the data root.
   *
   * @param explicit the CLI's {@code --data DIR}, if given
   * @return the location; its {@link Cifar10Location#trainingFiles()} and {@link
   *     Cifar10Location#testFile()} check for the individual files
   * @throws Cifar10DataNotFoundException if neither {@code <root>/cifar-10-batches-bin} nor {@code
   *     <root>} holds a {@code data_batch_*.bin} or {@code test_batch.bin}; the message lists both
   *     places and the download command
   * @throws IOException if a directory cannot be listed
   */
  public Cifar10Location locate(Optional<Path> explicit) throws IOException {
    DataRoot root = root(explicit);
    String hint = downloadHint(root);
    List<Path> candidates = List.of(root.path().resolve(Cifar10.FOLDER), root.path());
    for (Path c : candidates) {
      if (Cifar10Location.holdsData(c)) {
        return new Cifar10Location(c, root.origin(), hint);
      }
    }
    StringBuilder m = new StringBuilder();
    m.append("CIFAR-10 binary files (data_batch_*.bin, test_batch.bin) not found. Looked in:");
    for (Path c : candidates) {
      m.append("\n  ").append(c).append(" (").append(root.origin().description()).append(')');
    }
    m.append("\nThe data root is --data DIR if given, else $")
        .append(ENV)
        .append(" if set, else the user cache ")
        .append(UserCache.dir(env, userHome))
        .append("; the files are looked for in its ")
        .append(Cifar10.FOLDER)
        .append(" folder, then in the root itself.")
        .append("\nTo download CIFAR-10 (about 170 MB) into ")
        .append(root.downloadFolder())
        .append(", run: ")
        .append(hint);
    throw new Cifar10DataNotFoundException(m.toString(), candidates);
  }

  private static String downloadHint(DataRoot root) {
    return root.origin() == Origin.EXPLICIT
        ? DOWNLOAD_COMMAND + " --data " + root.path()
        : DOWNLOAD_COMMAND;
  }
}
