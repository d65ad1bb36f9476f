package io.alrc.cli;

import io.alrc.experiments.data.Printable;
import io.alrc.experiments.sweep.SweepSpec;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The root of the {@code alrc} command line: adaptive learning rate clipping (ALRC) tools.
 *
 * <p>Every subcommand is a class listed in {@code subcommands} below that implements {@code
 * Callable<Integer>} and returns its exit code; adding a command is adding its class to that list.
 * Exit codes: 0 success, 1 the program failed, 2 invalid input (bad option, bad data, missing
 * file).
 *
 * <p>{@link #commandLine(PrintWriter, PrintWriter)} builds the configured command line; {@link
 * #main(String[])} and the tests both use it, so tests run the real wiring. Nothing here calls
 * {@code System.exit} except {@code main}.
 */
@Command(
    name = "alrc",
    mixinStandardHelpOptions = true,
    versionProvider = AlrcCommand.VersionProvider.class,
    header = "Adaptive learning rate clipping (ALRC) for the JVM.",
    description = {
      "ALRC limits each per-example training loss to n running standard deviations above its"
          + " running mean, so a spiking example keeps its gradient direction but not its size"
          + " (Ede and Beanland, arXiv 1906.09060). These commands apply it to loss logs and"
          + " training runs.",
      ""
    },
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    footer = {"", "Run 'alrc COMMAND --help' (or 'alrc help COMMAND') for a command's options."},
    subcommands = {
      HelpCommand.class,
      DemoCommand.class,
      ReplayCommand.class,
      TrainCommand.class,
      BenchCommand.class,
      SweepCommand.class,
      ReportCommand.class,
      DataCommand.class,
      StemGalleryCommand.class
    })
public final class AlrcCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /**
   * Runs the command line and exits with its exit code. Standard output that cannot be written
   * (a full disk, {@code > /dev/full}) turns exit code 0 into 1 with the cause on standard error; a
   * reader that has gone (a broken pipe, as in {@code alrc replay | head}) does not.
   */
  public static void main(String[] args) {
    CheckedOutput out = CheckedOutput.stdout();
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    out.flush();
    java.util.Optional<java.io.IOException> failure = CheckedOutput.errorOf(out);
    if (code == ExitCode.OK && failure.isPresent() && !CheckedOutput.isBrokenPipe(failure.get())) {
      err.println("alrc: cannot write to standard output: " + oneLine(failure.get().getMessage()));
      code = ExitCode.SOFTWARE;
    }
    System.exit(code);
  }

  /**
   * The configured {@code alrc} command line: output to {@code out}, messages and usage errors to
   * {@code err}; invalid input exits 2 with a one-line message and a hint to use {@code --help}; a
   * {@link CliException} exits with its code and message; anything else exits 1 with its message.
   *
   * @param out where results and requested help go
   * @param err where errors go
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cmd = new CommandLine(new AlrcCommand());
    TrainCommand.addGeneratedOptions(cmd.getSubcommands().get("train").getCommandSpec());
    BenchCommand.addGeneratedOptions(cmd.getSubcommands().get("bench").getCommandSpec());
    ReplayCommand.addGeneratedOptions(cmd.getSubcommands().get("replay").getCommandSpec());
    cmd.setOut(out);
    cmd.setErr(err);
    cmd.setParameterExceptionHandler(new ParameterErrors());
    cmd.setExecutionExceptionHandler(new ExecutionErrors());
    return cmd;
  }

  /** Without a command: prints the usage to stderr and returns 2. */
  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    cmd.getErr().println("alrc: a command is required");
    cmd.usage(cmd.getErr());
    return ExitCode.USAGE;
  }

  /** The display name of a command for messages, e.g. {@code alrc replay}. */
  static String qualifiedName(CommandLine cmd) {
    return cmd.getCommandSpec().qualifiedName();
  }

  /** Invalid options or arguments: one line, suggestions if any, then where to find help. */
  private static final class ParameterErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
      CommandLine cmd = ex.getCommandLine();
      PrintWriter err = cmd.getErr();
      err.println(qualifiedName(cmd) + ": " + oneLine(ex.getMessage()));
      printSuggestions(ex, err);
      err.println("Try '" + qualifiedName(cmd) + " --help' for more information.");
      err.flush();
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
  }

  /**
   * Picocli's suggestions, but for a mistyped command only the commands within a small edit
   * distance of it: picocli's bigram similarity also offers unrelated commands that share a
   * bigram ({@code replya} would get {@code sweep} and {@code report} beside {@code replay}).
   */
  private static void printSuggestions(ParameterException ex, PrintWriter err) {
    java.io.StringWriter all = new java.io.StringWriter();
    UnmatchedArgumentException.printSuggestions(ex, new PrintWriter(all));
    String text = all.toString();
    if (!(ex instanceof UnmatchedArgumentException u) || !text.startsWith("Did you mean: ")
        || u.getUnmatched().isEmpty() || u.getSuggestions().isEmpty()) {
      err.print(text);
      return;
    }
    String typed = u.getUnmatched().get(0);
    java.util.List<String> close = u.getSuggestions().stream()
        .filter(s -> SweepSpec.distance(typed, s) <= Math.max(2, typed.length() / 3))
        .toList();
    if (close.isEmpty()) {
      close = u.getSuggestions().subList(0, 1);
    }
    String prefix = qualifiedName(ex.getCommandLine()) + " ";
    err.println("Did you mean: " + prefix + String.join(" or " + prefix, close) + "?");
  }

  /** Failures while running a command: user errors exit 2, anything else 1, never a stack trace. */
  private static final class ExecutionErrors implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
      PrintWriter err = cmd.getErr();
      int code;
      boolean internal = !(ex instanceof CliException);
      if (!internal) {
        err.println(qualifiedName(cmd) + ": " + oneLine(ex.getMessage()));
        code = ((CliException) ex).exitCode();
      } else {
        err.println(qualifiedName(cmd) + ": internal error: " + oneLine(causes(ex)));
        code = ExitCode.SOFTWARE;
      }
      if (System.getenv("ALRC_DEBUG") != null) {
        ex.printStackTrace(err);
      } else if (internal) {
        err.println("(set ALRC_DEBUG=1 for the stack trace)");
      }
      err.flush();
      return code;
    }
  }

  /**
   * A message on one line, safe to print: line breaks become spaces and other control characters
   * (NUL, ESC, a byte order mark...) escapes ({@link Printable#escape}), since messages quote user
   * input.
   */
  static String oneLine(String message) {
    return message == null
        ? "(no message)"
        : Printable.escape(message.strip().replaceAll("\\s*\\R\\s*", " "));
  }

  /**
   * An unexpected exception with its causes, for the one-line report of an internal error (and
   * so for the {@code failed.txt} of a sweep run): {@code Class: message; caused by Class: message;
   * ...}, at most 5 causes.
   */
  static String causes(Throwable ex) {
    StringBuilder text = new StringBuilder(String.valueOf(ex));
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    seen.add(ex);
    Throwable cause = ex.getCause();
    for (int k = 0; cause != null && seen.add(cause) && k < 5; k++, cause = cause.getCause()) {
      text.append("; caused by ").append(cause);
    }
    return text.toString();
  }

  /** The software version: the jar manifest's {@code Implementation-Version}, else {@code dev}. */
  static String version() {
    String version = AlrcCommand.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /** The version: the jar manifest's {@code Implementation-Version}, else {@code dev}. */
  static final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = AlrcCommand.class.getPackage().getImplementationVersion();
      return new String[] {"alrc " + (version == null ? "dev" : version)};
    }
  }
}
