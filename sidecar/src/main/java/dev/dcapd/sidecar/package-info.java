/** The in-TEE sidecar: guest-agent clients, the app key binding and the local API (the simulator is sidecar-sim's). */
package dev.dcapd.sidecar;
