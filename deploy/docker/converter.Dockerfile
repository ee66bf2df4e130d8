# The converter (converter-job): a Quarkus command-mode app; the container's arguments are its command line,
# e.g. `request-bulk --gateway http://sdfarm-gateway:8080 ...` or `convert IN -o OUT ...`.
# From the fast-jar that `./mvnw -pl converter-job -am package` leaves in converter-job/target/quarkus-app/.
# Build from the repository root:
#   docker build -f deploy/docker/converter.Dockerfile -t sdfarm/converter .
FROM eclipse-temurin:25-jre

RUN groupadd --system --gid 10001 sdfarm \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sdfarm

WORKDIR /deployments
COPY --chown=10001:10001 converter-job/target/quarkus-app/lib/ /deployments/lib/
COPY --chown=10001:10001 converter-job/target/quarkus-app/quarkus-run.jar /deployments/quarkus-run.jar
COPY --chown=10001:10001 converter-job/target/quarkus-app/app/ /deployments/app/
COPY --chown=10001:10001 converter-job/target/quarkus-app/quarkus/ /deployments/quarkus/

USER 10001:10001
# The Vector API is an incubator module: the casts and kernels need it on the module path.
ENV JAVA_OPTS="-XX:+ExitOnOutOfMemoryError --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir=/tmp" \
    JAVA_OPTS_APPEND=""
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar \"$@\"", "--"]
