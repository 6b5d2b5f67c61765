# runrelay image: a build stage with the -dev packages, a runtime stage with only the
# shared libraries the executables load. The base is Debian bookworm, named `bookworm`:
# deploy/image/build-image.sh makes it locally (docs/deployment.md); with a registry,
# `docker build --build-arg BASE=debian:bookworm-slim .` works the same.
ARG BASE=bookworm

FROM ${BASE} AS build
ARG BUILD_JOBS=2
# The package list lives in one place, the script developers run.
COPY deploy/install-deps.sh /src/deploy/install-deps.sh
RUN /src/deploy/install-deps.sh
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null \
 && ninja -C /build -j "${BUILD_JOBS}" runrelay runrelay-sim runrelay-watch \
 && mkdir -p /out/bin \
 && install -s /build/runrelay /build/runrelay-sim /build/runrelay-watch /out/bin/ \
 && /src/deploy/image/runtime-packages.sh /out/bin/* >/out/runtime-packages \
 && cp /src/deploy/image/e2e-check.sh /out/bin/runrelay-e2e-check

FROM ${BASE}
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages \
      apt-get install -y -qq --no-install-recommends >/dev/null \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin runrelay
COPY --from=build /out/bin/ /usr/local/bin/
# Every option is a RUNRELAY_* variable (docs/protocol.md, section 4); RUNRELAY_UPSTREAM
# is required at `run` time. Inside a container the relay must listen beyond loopback.
ENV RUNRELAY_LISTEN=0.0.0.0:8080
USER 10001
EXPOSE 8080
# No curl here: bash (already in the base) speaks enough HTTP/1.0 over /dev/tcp, and the
# port follows RUNRELAY_LISTEN if an operator moves it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${RUNRELAY_LISTEN##*:} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 2 head -1 <&3 | grep -q ' 200'"]
ENTRYPOINT ["runrelay"]
