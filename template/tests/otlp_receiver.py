"""A real OTLP/HTTP receiver for the tests: a local HTTP server that decodes the spans the
service's processes export to `/v1/traces`, as a collector would."""

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SERVER_SPAN, CONSUMER_SPAN = 2, 5  # OTLP's SpanKind values


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    kind: int
    attributes: dict[str, Any]
    service: str

    @property
    def is_statement(self) -> bool:
        return "db.system" in self.attributes or "db.system.name" in self.attributes


class Receiver:
    def __init__(self) -> None:
        self._server = HTTPServer(threaded=True)
        self._lock = threading.Lock()
        self._spans: list[Span] = []

    def start(self) -> None:
        self._server.expect_request("/v1/traces", method="POST").respond_with_handler(self._receive)
        self._server.start()

    @property
    def endpoint(self) -> str:
        """What `OTEL_EXPORTER_OTLP_ENDPOINT` names."""
        return self._server.url_for("/").rstrip("/")

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    @property
    def spans(self) -> list[Span]:
        with self._lock:
            return list(self._spans)

    def trace_of(self, first: Callable[[Span], bool]) -> list[Span]:
        """Every span of the trace of the first span `first` accepts."""
        spans = self.spans
        found = next(span for span in spans if first(span))
        return [span for span in spans if span.trace_id == found.trace_id]

    def wait_for(self, wanted: Callable[[Span], bool], seconds: float = 30.0) -> Span:
        """The first span `wanted` accepts, once it has arrived (bounded)."""
        deadline = time.monotonic() + seconds
        while True:
            found = [span for span in self.spans if wanted(span)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                names = sorted({span.name for span in self.spans})
                raise AssertionError(f"no such span arrived; these did: {names}")
            time.sleep(0.05)

    def _receive(self, request: Request) -> Response:
        body = request.get_data()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in export.resource_spans:
            resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                received += [
                    Span(
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                        span.name,
                        span.kind,
                        {a.key: _value(a.value) for a in span.attributes},
                        str(resource["service.name"]),
                    )
                    for span in scope_spans.spans
                ]
        with self._lock:
            self._spans += received
        return Response(b"", content_type="application/x-protobuf")


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None
