"""GatewayAPI on a local port, and its signed webhook calls: the dev phone's other provider.

- `FakeGatewayApi` answers POST /rest/mtsms as GatewayAPI does (the API token
  as the Basic username, or `Authorization: Token ...`), shows each message it
  takes, and reports ENROUTE then DELIVERED to the message's callback_url,
  signed as GatewayAPI signs its webhooks. It can take a message but answer
  only after the client has given up, as a slow GatewayAPI does (tests).
- `inbound_message` and `post_signed` make the call GatewayAPI makes to a
  webhook for an SMS a phone sent: JSON, with a JWT (HS256, signed with the
  webhook's secret) of the same message in X-Gwapi-Signature.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from typing import Callable, Iterable

import jwt
import requests
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SEND_PATH = "/rest/mtsms"
WEBHOOK_TIMEOUT = 5  # seconds: GatewayAPI's own limit for a webhook's answer
SIGNATURE_HEADER = "X-Gwapi-Signature"


class _QuietRequestHandler(WSGIRequestHandler):
    # The access log would interleave with the conversation on the phone's screen.
    def log_request(self, *args, **kwargs) -> None:
        pass


def new_gatewayapi_id() -> int:
    """Return an id like GatewayAPI's: a number, never the same in another run."""
    # Random rather than counted from 1: a store that outlives the phone keeps
    # the ids it saw, and an inbound id seen before is taken for a retry.
    return 10**9 + secrets.randbelow(2**53 - 10**9)


def inbound_message(msisdn: str, receiver: str, text: str) -> dict:
    """Return what GatewayAPI posts to a webhook for one SMS from msisdn to receiver."""
    return {"id": new_gatewayapi_id(), "msisdn": int(msisdn.lstrip("+")),
            "receiver": int(receiver.lstrip("+")) if receiver.lstrip("+").isdigit() else receiver,
            "message": text, "senttime": int(time.time()), "webhook_label": "faelles-dev"}


def post_signed(url: str, message: dict, secret: str,
                timeout: float = WEBHOOK_TIMEOUT) -> tuple[int, str]:
    """POST message to url as GatewayAPI does, signed with secret; return the status and body.

    Raises OSError when url cannot be reached or does not answer HTTP.
    """
    token = jwt.encode(message, secret, algorithm="HS256")
    # No redirects: a 301 would turn the POST into a GET and hide a wrong URL.
    response = requests.post(url, data=json.dumps(message).encode("utf-8"), timeout=timeout,
                             allow_redirects=False,
                             headers={"Content-Type": "application/json",
                                      SIGNATURE_HEADER: token})
    return response.status_code, response.text


def _error(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"code": code, "message": message, "variables": []}),
                    status=status, mimetype="application/json")


