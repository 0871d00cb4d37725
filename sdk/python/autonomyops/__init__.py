"""AutonomyOps Python SDK: ask the runtime before every tool call.

Standard library only. The runtime is found through AUTONOMY_RUNTIME_URL and
AUTONOMY_RUNTIME_TOKEN, which `autonomy run` sets for the process it starts.

Every failure to get a well-formed, recorded allow -- no runtime configured, connection
refused, timeout, non-2xx, bad JSON, an allow without a WAL position -- is a deny with a
reason. `Client.decide` never raises; `governed` raises PermissionError on a deny.
"""

import functools
import json
import os
import socket
import time
import urllib.error
import urllib.request

__all__ = ["Client", "Decision", "governed", "default_client"]

NOT_CONFIGURED = "runtime_not_configured"
UNREACHABLE = "runtime_unreachable"
TIMEOUT = "runtime_timeout"
BAD_RESPONSE = "runtime_bad_response"


class Decision:
    """A decision as the caller sees it; `allowed` is True only for a recorded allow."""

    __slots__ = ("allowed", "decision", "reasons", "decision_id", "policy", "wal", "latency_ms", "error")

    def __init__(self, decision, reasons, decision_id=None, policy=None, wal=None, latency_ms=0.0, error=None):
        self.decision = decision
        self.allowed = decision == "allow"
        self.reasons = list(reasons)
        self.decision_id = decision_id
        self.policy = policy
        self.wal = wal
        self.latency_ms = latency_ms
        self.error = error

    def __repr__(self):
        return "Decision(%s, reasons=%r)" % (self.decision, self.reasons)


class Client:
    """A client of the runtime's POST /v1/decide."""

    def __init__(self, url=None, token=None, timeout=2.0, agent=None, on_decision=None):
        """on_decision(tool, args, decision), if given, sees every decision (for logs and UIs)."""
        self.on_decision = on_decision
        self.url = (url if url is not None else os.environ.get("AUTONOMY_RUNTIME_URL", "")).rstrip("/")
        self.token = token if token is not None else os.environ.get("AUTONOMY_RUNTIME_TOKEN", "")
        self.timeout = timeout
        self.agent = agent

    def decide(self, tool, args=None, agent=None, context=None):
        """Asks whether `tool` may run with `args`; returns a Decision, a deny on any failure."""
        d = self._decide(tool, args, agent, context)
        if self.on_decision is not None:
            self.on_decision(tool, args if args is not None else {}, d)
        return d

    def _decide(self, tool, args, agent, context):
        t0 = time.monotonic()

        def deny(code, message, body=None):
            body = body or {}
            return Decision(
                "deny",
                body.get("reasons") or [code],
                decision_id=body.get("decision_id") or None,
                policy=body.get("policy"),
                wal=body.get("wal"),
                latency_ms=(time.monotonic() - t0) * 1000,
                error={"code": code, "message": message},
            )

        if not self.url:
            return deny(NOT_CONFIGURED, "AUTONOMY_RUNTIME_URL is not set")
        req = {"tool": tool, "args": args if args is not None else {}}
        if agent is not None or self.agent is not None:
            req["agent"] = agent if agent is not None else self.agent
        if context is not None:
            req["context"] = context
        try:
            data = json.dumps(req).encode("utf-8")
        except (TypeError, ValueError) as e:
            return deny("bad_request", "args are not JSON: %s" % e)
        http_req = urllib.request.Request(
            self.url + "/v1/decide",
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.token},
        )
        status = 0
        try:
            with urllib.request.urlopen(http_req, timeout=self.timeout) as res:
                status = res.status
                text = res.read()
        except urllib.error.HTTPError as e:
            status = e.code
            try:
                text = e.read()
            except Exception:
                text = b""
        except (socket.timeout, TimeoutError) as e:
            return deny(TIMEOUT, str(e) or "timed out")
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                return deny(TIMEOUT, str(e.reason) or "timed out")
            return deny(UNREACHABLE, str(e.reason))
        except (OSError, ValueError) as e:
            return deny(UNREACHABLE, str(e))
        try:
            body = json.loads(text)
        except ValueError:
            return deny(BAD_RESPONSE, "HTTP %d: the answer is not JSON" % status)
        if not _is_decision(body):
            return deny(BAD_RESPONSE, "HTTP %d: the answer is not a decision" % status)
        err = body.get("error") if isinstance(body.get("error"), dict) else None
        if not 200 <= status < 300:
            code = (err or {}).get("code") or "http_%d" % status
            return deny(code, (err or {}).get("message") or "HTTP %d" % status, body)
        wal = body.get("wal")
        recorded = isinstance(wal, dict) and isinstance(wal.get("seq"), int) and isinstance(wal.get("hash"), str)
        if body["decision"] == "allow" and not recorded:
            # An allow counts only with the WAL position that proves it was recorded.
            return deny(BAD_RESPONSE, "an allow without a WAL position", dict(body, reasons=[]))
        return Decision(
            body["decision"],
            body["reasons"],
            decision_id=body.get("decision_id") or None,
            policy=body.get("policy"),
            wal=wal if recorded else None,
            latency_ms=(time.monotonic() - t0) * 1000,
            error=err,
        )


def _is_decision(body):
    return (
        isinstance(body, dict)
        and body.get("decision") in ("allow", "deny")
        and isinstance(body.get("reasons"), list)
        and all(isinstance(r, str) for r in body["reasons"])
    )


_default = None


def default_client():
    """The client configured from the environment (created on first use)."""
    global _default
    if _default is None:
        _default = Client()
    return _default


def governed(tool, client=None, args=None):
    """Decorator: ask the runtime for `tool` before each call; raise PermissionError on deny.

    The call's keyword arguments are sent as args, or whatever `args(*a, **kw)` returns.
    """

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*a, **kw):
            c = client or default_client()
            call_args = args(*a, **kw) if args is not None else _args_of(a, kw)
            d = c.decide(tool, call_args)
            if not d.allowed:
                err = PermissionError("%s denied: %s" % (tool, "; ".join(d.reasons) or "no reason given"))
                err.decision = d
                raise err
            return fn(*a, **kw)

        return inner

    return wrap


def _args_of(a, kw):
    out = dict(kw)
    if a:
        out["_positional"] = list(a)
    return out
