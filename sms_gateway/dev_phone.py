"""A terminal phone that texts the gateway as Twilio (or GatewayAPI) would, and shows the replies.

Two halves, so a person can try the whole SMS side without a Twilio account:

- each line typed is POSTed to the gateway's webhook, signed like Twilio signs
  it, and the TwiML reply is printed;
- `FakeTwilioApi` answers Twilio's Messages API on a local port, so the outbox
  worker, using the real twilio client pointed at it with
  FAELLES_TWILIO_API_URL, delivers to this screen and gets status callbacks.
  It also lists messages as Twilio does, and can take a message but answer
  only after the client has given up, as a slow Twilio does (tests).

With provider "gatewayapi" both halves speak GatewayAPI instead (its webhook
calls, signed with a JWT, and a fake /rest/mtsms: sms_gateway/fake_gatewayapi.py);
the reply then comes through the outbox, not in the webhook's answer.
"""

from __future__ import annotations

import hmac
import json
import sys
import threading
import uuid
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.client import HTTPException
from typing import Callable, Iterable, TextIO
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPRedirectHandler, Request as UrlRequest, build_opener
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from shared.errors import InvalidPhoneNumber
from shared.phones import normalise_phone
from shared.settings import Settings
from shared.sms_text import MAX_INBOUND_CHARS, measure
from sms_gateway.fake_gatewayapi import FakeGatewayApi, inbound_message, post_signed

API_VERSION = "2010-04-01"
WEBHOOK_TIMEOUT = 15  # seconds: Twilio's own read timeout for webhooks
# The arrow says who wrote it: the replies name Fælles themselves where they need to.
SERVICE_LABEL = "← "
SENT_LABEL = "→ "
QUIT = "/quit"

_ROUTES = Map([Rule(f"/{API_VERSION}/Accounts/<account_sid>/Messages.json",
                    endpoint="messages", methods=["GET", "POST"])])
LIST_PAGE_SIZE = 50


def new_message_sid() -> str:
    """Return a fresh Twilio-style message sid: SM and 32 hex digits."""
    return "SM" + uuid.uuid4().hex


def inbound_params(from_: str, to: str, body: str, account_sid: str) -> dict[str, str]:
    """Return the form parameters Twilio POSTs to a webhook for one inbound SMS."""
    return {
        "MessageSid": new_message_sid(),
        "AccountSid": account_sid,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": str(measure(body).segments),
        "ApiVersion": API_VERSION,
    }


class _RefuseRedirects(HTTPRedirectHandler):
    # urllib would follow a 301/302 by turning the POST into a bodyless GET;
    # showing the 3xx tells the developer their URL is wrong instead.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = build_opener(_RefuseRedirects)


def sign_and_post(url: str, params: dict[str, str], auth_token: str,
                  timeout: float = WEBHOOK_TIMEOUT) -> tuple[int, str]:
    """POST params to url signed as Twilio signs them; return the status and body.

    Raises OSError when url cannot be reached or does not answer HTTP.
    """
    signature = RequestValidator(auth_token).compute_signature(url, params)
    request = UrlRequest(url, data=urlencode(params).encode("utf-8"), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
        "User-Agent": "TwilioProxy/1.1",
    })
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, _decode(response.read(), response.headers)
    except HTTPError as error:
        try:
            return error.code, _decode(error.read(), error.headers)
        finally:
            error.close()
    except HTTPException as exc:  # e.g. BadStatusLine: something that is not HTTP
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc


def _decode(data: bytes, headers) -> str:
    return data.decode(headers.get_content_charset() or "utf-8", errors="replace")


def twiml_messages(xml_text: str) -> list[str]:
    """Return the bodies of the <Message> verbs in a TwiML document; raise ValueError if it is not TwiML."""
    if not xml_text.strip():
        return []  # Twilio accepts an empty 200 as "no reply"
    try:
        root = ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as exc:
        raise ValueError(f"Not XML: {exc}") from exc
    if root.tag != "Response":
        raise ValueError(f"TwiML starts with <Response>, not <{root.tag}>")
    bodies = []
    for message in root.findall("Message"):
        # <Message>text</Message>, or <Message><Body>text</Body><Media>…</Media></Message>
        body = message.find("Body")
        bodies.append((body.text if body is not None else message.text) or "")
    return bodies


class _QuietRequestHandler(WSGIRequestHandler):
    # The access log would interleave with the conversation on the phone's
    # terminal; errors are still logged by werkzeug.
    def log_request(self, *args, **kwargs) -> None:
        pass


def _twilio_error(status: int, code: int, message: str, **headers: str) -> Response:
    payload = {"code": code, "message": message,
               "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return Response(json.dumps(payload), status=status, headers=headers,
                    mimetype="application/json")


