package io.alrc.experiments.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UserCacheTest {
  private final Path home = Path.of("/home/u");

  @Test
  void xdgCacheHomeWhenAbsolute() {
    assertThat(UserCache.dir(Map.of("XDG_CACHE_HOME", "/var/cache/u"), home))
        .isEqualTo(Path.of("/var/cache/u/alrc"));
  }

  @Test
  void homeCacheOtherwise() {
    assertThat(UserCache.dir(Map.of(), home)).isEqualTo(Path.of("/home/u/.cache/alrc"));
    assertThat(UserCache.dir(Map.of("XDG_CACHE_HOME", ""), home))
        .as("an empty XDG_CACHE_HOME is ignored")
        .isEqualTo(Path.of("/home/u/.cache/alrc"));
    assertThat(UserCache.dir(Map.of("XDG_CACHE_HOME", "rel/cache"), home))
        .as("a relative XDG_CACHE_HOME is ignored, as the XDG specification asks")
        .isEqualTo(Path.of("/home/u/.cache/alrc"));
  }
}
