# Container image of migration_exporter: built on Debian bookworm with the same dependency script a
# developer runs (scripts/install-deps.sh), shipped on bookworm-slim with only the runtime libraries.
# Build: scripts/container-build.sh (podman/buildah), or `docker build -t migration_exporter .`.

ARG BUILD_IMAGE=debian:bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The dependency script alone first, so the package layer is reused while only the sources change.
# ME_DEPS_BUILD_ONLY=1 installs what compiling needs, not the test tools (PostgreSQL, Prometheus, npm).
COPY scripts/install-deps.sh scripts/
COPY scripts/deps/ scripts/deps/
RUN ME_DEPS_BUILD_ONLY=1 scripts/install-deps.sh \
 && rm -rf /var/lib/apt/lists/*
# The build context has no .git: the revision for --version and build_info comes in as an
# argument (declared here, after the package layer, so a new revision does not rebuild that layer).
ARG REVISION=unknown
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DME_TESTS=OFF -DME_GIT_REVISION="${REVISION}" \
 && cmake --build /build -j2 \
 && cmake --install /build --prefix /out/usr --strip \
 && /out/usr/bin/migration_exporter --version

FROM ${RUNTIME_IMAGE}
# Only the shared libraries the binary links (libfmt9, libssl3 & co. come in as their dependencies),
# and tzdata: --check-config validates time_zone against /usr/share/zoneinfo.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpq5 libprometheus-cpp-core1.0 libspdlog1.10 libtomlplusplus3 libyaml-cpp0.7 zlib1g libssl3 libcrypt1 \
      tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
 && useradd --uid 10211 --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin migration_exporter \
 && mkdir -p /etc/migration_exporter

COPY --from=build /out/usr/bin/migration_exporter /usr/bin/migration_exporter
COPY deploy/container/entrypoint.sh /usr/local/bin/migration_exporter-entrypoint
COPY deploy/container/healthcheck.sh /usr/local/bin/migration_exporter-healthcheck
# Fail the build, not the first start, when a runtime library is missing.
RUN ! ldd /usr/bin/migration_exporter | grep -F 'not found' \
 && /usr/bin/migration_exporter --version

# Labels last: their arguments change every build and would otherwise rebuild the layers above.
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="migration_exporter" \
      org.opencontainers.image.description="Prometheus exporter for PostgreSQL schema migrations: history tables, live migration locks, blocked sessions" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="debian:bookworm-slim"

# Numeric user, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10211:10211
EXPOSE 10211
# Bash's /dev/tcp instead of curl: the slim image has no HTTP client, and curl would add 7 packages
# (2.9 MB) to install and patch for one probe. Plain HTTP only: with TLS on the endpoint
# (--web.config.file) override or disable this (Kubernetes ignores HEALTHCHECK: it has its probes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/migration_exporter-healthcheck"]
# A config mounted at /etc/migration_exporter/config.toml is used when no --config.file is given;
# without one the exporter reads DATA_SOURCE_NAME / PG* (zero config). CMD holds overridable flags.
ENTRYPOINT ["/usr/local/bin/migration_exporter-entrypoint"]
CMD ["--web.listen-address=:10211"]
