/** The testkit: an Intel-shaped throwaway PKI and a quote forge, for tests and load. */
package dev.dcapd.testkit;
