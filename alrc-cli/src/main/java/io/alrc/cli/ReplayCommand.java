package io.alrc.cli;

import io.alrc.AlrcConfig;
import io.alrc.AlrcConfig.Profile;
import io.alrc.experiments.train.Stabilizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ListResourceBundle;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code alrc replay}: what ALRC would have done to a loss log written by any training framework.
 *
 * <p>Reads per-example losses, one step per line (format in {@link LossLineParser}), runs them
 * through {@link io.alrc.AlrcClipper} with the chosen profile and settings, and writes one CSV row
 * per example (columns in {@link LossLogReplay}). Bad data, a missing file and invalid settings
 * exit 2 with one message naming the input.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    showDefaultValues = true,
    sortOptions = false,
    resourceBundle = "io.alrc.cli.ReplayCommand$ProfileDefaults",
    header = "Show what ALRC would have done to a loss log from any framework.",
    description = {
      "Reads a loss log, one training step per line with the step's per-example losses separated"
          + " by commas and/or spaces or tabs; blank lines and lines starting with # are ignored."
          + " A loss is a number >= 0; nan, inf and -inf mark a non-finite step, which ALRC skips"
          + " (no update, statistics untouched). A line may hold at most 10,000,000 characters;"
          + " a UTF-8 byte order mark at the start of the log is skipped.",
      "",
      "Writes CSV to standard output, one row per example:",
      "  step,example,loss,threshold,output,scale,mu1,mu2,skipped",
      "step counts the steps (non-ignored lines) from 1 and example the examples of a step from 1;"
          + " threshold is lmax = mu1 + n * sigma from the moments before the step; output ="
          + " min(loss, threshold) and scale = output / loss are what the step's gradient would"
          + " be scaled by; mu1 and mu2 are the running moments after the step; skipped is 1 for a"
          + " skipped step (output and scale empty), else 0.",
      ""
    },
    footer = {
      "",
      "Profile defaults (--profile; auto unless --mu1/--mu2 are given, then reference):",
      "  auto       ${bundle:auto}",
      "  reference  ${bundle:reference}",
      "  cifar2019  ${bundle:cifar2019}",
      "",
      "Exit codes: 0 done (also when the reader of a pipe stops early, as 'head' does); 2 invalid"
          + " input (bad option, malformed or negative loss, a line too long, missing file, too many"
          + " non-finite steps in a row); 1 the output could not be written (e.g. a full disk) or"
          + " the program failed.",
      "",
      "Example: alrc replay examples/losses.txt > replay.csv"
    })
final class ReplayCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  // ALRC's options (--n, --profile, --beta, --mu1, --mu2, --alrc-warmup, --eps, --lower-n,
  // --non-finite-limit) are those of alrc train, generated from Stabilizer.Alrc by
  // addGeneratedOptions, so both commands spell and check them alike.

  /** Adds ALRC's options, as {@code alrc train} has them. */
  static void addGeneratedOptions(CommandSpec replaySpec) {
    StabilizerOptions.addParams(replaySpec, Stabilizer.Alrc.KIND);
  }

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      description = "The loss log; '-' or none reads standard input.")
  String file;

  @Override
  public Integer call() {
    AlrcConfig config = config();
    PrintWriter out = spec.commandLine().getOut();
    LossLogReplay replay = new LossLogReplay(config);
    boolean stdin = file == null || file.equals("-");
    String source = stdin ? "stdin" : file;
    try {
      if (stdin) {
        replay.run(reader(System.in), source, out); // standard input is not ours to close
      } else {
        try (Reader in = reader(open(file))) {
          replay.run(in, source, out);
        }
      }
    } catch (IOException e) {
      throw CliException.invalidInput("cannot read '" + source + "': " + e.getMessage(), e);
    }
    return ExitCode.OK;
  }

  /** The configuration from the profile and the options given; invalid values are usage errors. */
  AlrcConfig config() {
    try {
      return ((Stabilizer.Alrc) StabilizerOptions.parse(spec, Stabilizer.Alrc.KIND)).config();
    } catch (Stabilizer.BadValueException e) {
      throw new ParameterException(spec.commandLine(), "invalid ALRC setting: " + e.rule(), e);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "invalid ALRC setting: " + e.getMessage(), e);
    }
  }

  private static Reader reader(InputStream in) {
    // malformed UTF-8 becomes U+FFFD and is then reported as a malformed token with its line;
    // LossLogReplay reads in chunks of its own, so no BufferedReader
    return new InputStreamReader(in, StandardCharsets.UTF_8);
  }

  private static InputStream open(String file) {
    Path path;
    try {
      path = Path.of(file);
    } catch (InvalidPathException e) {
      throw CliException.invalidInput("cannot read '" + file + "': not a valid path", e);
    }
    if (Files.isDirectory(path)) {
      throw CliException.invalidInput("cannot read '" + file + "': it is a directory");
    }
    try {
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw CliException.invalidInput("cannot read '" + file + "': no such file", e);
    } catch (AccessDeniedException e) {
      throw CliException.invalidInput("cannot read '" + file + "': permission denied", e);
    } catch (IOException e) {
      throw CliException.invalidInput("cannot read '" + file + "': " + e.getMessage(), e);
    }
  }

  /**
   * The help text's profile defaults, read from the core's builders so the help cannot drift from
   * the code. Public only because {@link java.util.ResourceBundle} instantiates it reflectively.
   */
  public static final class ProfileDefaults extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
      Object[][] contents = new Object[Profile.values().length][];
      for (Profile p : Profile.values()) {
        contents[p.ordinal()] = new Object[] {p.id(), describe(p.builder().build())};
      }
      return contents;
    }

    static String describe(AlrcConfig c) {
      boolean gammaFollowsBeta = Math.abs(c.gamma1() - (1 - c.beta1())) < 1e-12;
      if (c.warmup() > 0) {
        return "n " + c.n() + ", beta " + c.beta1() + ", robust warm-up " + c.warmup()
            + ", relative eps " + c.eps();
      }
      return "n "
          + c.n()
          + ", beta "
          + c.beta1()
          + ", gamma "
          + (gammaFollowsBeta ? "1 - beta" : Double.toString(c.gamma1()))
          + ", mu1 "
          + c.initialMu1()
          + ", mu2 "
          + c.initialMu2()
          + ", eps "
          + c.eps();
    }
  }
}
