# The API gateway (api-gateway), from the Quarkus fast-jar that `./mvnw -pl api-gateway -am package` leaves in
# api-gateway/target/quarkus-app/. Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t sdfarm/gateway .
FROM eclipse-temurin:25-jre

RUN groupadd --system --gid 10001 sdfarm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sdfarm

WORKDIR /deployments
# Dependencies first: they change less often than the application, so the layers are reused.
COPY --chown=10001:10001 api-gateway/target/quarkus-app/lib/ /deployments/lib/
COPY --chown=10001:10001 api-gateway/target/quarkus-app/quarkus-run.jar /deployments/quarkus-run.jar
COPY --chown=10001:10001 api-gateway/target/quarkus-app/app/ /deployments/app/
COPY --chown=10001:10001 api-gateway/target/quarkus-app/quarkus/ /deployments/quarkus/

USER 10001:10001
ENV JAVA_OPTS="-XX:+ExitOnOutOfMemoryError --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp" \
    JAVA_OPTS_APPEND="" \
    SDFARM_GATEWAY_PORT=8080
EXPOSE 8080 7860
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar \"$@\"", "--"]
