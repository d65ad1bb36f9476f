/** The paper's experiments: data sets, networks, training runs and reports. */
package io.alrc.experiments;
