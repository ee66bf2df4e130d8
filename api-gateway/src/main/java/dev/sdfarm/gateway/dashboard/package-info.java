/**
 * The operator dashboard: its API under {@code /v1/dashboard} (overview and its live stream, every tenant's
 * jobs, the gallery, dead-letter records and their requeueing; operator or admin role) and the static page at
 * {@code /dashboard/} ({@code META-INF/resources/dashboard}) that reads it with the operator's key.
 */
package dev.sdfarm.gateway.dashboard;
