/** The {@code alrc} command-line tool. */
package io.alrc.cli;
