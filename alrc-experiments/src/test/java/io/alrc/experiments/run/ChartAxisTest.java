package io.alrc.experiments.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/** The y axes of the learning-curve charts: linear for a small range, labelled log ticks else. */
class ChartAxisTest {
  @Test
  void aSmallRangeIsLinear() {
    Report.YAxis axis = Report.yAxis(2.9, 6.0, 430, 23);
    assertThat(axis.log()).isFalse();
    assertThat(axis.min()).isLessThan(2.9);
    assertThat(axis.marks()).as("the marker row between the axis bottom and the curves")
        .isBetween(axis.min(), 2.9);
  }

  @Test
  void aDecadeAndAHalfGetsOneTwoThreeFiveLabels() {
    // 3 to 40: 1.1 decades, 1.26 with the margins, 341 pixels a decade: 1-2-3-5 (0.176 decade =
    // 60 pixels apart; 1..9 would be 0.046 decade = 16 pixels apart, less than 23)
    Report.YAxis axis = Report.yAxis(3, 40, 430, 23);
    assertThat(axis.log()).isTrue();
    assertThat(axis.labels()).containsExactly(3.0, 5.0, 10.0, 20.0, 30.0);
  }

  @Test
  void aFactorOfFourGetsEveryMultiple() {
    // the axis starts a tenth of the range (in decades) below 2.2: at 1.91
    Report.YAxis axis = Report.yAxis(2.2, 9.1, 430, 23);
    assertThat(axis.log()).isTrue();
    assertThat(axis.labels()).containsExactly(2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
  }

  @Test
  void threeDecadesGetOneTwoFive() {
    // 3.2 decades, the axis from 0.0096 to 40.4: 119 pixels a decade, 1-2-5 (0.301 decade = 36
    // pixels apart; 1-2-3-5 would be 0.176 decade = 21 pixels, less than 23)
    Report.YAxis axis = Report.yAxis(0.02, 30, 430, 23);
    assertThat(axis.labels()).containsExactly(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0);
  }

  @Property
  void logAxesHaveTwoOrMoreLabelsInsideAndApart(
      @ForAll @DoubleRange(min = -8, max = 8) double logLo,
      @ForAll @DoubleRange(min = 0.48, max = 3.5) double decades) {
    double lo = Math.pow(10, logLo);
    double hi = lo * Math.pow(10, decades);
    Report.YAxis axis = Report.yAxis(lo, hi, 430, 23);
    assertThat(axis.log()).isTrue();
    List<Double> labels = axis.labels();
    assertThat(labels.size()).as("labels of %s to %s", lo, hi).isGreaterThanOrEqualTo(2);
    double perDecade = 430 / Math.log10(axis.max() / axis.min());
    for (int i = 0; i < labels.size(); i++) {
      assertThat(labels.get(i)).isBetween(axis.min(), axis.max());
      if (i > 0) {
        assertThat(Math.log10(labels.get(i) / labels.get(i - 1)) * perDecade).isGreaterThanOrEqualTo(23 * 0.999);
      }
    }
    assertThat(axis.marks()).isBetween(axis.min(), lo);
  }

  @Test
  void tickLabelsUseFewDigits() {
    assertThat(Report.tickLabel(0.3)).isEqualTo("0.3");
    assertThat(Report.tickLabel(20)).isEqualTo("20");
    assertThat(Report.tickLabel(5000)).isEqualTo("5000");
    assertThat(Report.tickLabel(2e-5)).isEqualTo("2e-05");
    assertThat(Report.tickLabel(3e7)).isEqualTo("3e07");
  }
}
