# paasrun container image (docs/container.md).
#
#   podman build --format docker -t paasrun-guestbook .                  # the example app
#   podman build --format docker --build-arg APP=path/in/context -t my-app .
#   podman build --format docker --target onbuild -t paasrun:onbuild .  # base for your apps
#
# Stages:
#   build    compiles paasrun with the Debian packages scripts/bootstrap uses (build subset)
#   runtime  Debian slim + python3/venv/pip + the shared libraries paasrun links, paasrun and
#            its bundled buildpacks, a non-root user; ENTRYPOINT paasrun start. No app.
#   onbuild  runtime + ONBUILD: `FROM paasrun:onbuild` alone builds the app in `.` (a
#            one-line Dockerfile for users)
#   app      (default) runtime + APP built into a release at image build time, so a container
#            starts without network and without building
#
# `--format docker` keeps HEALTHCHECK and ONBUILD, which the OCI image format has no field for.

ARG BASE=docker.io/library/debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${BASE} AS build
# The build subset of scripts/bootstrap's package list (tests/integration/test_container.py
# checks that every name here is also in bootstrap, so the two cannot drift apart).
ARG BUILD_PACKAGES="g++ cmake ninja-build pkg-config ccache libboost-dev \
  libcpp-httplib-dev libyaml-cpp-dev libfmt-dev nlohmann-json3-dev libcli11-dev catch2 \
  libpython3-dev python3 libbrotli-dev nodejs npm"
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${BUILD_PACKAGES} >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the compile needs, so editing tests, docs or examples reuses this layer.
# (CMakeLists.txt builds the Catch2 main unconditionally; the unit test sources are not needed.)
COPY CMakeLists.txt ./
COPY cmake cmake
COPY tests/unit/catch_main.cpp tests/unit/catch_main.cpp
COPY src src
# The ccache cache mount survives between image builds, so a rebuild after a small source
# change recompiles only the unity batches holding changed files (docs/building.md). CCACHE_DIR
# may name another cache instead: scripts/container-test mounts the host's (podman build -v)
# there. The host's objects are rarely reused: a unity batch names its files by absolute path,
# and the host builds RelWithDebInfo; the image's Release compile from scratch takes minutes.
ARG CCACHE_DIR=/root/.cache/ccache
# The dashboard's npm packages (`npm ci --prefer-offline` with the committed lockfile) come
# from the npm cache when it has them: a cache mount, or the host's cache that
# scripts/container-test lends (npm_config_cache), so a rebuild needs no registry.
ARG npm_config_cache=/root/.npm
# No precompiled header (docs/building.md): its .gch differs between two builds, so every object
# that includes it would miss in ccache.
RUN --mount=type=cache,target=/root/.cache/ccache --mount=type=cache,target=/root/.npm \
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAASRUN_PCH=OFF >/dev/null \
 && cmake --build build --target paasrun paasrun-worker paasrun-arbiter -- -j"$(nproc)" \
 && install -D -s -m 0755 build/paasrun /out/usr/local/bin/paasrun \
 && install -D -s -m 0755 build/paasrun-worker /out/usr/local/bin/paasrun-worker \
 && install -D -s -m 0755 build/paasrun-arbiter /out/usr/local/bin/paasrun-arbiter
COPY buildpacks /out/usr/local/share/paasrun/buildpacks

# ---------------------------------------------------------------------------------------------
FROM ${BASE} AS runtime
# python3 + python3-venv: the interpreter paasrun embeds (libpython3.11 must match it) and the
# app's virtualenv. python3-pip: the bundled buildpack runs the system pip, for builds done in
# the container (admin API deploys). The rest: the shared libraries `paasrun` links (ldd):
# yaml-cpp, fmt, cpp-httplib (a shared library in Debian), OpenSSL (httplib's https client),
# brotli's encoder (Boost is header-only here); zlib, expat (with python3) and libstdc++ come
# with the base. tests/integration/test_container.py checks this list against `ldd paasrun`.
ARG RUNTIME_PACKAGES="python3 python3-venv python3-pip libpython3.11 \
  libyaml-cpp0.7 libfmt9 libcpp-httplib0.11 libssl3 libbrotli1"
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${RUNTIME_PACKAGES} >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 paasrun \
 && useradd --system --uid 10001 --gid paasrun --home-dir /app --shell /usr/sbin/nologin paasrun \
 && install -d -o paasrun -g paasrun -m 0755 /app \
 && install -d -o paasrun -g paasrun -m 0700 /data
COPY --from=build /out/ /
# The process environment is the highest env layer (docs/configuration.md): these are
# defaults a `run -e` or a Kubernetes env entry replaces.
#   PORT          base port; web.1 listens on it (foreman's port rule, docs/supervisor.md)
#   ADMIN_PORT    the admin API and /livez /readyz /startupz, on 127.0.0.1 (admin.bind)
#   PAASRUN_STATE releases, slugs and the admin token; a volume here keeps deploys
#   PAASRUN_DATA_DIR the app's persistent data (docs/storage.md), given to every process
ENV PORT=5000 \
    ADMIN_PORT=5900 \
    PAASRUN_STATE=/app/.paasrun \
    PAASRUN_DATA_DIR=/data \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
VOLUME /data
USER paasrun
EXPOSE 5000
# paasrun start is PID 1: it reaps orphans, and on SIGTERM turns readiness off, waits
# deploy.shutdown_delay, drains, and exits 0 within grace_period (137 if it had to SIGKILL).
STOPSIGNAL SIGTERM
# Shell form, so ADMIN_PORT is read when the check runs (`-e ADMIN_PORT=...` moves it).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD paasrun healthcheck --quiet --timeout 2 "http://127.0.0.1:${ADMIN_PORT}/readyz"
ENTRYPOINT ["paasrun", "start"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS onbuild
# Users' images: a Dockerfile holding only `FROM paasrun:onbuild` builds the app in its
# context into a release at image build time.
# HEALTHCHECK repeated from `runtime` for the same buildah reason as in `app` below.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD paasrun healthcheck --quiet --timeout 2 "http://127.0.0.1:${ADMIN_PORT}/readyz"
ONBUILD COPY --chown=paasrun:paasrun . /app
ONBUILD RUN paasrun build /app

# ---------------------------------------------------------------------------------------------
FROM runtime AS app
# APP: the app directory inside the build context. The slug's virtualenv holds absolute paths,
# so it is built at the path it runs from (/app, state in $PAASRUN_STATE), never moved.
ARG APP=examples/guestbook
COPY --chown=paasrun:paasrun ${APP} /app
RUN paasrun build /app
# Repeated from `runtime`: buildah (podman build) does not carry HEALTHCHECK over from an
# earlier stage of the same build, so without this line the final image would have none.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD paasrun healthcheck --quiet --timeout 2 "http://127.0.0.1:${ADMIN_PORT}/readyz"
