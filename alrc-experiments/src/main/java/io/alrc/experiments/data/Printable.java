package io.alrc.experiments.data;

/**
 * Makes text from users and files safe to quote in a one-line message: control characters and
 * invisible format characters are written as escapes instead of being echoed raw, so a NUL, an
 * ESC (which would start a terminal escape sequence), a line break or a byte order mark in a file
 * name or a token shows up as {@code \u0000}, {@code \u001B}, {@code \n} or {@code \uFEFF}.
 *
 * <p>Escaped: tab, line feed and carriage return as {@code \t}, {@code \n}, {@code \r}; every other
 * character of the Unicode categories Cc (controls: C0, DEL, C1), Cf (format: byte order mark,
 * zero-width and bidirectional controls), Zl and Zp (line and paragraph separators), Cs (a lone
 * surrogate) and Cn (unassigned) as {@code \}{@code uXXXX}; a backslash stays as it is. Everything
 * else, accented letters and other scripts included, is kept.
 *
 * <p>Stateless and thread-safe.
 */
public final class Printable {
  private Printable() {}

  /**
   * The text with its control and format characters escaped (see the class comment).
   *
   * @param text any text; null gives {@code "null"}
   * @return the text, unchanged if it holds nothing to escape
   */
  public static String escape(CharSequence text) {
    if (text == null) {
      return "null";
    }
    int n = text.length();
    int first = 0;
    while (first < n && !needsEscape(text, first)) {
      first += width(text, first);
    }
    if (first == n) {
      return text.toString();
    }
    StringBuilder out = new StringBuilder(n + 16);
    out.append(text, 0, first);
    for (int i = first; i < n; ) {
      char c = text.charAt(i);
      if (!needsEscape(text, i)) {
        int w = width(text, i);
        out.append(text, i, i + w);
        i += w;
        continue;
      }
      switch (c) {
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
      }
      i++;
    }
    return out.toString();
  }

  /** 2 for a valid surrogate pair at {@code i}, else 1. */
  private static int width(CharSequence text, int i) {
    return Character.isHighSurrogate(text.charAt(i))
            && i + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(i + 1))
        ? 2
        : 1;
  }

  /** Whether the character at {@code i} (a whole code point if it starts a valid pair) is escaped. */
  private static boolean needsEscape(CharSequence text, int i) {
    char c = text.charAt(i);
    if (c >= 0x20 && c < 0x7F) {
      return false; // printable ASCII: the common case
    }
    if (Character.isHighSurrogate(c)) {
      if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        int type = Character.getType(Character.toCodePoint(c, text.charAt(i + 1)));
        return type == Character.UNASSIGNED || type == Character.FORMAT;
      }
      return true; // a lone high surrogate
    }
    int type = Character.getType(c);
    return type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE
        || type == Character.UNASSIGNED;
  }
}
