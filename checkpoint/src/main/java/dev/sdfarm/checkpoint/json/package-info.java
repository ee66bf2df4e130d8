/**
 * A small strict JSON codec for file headers and reports.
 *
 * <p>{@link dev.sdfarm.checkpoint.json.StrictJson#parse} accepts exactly RFC 8259 JSON in strict UTF-8 and
 * refuses what lenient parsers let through and attackers like to use: duplicate object keys, lone
 * surrogates, nesting deeper than a limit, trailing content other than whitespace. Objects keep their key
 * order. {@link dev.sdfarm.checkpoint.json.JsonWriter} writes compact or indented JSON deterministically.
 */
package dev.sdfarm.checkpoint.json;
