/**
 * The simulated guest agent behind {@code dcap-sidecar --simulate}: dstack and tappd APIs whose
 * quotes are minted by the testkit. Kept out of the sidecar module so that the sidecar's image
 * carries no throwaway PKI; found by the sidecar through {@link dev.dcapd.sidecar.AgentSimulator}.
 */
package dev.dcapd.sidecar.sim;
