package io.alrc.cli;

import io.alrc.experiments.cifar.Cifar10Downloader;
import io.alrc.experiments.cifar.Cifar10Locator;
import io.alrc.experiments.data.ConsoleProgress;
import io.alrc.experiments.data.DownloadException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
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
          + " size and MD5, and unpacks the six binary files (data_batch_1..5.bin, test_batch.bin)"
          + " and nothing else into DATA_ROOT/cifar-10-batches-bin. DATA_ROOT is --data DIR, else"
          + " $ALRC_DATA, else the per-user cache ($XDG_CACHE_HOME/alrc or ~/.cache/alrc). Files"
          + " already there are kept unless --force is given.",
      ""
    })
final class DataCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DATASET", description = "The data set: cifar10.")
  String dataset;

  @Option(names = "--data", paramLabel = "DIR", description = "The data root (see above).")
  Path data;

  @Option(names = "--url", paramLabel = "URL", description = "Download from this address instead of the official one (same file).")
  URI url;

  @Option(names = "--force", description = "Download again even if the files are there.")
  boolean force;

  @Override
  public Integer call() {
    if (!dataset.equalsIgnoreCase("cifar10")) {
      throw CliException.invalidInput("unknown data set '" + dataset + "': expected cifar10");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path root = Cifar10Locator.system().root(Optional.ofNullable(data)).path();
    Cifar10Downloader.Archive archive =
        url == null ? Cifar10Downloader.Archive.OFFICIAL : Cifar10Downloader.Archive.OFFICIAL.at(url);
    HttpClient client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    try {
      Cifar10Downloader.Result result =
          new Cifar10Downloader(archive, client, force)
              .download(root, ConsoleProgress.auto(System.err, System.err::println));
      out.println(
          (result.downloaded() ? "downloaded and verified " + result.bytes() + " bytes; " : "already present; ")
              + "CIFAR-10 is in " + result.folder());
      out.flush();
      return 0;
    } catch (DownloadException e) {
      throw new CliException(1, e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(1, "cannot install CIFAR-10 into " + root + ": " + e.getMessage(), e);
    }
  }
}
