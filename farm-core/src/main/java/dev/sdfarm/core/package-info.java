/** The farm's shared contract. */
package dev.sdfarm.core;
