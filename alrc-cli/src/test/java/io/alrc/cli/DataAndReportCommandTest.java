package io.alrc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.alrc.experiments.run.MetricsLog;
import io.alrc.experiments.run.RunFiles;
import io.alrc.experiments.run.Summary;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataAndReportCommandTest {
  @TempDir Path tmp;

  @Test
  void dataRejectsAnUnknownDataSet() {
    Cli.Result r = Cli.run("data", "mnist", "--data", tmp.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("alrc data: unknown data set 'mnist': expected cifar10\n");
  }

  @Test
  void dataReportsAFailedDownloadAndLeavesNothingBehind() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz";
      Cli.Result r = Cli.run("data", "cifar10", "--data", tmp.toString(), "--url", url);
      assertThat(r.exitCode()).as("a failed download is a failure, not bad input").isEqualTo(1);
      assertThat(r.err()).startsWith("alrc data: ").contains("404");
      assertThat(Files.exists(tmp.resolve("cifar-10-batches-bin/data_batch_1.bin"))).isFalse();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void reportWritesTablesAndCurvesForASweepFolder() throws Exception {
    for (int seed = 0; seed < 2; seed++) {
      Path dir = tmp.resolve("sweep/run-" + seed);
      Files.createDirectories(dir);
      RunFiles.writeJson(dir.resolve("config.json"),
          Map.of("task", "cifar10-sr", "loss", "quartic", "batch", 1, "stabilizer", "alrc", "n", 3.0, "seed", seed));
      try (MetricsLog log = MetricsLog.create(dir.resolve("metrics.csv"), List.of("step", "unadjusted_loss"))) {
        for (int s = 1; s <= 20; s++) {
          log.row(s, 10.0 / s + seed);
        }
      }
      RunFiles.writeJson(dir.resolve("summary.json"), new Summary(1 + seed, 2 + seed, 0, 0, 10, 20, 5, 4));
    }
    Cli.Result r = Cli.run("report", tmp.resolve("sweep").toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    Path md = tmp.resolve("sweep/report/report.md");
    assertThat(r.outLines().get(r.outLines().size() - 1)).as("the path last").isEqualTo(md.toString());
    assertThat(r.out()).as("the final-error tables first")
        .startsWith("2 runs in 1 configuration.")
        .contains("## Final train error\n\n| | alrc n=3 |\n|---|---|\n| all runs | 1.500 +/- 0.7071 (n=2) |\n")
        .contains("## Final test error");
    assertThat(Files.readString(md)).contains("| all runs | 1.500 +/- 0.7071 (n=2) |");
    assertThat(tmp.resolve("sweep/report/train-curves.png")).exists();
  }

  @Test
  void reportHelpFormatsCleanly() {
    Cli.Result r = Cli.run("report", "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out().replaceAll("\\s+", " ")).contains("95% t interval, paired on seeds").contains("diverged k/n");
    assertThat(r.err()).as("no picocli format warning").isEmpty();
  }

  @Test
  void reportRejectsAFolderWithoutRuns() {
    Cli.Result r = Cli.run("report", tmp.toString());
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("alrc report: no run directories (with config.json) found under");
  }
}