class FakeGatewayApi:
    """Answer GatewayAPI's POST /rest/mtsms on a local port and report deliveries like it.

    `received` holds each message taken: its GatewayAPI "id", "to" (E.164),
    "body", "sender", "userref", "callback_url", "encoding" and "status", which
    moves on to ENROUTE and DELIVERED. Sending to a number in `blacklisted_numbers`
    fails with GatewayAPI's 0x0215. The first `answer_late` messages are taken at
    once, reported as usual, but answered only when release_answers() is called
    (or at stop()): the client times out first, not knowing the message was taken.
    """

    def __init__(self, token: str, webhook_secret: str, *, host: str = "127.0.0.1",
                 port: int = 0, blacklisted_numbers: Iterable[str] = (),
                 on_message: Callable[[dict], None] | None = None,
                 on_problem: Callable[[str], None] | None = None,
                 report_delay: float = 0.2, answer_late: int = 0):
        self.token = token
        self.webhook_secret = webhook_secret
        self.host = host
        self.port = port
        self.blacklisted_numbers = set(blacklisted_numbers)
        self.on_message = on_message
        self.on_problem = on_problem
        self.report_delay = report_delay
        self.answer_late = answer_late
        self.received: list[dict] = []
        self.problems: list[str] = []
        self._next_id = new_gatewayapi_id()
        self._late_answers = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reports: list[threading.Thread] = []
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL to use in place of https://gatewayapi.eu."""
        if self._server is None:
            raise RuntimeError("FakeGatewayApi is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> FakeGatewayApi:
        """Start serving in a background thread; raise OSError if the port is taken."""
        self._stopping.clear()
        self._server = make_server(self.host, self.port, self._wsgi_app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-gatewayapi", daemon=True)
        self._thread.start()
        return self

    def release_answers(self) -> None:
        """Let the answers held back by answer_late go out (to clients long gone)."""
        self._late_answers.set()

    def stop(self) -> None:
        """Stop serving and wait for the delivery reports in flight."""
        if self._server is None:
            return
        self._stopping.set()
        self._late_answers.set()
        self._server.shutdown()
        self._thread.join()
        with self._lock:
            reports, self._reports = self._reports, []
        for report in reports:
            report.join()
        self._server.server_close()
        self._server = None

    def __enter__(self) -> FakeGatewayApi:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wsgi_app(self, environ, start_response):
        return self._answer(Request(environ))(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.path != SEND_PATH:
            return _error(404, "0x0001", f"Not found: {request.path}")
        if request.method != "POST":
            return _error(405, "0x0003", "Method not allowed")
        if not self._is_authorised(request):
            return _error(401, "0x0229", "Invalid API token")
        try:
            sms = json.loads(request.get_data(as_text=True))
        except ValueError:
            return _error(422, "0x0308", "Invalid json request body")
        return self._take(sms) if isinstance(sms, dict) else _error(
            422, "0x0308", "Send one message, as a JSON object")

    def _is_authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Token "):
            given = header[len("Token "):]
        elif request.authorization is not None and request.authorization.type == "basic":
            given = request.authorization.username or ""
        else:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())

    def _take(self, sms: dict) -> Response:
        body, recipients = sms.get("message"), sms.get("recipients")
        if not isinstance(body, str) or not body:
            return _error(400, "0x0222", "Missing required parameter message")
        if not isinstance(recipients, list) or len(recipients) != 1 \
                or not str((recipients[0] or {}).get("msisdn", "")).isdigit():
            return _error(400, "0x0222", "Missing required parameter recipients")
        to = "+" + str(recipients[0]["msisdn"])
        if to in self.blacklisted_numbers:
            return _error(400, "0x0215", f"MSISDN {to[1:]} blacklisted")
        with self._lock:
            self._next_id += 1
            record = {"id": self._next_id, "to": to, "body": body, "sender": sms.get("sender"),
                      "userref": sms.get("userref"), "callback_url": sms.get("callback_url"),
                      "encoding": sms.get("encoding"), "status": "BUFFERED"}
            self.received.append(record)
            late = len(self.received) <= self.answer_late
        if self.on_message is not None:
            self.on_message(dict(record))
        # Reported whether or not the client hears the answer, as at GatewayAPI.
        self._report_later(record)
        if late:
            self._late_answers.wait()
        return Response(json.dumps({"ids": [record["id"]], "usage": {
            "countries": {"DK": 1}, "currency": "DKK", "total_cost": 0.0}}),
            status=200, mimetype="application/json")

    def _report_later(self, record: dict) -> None:
        report = threading.Thread(target=self._report, args=(record,),
                                  name=f"report-{record['id']}", daemon=True)
        # Started under the lock: stop() takes the list under it and joins each one.
        with self._lock:
            self._reports = [r for r in self._reports if r.is_alive()]
            report.start()
            self._reports.append(report)

    def _report(self, record: dict) -> None:
        for status in ("ENROUTE", "DELIVERED"):
            if self._stopping.wait(self.report_delay):
                return
            with self._lock:
                record["status"] = status
            if record["callback_url"]:
                self._post_report(record, status)

    def _post_report(self, record: dict, status: str) -> None:
        report = {"id": record["id"], "msisdn": int(record["to"][1:]), "time": int(time.time()),
                  "status": status, "error": None, "code": None}
        if record["userref"] is not None:
            report["userref"] = record["userref"]
        url = record["callback_url"]
        try:
            code, _ = post_signed(url, report, self.webhook_secret)
        except (OSError, ValueError) as exc:  # ValueError: not an http(s) URL
            self._tell(f"Delivery report {status} to {url} failed: {exc}")
            return
        if not 200 <= code < 300:
            self._tell(f"Delivery report {status} to {url} answered {code}")

    def _tell(self, problem: str) -> None:
        with self._lock:
            self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)
