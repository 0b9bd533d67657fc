#!/usr/bin/env python3
"""A webhook receiver for csp-transition (R35), verified with the Standard Webhooks library.

    pip install standardwebhooks
    WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py 8000

Each delivery is checked (signature and timestamp) before it is trusted, answered 2xx at once,
and handled once: delivery is at least once, so the same `webhook-id` may come again (after a
timeout, a replay, or two replicas racing a lease), and a seen id is acknowledged and skipped.
Prints one line per new event: sequence, type, subject.
"""

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["WEBHOOK_SECRET"])
seen = set()  # a real receiver keeps this in its database, beside what the event changes
lock = threading.Lock()  # requests arrive on several threads


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = webhook.verify(body, dict(self.headers))
        except WebhookVerificationError as e:
            self.send_response(400)
            self.end_headers()
            print(f"refused: {e}", file=sys.stderr, flush=True)
            return
        self.send_response(204)
        self.end_headers()
        with lock:
            if event["id"] in seen:
                return
            seen.add(event["id"])
            subject = f'{event["subject"]["kind"]}/{event["subject"]["id"]}'
            print(f'{event["sequence"]}\t{event["type"]}\t{subject}', flush=True)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
