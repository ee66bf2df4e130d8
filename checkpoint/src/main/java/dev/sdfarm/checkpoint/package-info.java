/** Checkpoints. */
package dev.sdfarm.checkpoint;
