# syntax=docker/dockerfile:1
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gatehouse ./cmd/gatehouse \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /usr/local/bin/gatehouse
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV GATEHOUSE_ADDR=0.0.0.0:8080 GATEHOUSE_DATA_DIR=/data
USER nonroot:nonroot
# 8080: the console (GATEHOUSE_ADDR); 9090: metrics when GATEHOUSE_METRICS_ADDR is set.
EXPOSE 8080 9090
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s CMD ["/usr/local/bin/gatehouse", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/gatehouse"]
CMD ["serve"]
