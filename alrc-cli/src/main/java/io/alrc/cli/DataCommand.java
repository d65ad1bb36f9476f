package io.alrc.cli;

import io.alrc.experiments.cifar.Cifar10Downloader;
import io.alrc.experiments.cifar.Cifar10Locator;
import io.alrc.experiments.data.ConsoleProgress;
import io.alrc.experiments.data.DownloadException;
import io.alrc.experiments.data.HttpDownload;
import io.alrc.experiments.data.ProcessLock;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code alrc data cifar10}: downloads and verifies the CIFAR-10 binary files. */
@Command(
    name = "data",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    header = "Download a data set (cifar10) into the data folder.",
    description = {
      "cifar10: downloads the official cifar-10-binary.tar.gz (170,052,171 bytes), verifies its"
          + " size and MD5, and unpacks the six binary files (data_batch_1..5.bin, test_batch.bin,"
          + " 30,730,000 bytes each) and nothing else into DATA_ROOT/cifar-10-batches-bin, with"
          + " their SHA-256 checksums in SHA256SUMS there. DATA_ROOT is --data DIR, else"
          + " $ALRC_DATA, else the per-user cache ($XDG_CACHE_HOME/alrc or ~/.cache/alrc).",
      "",
      "Files already there are verified before they are trusted: their sizes, and their SHA-256"
          + " against SHA256SUMS (without it, the labels of every record); a file that fails is"
          + " named and the archive is downloaded again. --force downloads in any case.",
      "",
      "A server that does not answer or stops sending for --read-timeout seconds ends the download;"
          + " an interrupted download (Ctrl-C) leaves no partial file. One download at a time per"
          + " data folder.",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 done (or already present); 1 the download failed (network, server, checksum);"
          + " 2 invalid input (unknown data set, a URL that is not http or https, bad timeout), or"
          + " another download into the same folder is running."
    })
final class DataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATASET", description = "The data set: cifar10.")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "The data root (see above).")
  Path data;

  @Option(names = "--url", paramLabel = "URL",
      description = "Download from this http(s) address instead of the official one (same file).")
  String url;

  @Option(names = "--force", description = "Download again even if the files are there and sound.")
  boolean force;

  @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "Give up connecting after this many seconds.")
  double connectTimeout;

  @Option(names = "--read-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "Give up when the server sends nothing for this many seconds.")
  double readTimeout;

  @Override
  public Integer call() {
    if (!dataset.equalsIgnoreCase("cifar10")) {
      throw CliException.invalidInput("unknown data set '" + dataset + "': expected cifar10");
    }
    Duration connect = seconds("--connect-timeout", connectTimeout);
    Duration read = seconds("--read-timeout", readTimeout);
    Cifar10Downloader.Archive archive = Cifar10Downloader.Archive.OFFICIAL;
    if (url != null) {
      try {
        archive = archive.at(new URI(url));
      } catch (URISyntaxException e) {
        throw CliException.invalidInput("--url '" + url + "' is not a URL: " + e.getReason(), e);
      } catch (IllegalArgumentException e) {
        throw CliException.invalidInput("--url: " + e.getMessage(), e);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    Path root = Cifar10Locator.system().root(Optional.ofNullable(data)).path();
    try {
      Cifar10Downloader.Result result =
          new Cifar10Downloader(archive, HttpDownload.client(connect), force, read)
              .download(root, ConsoleProgress.auto(System.err, System.err::println));
      String check = result.check().isEmpty() ? "" : " (" + result.check() + ")";
      out.println(
          (result.downloaded()
                  ? "downloaded and verified " + result.bytes() + " bytes" + check + "; "
                  : "already present" + check + "; ")
              + "CIFAR-10 is in " + result.folder());
      out.flush();
      return 0;
    } catch (ProcessLock.HeldException e) {
      throw CliException.invalidInput("another 'alrc data cifar10' is downloading into " + root + " ("
          + e.holder() + ", lock file " + e.file() + "); wait for it to end", e);
    } catch (DownloadException e) {
      throw new CliException(1, e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(1, "cannot install CIFAR-10 into " + root + ": " + e.getMessage(), e);
    }
  }

  /** A timeout option in seconds as a duration; it must be finite and > 0. */
  private static Duration seconds(String option, double value) {
    if (!(value > 0) || value > 86_400) {
      throw CliException.invalidInput(option + " (" + value + ") must be > 0 and at most 86400 seconds");
    }
    return Duration.ofNanos(Math.round(value * 1e9));
  }
}