class FakeTwilioApi:
    """Answer Twilio's Messages API on a local port and send status callbacks like Twilio.

    `received` holds each accepted message as the JSON resource returned, plus
    "status_callback"; its "status" moves on to "sent" and "delivered".
    Sending to a number in `opted_out_numbers` fails with Twilio's error 21610.
    The first `answer_late` messages are taken at once but answered only when
    release_answers() is called (or at stop()): the client times out first,
    not knowing the message was taken. `lookups` holds the query of each list
    request (GET Messages.json?To=...&DateSent>=...).
    """

    def __init__(self, account_sid: str, auth_token: str, *, host: str = "127.0.0.1",
                 port: int = 0, opted_out_numbers: Iterable[str] = (),
                 on_message: Callable[[dict], None] | None = None,
                 on_problem: Callable[[str], None] | None = None,
                 callback_delay: float = 0.2, answer_late: int = 0,
                 clock: Callable[[], datetime] | None = None):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.port = port
        self.opted_out_numbers = set(opted_out_numbers)
        self.on_message = on_message
        self.on_problem = on_problem
        # Twilio's callbacks come a moment after the 201; sending them at once
        # would often beat the client's own handling of the response.
        self.callback_delay = callback_delay
        self.answer_late = answer_late
        self.clock = clock or (lambda: datetime.now(timezone.utc))  # dates on the messages
        self.received: list[dict] = []
        self.lookups: list[dict] = []
        self.problems: list[str] = []
        self._late_answers = threading.Event()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._deliveries: list[threading.Thread] = []
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL to use in place of https://api.twilio.com."""
        if self._server is None:
            raise RuntimeError("FakeTwilioApi is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    def start(self) -> FakeTwilioApi:
        """Start serving in a background thread; raise OSError if the port is taken."""
        self._stopping.clear()
        self._server = make_server(self.host, self.port, self._wsgi_app, threaded=True,
                                   request_handler=_QuietRequestHandler)
        # A short poll makes stop() quick; the default 0.5 s adds up in tests.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-twilio-api", daemon=True)
        self._thread.start()
        return self

    def release_answers(self) -> None:
        """Let the answers held back by answer_late go out (to clients long gone)."""
        self._late_answers.set()

    def stop(self) -> None:
        """Stop serving and wait for status callbacks in flight."""
        if self._server is None:
            return
        self._stopping.set()
        self._late_answers.set()
        self._server.shutdown()
        self._thread.join()
        with self._lock:
            deliveries, self._deliveries = self._deliveries, []
        for delivery in deliveries:
            delivery.join()
        self._server = None

    def __enter__(self) -> FakeTwilioApi:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wsgi_app(self, environ, start_response):
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        adapter = _ROUTES.bind_to_environ(request.environ)
        try:
            _, args = adapter.match()
        except NotFound:
            return _twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        except MethodNotAllowed:
            return _twilio_error(405, 20004, "Method not allowed")
        if not self._is_authorised(request):
            return _twilio_error(401, 20003, "Authenticate",
                                 **{"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if args["account_sid"] != self.account_sid:
            return _twilio_error(404, 20404, f"The requested resource {request.path} was not found")
        if request.method == "GET":
            return self._list_messages(request)
        return self._create_message(request.form)

    def _is_authorised(self, request: Request) -> bool:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        # Compare both fields without short-circuiting, like any credential check.
        sid_ok = hmac.compare_digest((auth.username or "").encode(), self.account_sid.encode())
        token_ok = hmac.compare_digest((auth.password or "").encode(), self.auth_token.encode())
        return sid_ok and token_ok

    def _create_message(self, form) -> Response:
        to, from_, body = form.get("To", "").strip(), form.get("From", "").strip(), form.get("Body", "")
        if not to:
            return _twilio_error(400, 21604, "A 'To' phone number is required.")
        if not from_ and not form.get("MessagingServiceSid"):
            return _twilio_error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _twilio_error(400, 21602, "Message body is required.")
        if len(body) > MAX_INBOUND_CHARS:
            return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if to in self.opted_out_numbers:
            return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        message = self._message_resource(to, from_, body, form.get("MessagingServiceSid"))
        callback_url = form.get("StatusCallback") or None
        with self._lock:
            self.received.append(dict(message, status_callback=callback_url))
            record = self.received[-1]
            late = len(self.received) <= self.answer_late
        if self.on_message is not None:
            self.on_message(message)
        if late:  # taken; the answer waits until the client has given up
            self._late_answers.wait()
        response = Response(json.dumps(message), status=201, mimetype="application/json")
        # call_on_close runs once the body has been written to the client.
        response.call_on_close(lambda: self._deliver_later(record, callback_url))
        return response

    def _message_resource(self, to: str, from_: str, body: str,
                          messaging_service_sid: str | None) -> dict:
        sid = new_message_sid()
        now = format_datetime(self.clock())  # RFC 2822, as Twilio sends
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": messaging_service_sid,
            "num_media": "0",
            "num_segments": str(measure(body).segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": to,
            "uri": f"{uri}.json",
        }

    def _list_messages(self, request: Request) -> Response:
        """Answer a Message list query: filtered by To, From and DateSent, newest first."""
        query = request.args
        try:
            with self._lock:
                self.lookups.append(query.to_dict())
                found = [dict(record) for record in reversed(self.received)
                         if _matches(record, query)]
            page = max(int(query.get("Page", 0)), 0)
            size = min(max(int(query.get("PageSize", LIST_PAGE_SIZE)), 1), 1000)
        except ValueError:  # a DateSent or a page that is no date or number
            return _twilio_error(400, 20001, "Invalid query parameters")
        chosen = found[page * size:(page + 1) * size]
        uri = request.path
        more = len(found) > (page + 1) * size
        payload = {
            "messages": [{k: v for k, v in m.items() if k != "status_callback"} for m in chosen],
            "end": page * size + max(len(chosen) - 1, 0), "start": page * size,
            "page": page, "page_size": size, "uri": request.full_path,
            "first_page_uri": f"{uri}?{_with(query, Page='0')}", "previous_page_uri": None,
            "next_page_uri": f"{uri}?{_with(query, Page=str(page + 1))}" if more else None,
        }
        return Response(json.dumps(payload), status=200, mimetype="application/json")

    def _deliver_later(self, record: dict, callback_url: str | None) -> None:
        delivery = threading.Thread(target=self._deliver, args=(record, callback_url),
                                    name=f"deliver-{record['sid']}", daemon=True)
        # Started under the lock: stop() takes the list under it and joins each
        # one, which fails for a thread not started yet.
        with self._lock:
            self._deliveries = [d for d in self._deliveries if d.is_alive()]
            delivery.start()
            self._deliveries.append(delivery)

    def _deliver(self, record: dict, callback_url: str | None) -> None:
        for status in ("sent", "delivered"):
            if self._stopping.wait(self.callback_delay):
                return
            with self._lock:
                record["status"] = status
                if status == "sent":
                    record["date_sent"] = format_datetime(self.clock())
            if callback_url:
                self._post_status(record, status, callback_url)

    def _post_status(self, record: dict, status: str, callback_url: str) -> None:
        params = {
            "MessageSid": record["sid"],
            "MessageStatus": status,
            "AccountSid": self.account_sid,
            "From": record["from"],
            "To": record["to"],
            "ApiVersion": API_VERSION,
        }
        try:
            code, _ = sign_and_post(callback_url, params, self.auth_token)
        except (OSError, ValueError) as exc:  # ValueError: not an http(s) URL
            self._report(f"Status callback {status!r} to {callback_url} failed: "
                         f"{getattr(exc, 'reason', exc)}")
            return
        if not 200 <= code < 300:
            self._report(f"Status callback {status!r} to {callback_url} answered {code}")

    def _report(self, problem: str) -> None:
        with self._lock:
            self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)


def _matches(record: dict, query) -> bool:
    """Tell whether a message passes a list query's To, From and DateSent filters."""
    for name, field in (("To", "to"), ("From", "from")):
        if query.get(name) and record[field] != query[name]:
            return False
    filters = {key: query[key] for key in ("DateSent", "DateSent>", "DateSent<") if query.get(key)}
    if not filters:
        return True
    if record["date_sent"] is None:  # as at Twilio: a message not yet sent has no date
        return False
    sent = parsedate_to_datetime(record["date_sent"])
    for key, value in filters.items():
        moment = _query_moment(value)
        if key == "DateSent" and sent.date() != moment.date():
            return False
        if key == "DateSent>" and sent < moment:
            return False
        if key == "DateSent<" and sent > moment:
            return False
    return True


def _query_moment(value: str) -> datetime:
    # Twilio takes a day (YYYY-MM-DD, midnight GMT) or a whole timestamp.
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _with(query, **changes: str) -> str:
    return urlencode({**query.to_dict(), **changes})


class PhoneScreen:
    """Write whole lines to a stream from several threads, flushing each."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._lock = threading.Lock()

    def show(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def show_message(self, label: str, body: str) -> None:
        first, *rest = body.split("\n")
        indent = " " * len(label)
        self.show("\n".join([label + first, *(indent + line for line in rest)]))


def _show_delivery(screen: PhoneScreen, number: str, message: dict) -> None:
    # The phone stands in for every phone: show broadcasts to others too.
    if message["to"] == number:
        screen.show_message(SERVICE_LABEL, message["body"])
    else:
        screen.show_message(f"(to {message['to']}) ", message["body"])


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _text_gateway(screen: PhoneScreen, url: str, params: dict[str, str], auth_token: str) -> None:
    try:
        status, body = sign_and_post(url, params, auth_token)
    except OSError as exc:
        screen.show(f"Cannot reach the gateway at {url}: {getattr(exc, 'reason', exc)}")
        return
    if not 200 <= status < 300:
        screen.show(f"The gateway answered {status} {_phrase(status)}".rstrip())
        return
    try:
        replies = twiml_messages(body)
    except ValueError as exc:
        screen.show(f"The gateway answered {status} but not with TwiML: {exc}")
        return
    if not replies:
        screen.show("(no reply)")
    for reply in replies:
        screen.show_message(SERVICE_LABEL, reply)


def _text_gatewayapi(screen: PhoneScreen, url: str, message: dict, secret: str) -> None:
    try:
        status, _ = post_signed(url, message, secret)
    except OSError as exc:
        screen.show(f"Cannot reach the gateway at {url}: {exc}")
        return
    if not 200 <= status < 300:
        screen.show(f"The gateway answered {status} {_phrase(status)}".rstrip())
    # A 2xx carries no reply: the worker sends it, through the phone's API.


def run_phone(number: str, url: str, api_host: str, api_port: int, settings: Settings,
              stdin: TextIO | None = None, stdout: TextIO | None = None,
              provider: str = "twilio") -> int:
    """Text url as the phone number, one SMS per line of stdin, until EOF or /quit; return the exit code."""
    # Looked up per call, not at import, so a redirected sys.stdin/stdout is used.
    screen = PhoneScreen(sys.stdout if stdout is None else stdout)
    if urlsplit(url).scheme not in ("http", "https"):
        screen.show(f"Not an http(s) URL: {url}")
        return 2
    number = phone_number(number)
    try:
        api = open_phone_api(screen, number, settings, host=api_host, port=api_port,
                             provider=provider)
    except OSError as exc:
        screen.show(f"Cannot start the Messages API on {api_host}:{api_port}: {exc}")
        return 1
    try:
        screen.show(f"Messages API on {api.url}")
        worker = (f"FAELLES_SMS_PROVIDER=gatewayapi FAELLES_GATEWAYAPI_URL={api.url}"
                  if provider == "gatewayapi" else f"FAELLES_TWILIO_API_URL={api.url}")
        screen.show(f"Phone {number} texting {url} (worker: {worker})")
        return phone_loop(screen, number, url, settings, stdin, provider=provider)
    finally:
        api.stop()


def phone_number(number: str) -> str:
    """Return the number as E.164 when it is a real one; a made-up test number as given."""
    try:
        return normalise_phone(number)
    except InvalidPhoneNumber:
        return number


def open_phone_api(screen: PhoneScreen, number: str, settings: Settings, *,
                   host: str = "127.0.0.1", port: int = 0,
                   provider: str = "twilio") -> FakeTwilioApi | FakeGatewayApi:
    """Start the phone's Messages API: what a worker sends through it shows on the screen."""
    def show(message: dict) -> None:
        _show_delivery(screen, number, message)

    if provider == "gatewayapi":
        api = FakeGatewayApi(settings.gatewayapi_token, settings.gatewayapi_webhook_secret,
                             host=host, port=port, on_message=show, on_problem=screen.show)
    else:
        api = FakeTwilioApi(settings.twilio_account_sid, settings.twilio_auth_token,
                            host=host, port=port, on_message=show, on_problem=screen.show)
    api.start()
    return api


def phone_loop(screen: PhoneScreen, number: str, url: str, settings: Settings,
               stdin: TextIO | None = None, provider: str = "twilio") -> int:
    """Text url once per line of stdin, showing each reply, until EOF or /quit."""
    stdin = sys.stdin if stdin is None else stdin
    try:
        screen.show(f"Type a message and press Enter; {QUIT} or Ctrl-D ends.")
        for line in iter(stdin.readline, ""):
            text = line.rstrip("\r\n")
            if text.strip() == QUIT:
                break
            if not text.strip():
                continue
            screen.show_message(SENT_LABEL, text)
            if provider == "gatewayapi":
                message = inbound_message(number, settings.gatewayapi_sender, text)
                _text_gatewayapi(screen, url, message, settings.gatewayapi_webhook_secret)
                continue
            params = inbound_params(number, settings.twilio_from, text, settings.twilio_account_sid)
            _text_gateway(screen, url, params, settings.twilio_auth_token)
    except KeyboardInterrupt:
        return 130
    return 0
