package io.alrc.experiments.sweep;

import io.alrc.experiments.run.RunFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every sweep executor does with a run directory, whatever runs the training (a child JVM in
 * {@link SweepRunner}, a Spark task in {@code alrc-spark}): the {@code alrc train} arguments that
 * start or resume a run, the header line of each attempt in {@code log.txt}, and the record of a
 * failure in {@code failed.txt}. Which runs to skip, resume or start is {@link SweepRunner#plan}.
 *
 * <p>Stateless; the methods touch only the run directory they are given.
 */
public final class SweepRuns {
  /** Each run's captured output, appended to by every attempt. */
  public static final String LOG = "log.txt";

  /** Written when a run fails: exit code, reason, command, the end of its log. */
  public static final String FAILED = "failed.txt";

  /** Lines of the log copied into {@code failed.txt}. */
  public static final int TAIL_LINES = 20;

  /** Lines of the log searched for the reason of a failure (a stack trace may come after it). */
  private static final int REASON_LINES = 400;

  /** What {@code alrc} prints after an internal error when {@code ALRC_DEBUG} is not set. */
  static final String DEBUG_HINT = "(set ALRC_DEBUG=1 for the stack trace)";

  private static final Pattern STEP = Pattern.compile("step (\\d+)/(\\d+)");

  private SweepRuns() {}

  /**
   * Whether an attempt on {@code dir} resumes the run: its directory holds {@code config.json}
   * (the run started before). Decided when the attempt starts, so that a retried attempt resumes
   * what an earlier attempt began.
   */
  public static boolean resumes(Path dir) {
    return Files.isRegularFile(new RunFiles(dir).config());
  }

  /**
   * The arguments of {@code alrc} for one attempt, subcommand included: {@code train --resume DIR}
   * if the run started before, else {@code train ARGS --out DIR}.
   */
  public static List<String> trainArguments(SweepRun run, Path dir) {
    return trainArguments(run.args(), dir);
  }

  /** As {@link #trainArguments(SweepRun, Path)}, from the run's {@code train} arguments. */
  public static List<String> trainArguments(List<String> runArgs, Path dir) {
    List<String> args = new ArrayList<>();
    args.add("train");
    if (resumes(dir)) {
      args.add("--resume");
      args.add(dir.toString());
    } else {
      args.addAll(runArgs);
      args.add("--out");
      args.add(dir.toString());
    }
    return args;
  }

  /**
   * Prepares an attempt: creates the directory, removes an earlier {@code failed.txt} and appends
   * {@code == alrc sweep TIME: start|resume: COMMAND} to the log.
   *
   * @param where how the attempt runs, added after the time (e.g. {@code spark task 3 attempt 0});
   *     empty for none
   */
  public static void beginAttempt(Path dir, boolean resume, String where, List<String> command)
      throws IOException {
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(FAILED));
    Files.writeString(dir.resolve(LOG),
        "== alrc sweep " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
            + (where.isEmpty() ? "" : " (" + where + ")") + ": "
            + (resume ? "resume" : "start") + ": " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Writes {@code failed.txt}: exit code, reason, command and the last {@link #TAIL_LINES} lines of
   * the log.
   *
   * @param exit the exit code, or -1 if there was none
   * @return {@code detail}, with a note appended if {@code failed.txt} could not be written
   */
  public static String recordFailure(Path dir, int exit, String detail, List<String> command) {
    StringBuilder text = new StringBuilder();
    text.append("exit code ").append(exit).append('\n');
    text.append("reason: ").append(detail).append('\n');
    text.append("command: ").append(String.join(" ", command)).append('\n');
    text.append("last lines of ").append(LOG).append(":\n");
    for (String line : tail(dir.resolve(LOG), TAIL_LINES)) {
      text.append(line).append('\n');
    }
    try {
      Files.createDirectories(dir);
      RunFiles.writeText(dir.resolve(FAILED), text.toString());
      return detail;
    } catch (IOException e) {
      return detail + " (and " + FAILED + " could not be written: " + e.getMessage() + ")";
    }
  }

  /**
   * Why a run failed, as its log tells: the last error line of {@code alrc} ({@code alrc train:
   * ...}; for an internal error it names the exception class, its message and its causes' messages),
   * else the last non-blank line that is not the hint to set {@code ALRC_DEBUG}, or "(empty log)".
   * Lines of a stack trace ({@code ALRC_DEBUG} set) are passed over.
   */
  public static String lastLine(Path log) {
    List<String> lines = tail(log, REASON_LINES);
    String fallback = null;
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.equals(DEBUG_HINT) || isStackTraceLine(line)) {
        continue;
      }
      if (line.startsWith("alrc ") && line.contains(": ")) {
        return line;
      }
      if (fallback == null) {
        fallback = line;
      }
    }
    return fallback != null ? fallback : "(empty log)";
  }

  private static boolean isStackTraceLine(String line) {
    return line.startsWith("at ") || line.startsWith("... ") || line.startsWith("Caused by: ")
        || line.startsWith("Suppressed: ");
  }

  /**
   * Tidies the run directories before a sweep runs them: deletes the temporary files a killed run
   * left ({@link io.alrc.experiments.run.RunFiles#removeStaleTemporaryFiles()}), and the {@code
   * failed.txt} of runs that have finished since (a finished run has not failed). Call it only while
   * holding the sweep's {@link SweepLock}.
   *
   * @param plans the sweep's runs
   * @throws IOException if a directory cannot be listed or a file deleted
   */
  public static void tidy(List<SweepRunner.Plan> plans) throws IOException {
    for (SweepRunner.Plan plan : plans) {
      RunFiles files = new RunFiles(plan.dir());
      files.removeStaleTemporaryFiles();
      if (files.finished()) {
        Files.deleteIfExists(plan.dir().resolve(FAILED));
      }
    }
  }

  /** The last {@code n} lines of a text file (reading at most its last 64 KiB); empty if absent. */
  public static List<String> tail(Path file, int n) {
    String text = tailText(file, 1 << 16);
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n|\r", -1)));
    if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  private static String tailText(Path file, int bytes) {
    if (!Files.isRegularFile(file)) {
      return "";
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long length = f.length();
      long from = Math.max(0, length - bytes);
      byte[] buf = new byte[(int) (length - from)];
      f.seek(from);
      f.readFully(buf);
      String text = new String(buf, StandardCharsets.UTF_8);
      if (from > 0) {
        int nl = text.indexOf('\n');
        text = nl < 0 ? "" : text.substring(nl + 1); // drop the partial first line
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code step S/T} a run's progress printed to its log, or 0. */
  public static long reportedStep(Path dir) {
    String text;
    try {
      text = tailText(dir.resolve(LOG), 4096);
    } catch (UncheckedIOException e) {
      return 0;
    }
    Matcher m = STEP.matcher(text);
    long step = 0;
    while (m.find()) {
      step = Long.parseLong(m.group(1));
    }
    return step;
  }

  /** Rows of a metrics file (lines after the header), 0 if absent. */
  public static long loggedSteps(Path metrics) {
    if (!Files.isRegularFile(metrics)) {
      return 0;
    }
    long lines = 0;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(metrics)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            lines++;
          }
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return Math.max(0, lines - 1);
  }
}
