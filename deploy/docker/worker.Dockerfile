# The render worker (worker) on the CUDA runtime, with a Temurin 25 JRE taken from its official image.
# From the fast-jar that `./mvnw -pl worker -am package` leaves in worker/target/quarkus-app/.
# Build from the repository root:
#   docker build -f deploy/docker/worker.Dockerfile -t sdfarm/worker .
# The node needs the NVIDIA driver and container toolkit (or the GPU operator); CUDA_IMAGE picks the runtime.
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-runtime-ubuntu24.04
FROM eclipse-temurin:25-jre AS jre

FROM ${CUDA_IMAGE}
ENV JAVA_HOME=/opt/java/openjdk \
    LANG=C.UTF-8
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk

RUN groupadd --system --gid 10001 sdfarm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sdfarm \
 && mkdir -p /var/cache/sdfarm && chown 10001:10001 /var/cache/sdfarm

WORKDIR /deployments
COPY --chown=10001:10001 worker/target/quarkus-app/lib/ /deployments/lib/
COPY --chown=10001:10001 worker/target/quarkus-app/quarkus-run.jar /deployments/quarkus-run.jar
COPY --chown=10001:10001 worker/target/quarkus-app/app/ /deployments/app/
COPY --chown=10001:10001 worker/target/quarkus-app/quarkus/ /deployments/quarkus/

USER 10001:10001
ENV JAVA_OPTS="-XX:+ExitOnOutOfMemoryError --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp" \
    JAVA_OPTS_APPEND="" \
    SDFARM_WORKER_PORT=8081 \
    SDFARM_WORKER_CACHE_DIR=/var/cache/sdfarm \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 8081
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar \"$@\"", "--"]
