/** The in-TEE sidecar: guest-agent clients, the app key binding, the local API and the simulator. */
package dev.dcapd.sidecar;
