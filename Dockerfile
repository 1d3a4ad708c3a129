# Container image of migration_exporter: built on Debian bookworm with the same dependency script a
# developer runs (scripts/install-deps.sh), shipped on `scratch` with only what the binary loads:
# its shared libraries (found by ldd), CA certificates, time zones and a passwd entry for its user
# (scripts/container-rootfs.sh lays that out; tests/checks/container_rootfs.sh runs it). No shell.
# Build: scripts/container-build.sh (podman/buildah), or `docker build -t migration_exporter .`;
# multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .` (README, Container image).

ARG BUILD_IMAGE=debian:bookworm
ARG SHELL_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The dependency script alone first, so the package layer is reused while only the sources change.
# ME_DEPS_BUILD_ONLY=1 installs what compiling needs, not the test tools (PostgreSQL, Prometheus, npm).
COPY scripts/install-deps.sh scripts/
COPY scripts/deps/ scripts/deps/
# ca-certificates and tzdata are not build dependencies: the runtime filesystem copies them from here.
RUN ME_DEPS_BUILD_ONLY=1 scripts/install-deps.sh \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
# The build context has no .git: the revision for --version and build_info comes in as an
# argument (declared here, after the package layer, so a new revision does not rebuild that layer).
ARG REVISION=unknown
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF -DME_GIT_REVISION="${REVISION}" \
 && cmake --build /build -j2 \
 && cmake --install /build --prefix /out/usr --strip \
 && /out/usr/bin/migration_exporter --version \
 && scripts/container-rootfs.sh /out/usr/bin/migration_exporter /rootfs

# The same binary and libraries on bookworm-slim, for CI systems that run a job's script with the
# image's own shell (GitLab CI's `script:`, deploy/gate/gitlab-ci.yml): `--target=shell`, tagged
# `…-shell`. The default image (the last stage) has no shell.
FROM ${SHELL_IMAGE} AS shell
COPY --from=build /rootfs/usr/bin/migration_exporter /usr/bin/migration_exporter
COPY --from=build /rootfs/usr/lib/ /usr/lib/
COPY --from=build /rootfs/usr/share/zoneinfo/ /usr/share/zoneinfo/
COPY --from=build /rootfs/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN useradd --uid 10211 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin migration_exporter \
 && /usr/bin/migration_exporter --version
ENV MIGRATION_EXPORTER_DEFAULT_CONFIG=/etc/migration_exporter/config.toml
USER 10211:10211
ENTRYPOINT ["/usr/bin/migration_exporter"]

FROM scratch
COPY --from=build /rootfs/ /
# A config mounted here is used when no --config.file is given (the daemon and `check`); without
# one the exporter reads DATA_SOURCE_NAME / PG* (zero config). No entrypoint script decides it.
ENV MIGRATION_EXPORTER_DEFAULT_CONFIG=/etc/migration_exporter/config.toml

# Labels last: their arguments change every build and would otherwise rebuild the layers above.
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="migration_exporter" \
      org.opencontainers.image.description="Prometheus exporter for PostgreSQL schema migrations: history tables, live migration locks, blocked sessions" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0"

# Numeric user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10211:10211
EXPOSE 10211
# The binary probes itself: GET /healthz on the address PID 1 (the exporter) listens on, over TLS
# when its --web.config.file turns TLS on; /healthz needs no credentials even with basic auth.
# Kubernetes ignores HEALTHCHECK: it has its probes (deploy/kubernetes/).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/bin/migration_exporter", "healthcheck"]
ENTRYPOINT ["/usr/bin/migration_exporter"]
CMD ["--web.listen-address=:10211"]
