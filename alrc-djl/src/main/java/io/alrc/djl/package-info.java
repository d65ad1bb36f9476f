/** ALRC and the peer gradient stabilizers inside DJL training loops. */
package io.alrc.djl;
