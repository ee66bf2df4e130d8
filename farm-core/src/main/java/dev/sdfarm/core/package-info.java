/**
 * The farm's shared contract between services: topic names now; job and message records and the object
 * store as the gateway and workers land. Services depend on this module, never on each other.
 */
package dev.sdfarm.core;
