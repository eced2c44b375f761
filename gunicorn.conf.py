"""Gunicorn settings for the SMS gateway, read from the working directory.

The production command stays `gunicorn -w 2 'sms_gateway:create_app()'`: gunicorn
loads ./gunicorn.conf.py by default, so these settings apply without a flag. The
number of workers is left to that command.

The limits bound what one request can cost before Flask sees it: anyone can
send the webhook anything. Twilio's requests are small: a request line of about 60 characters
(POST /sms/status?id=123 HTTP/1.1), some 15 headers, the longest the 28-character
signature. Bodies are limited by Flask (MAX_CONTENT_LENGTH, 64 KiB), which answers
413 from the Content-Length before reading the body.
"""

# The request line: method, path with query, version. 4094 is gunicorn's default;
# our URLs are short, and a proxy may add a prefix.
limit_request_line = 2048
# Header count: Twilio sends about 15, a TLS proxy adds a few X-Forwarded-*.
limit_request_fields = 50
# One header's size: a signature is 28 characters; 4 KiB leaves room for a
# proxy's long X-Forwarded-For or a cookie a browser sends to /healthz.
limit_request_field_size = 4096

# Threads in each worker (gunicorn's gthread worker): while one request waits for
# the disk (each answer waits until its text is synced), the others use the CPU,
# and requests that committed meanwhile share the next fdatasync
# (sms_gateway/group_sync.py). Writes still take SQLite's one write lock in turn.
threads = 4

# A worker silent for this long is killed and replaced. Twilio gives up on a
# webhook after 15 s; a write waits at most 5 s (shared.db.WRITE_WAIT_SECONDS)
# before the gateway answers 503.
timeout = 20
# On SIGTERM, workers get this long to finish requests in flight.
graceful_timeout = 20
# Seconds an idle kept-alive connection stays open: for a proxy in front that
# reuses its connections.
keepalive = 2
