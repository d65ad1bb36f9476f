/** Per-step measurements that every stabilizer returns, in one shared record shape. */
package io.alrc.telemetry;
