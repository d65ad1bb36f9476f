package io.alrc.experiments.data;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The per-user cache directory of this project: {@code $XDG_CACHE_HOME/alrc} when {@code
 * XDG_CACHE_HOME} is set to an absolute path, else {@code ~/.cache/alrc}.
 *
 * <p>A relative or empty {@code XDG_CACHE_HOME} is ignored, as the XDG Base Directory
 * specification asks. Nothing is created on disk by this class.
 */
public final class UserCache {
  /** The environment variable that moves the cache root ({@value}). */
  public static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";

  /** The project's folder inside the cache root ({@value}). */
  public static final String PROJECT_FOLDER = "alrc";

  private UserCache() {}

  /**
   * The cache directory for this process's environment and {@code user.home}.
   *
   * @return the directory (it may not exist yet)
   */
  public static Path dir() {
    return dir(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * The cache directory for the given environment and home directory.
   *
   * @param env environment variables (only {@value #XDG_CACHE_HOME} is read)
   * @param userHome the user's home directory
   * @return the directory (it may not exist yet)
   */
  public static Path dir(Map<String, String> env, Path userHome) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(userHome, "userHome");
    String xdg = env.get(XDG_CACHE_HOME);
    if (xdg != null && !xdg.isEmpty()) {
      Path p = Path.of(xdg);
      if (p.isAbsolute()) {
        return p.resolve(PROJECT_FOLDER);
      }
    }
    return userHome.resolve(".cache").resolve(PROJECT_FOLDER);
  }
}
