/**
 * Embedded infrastructure for one machine: {@link dev.sdfarm.local.LocalPostgres} (zonky PostgreSQL, persistent or
 * ephemeral), {@link dev.sdfarm.local.LocalKafka} (a single-node KRaft broker in a child JVM),
 * {@link dev.sdfarm.local.LocalInfra} (both under one home folder) and {@link dev.sdfarm.local.KafkaTestBroker}
 * (an in-process broker for the services' tests).
 */
package dev.sdfarm.local;
