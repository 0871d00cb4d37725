"""An example robot agent governed by AutonomyOps.

Run it under the runtime:  autonomy run --policy POLICY -- python3 examples/robot/agent.py

Every actuator and file tool is wrapped with @governed: the runtime decides before the tool
runs, and a deny raises PermissionError so the tool never executes. The actuators here are
simulated; the decisions, and the audit log they land in, are real.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
from autonomyops import Client, governed  # noqa: E402

DEV_MARK = "dev_mode_unsigned_policy"


def show(tool, args, d):
    """One line per decision: verdict, tool, short args, latency, reason."""
    reasons = [r for r in d.reasons if r != DEV_MARK]
    short = json.dumps(args, separators=(",", ":"))
    if len(short) > 38:
        short = short[:35] + "..."
    verdict = "ALLOW" if d.allowed else "DENY "
    if sys.stdout.isatty():
        verdict = ("\033[32m%s\033[0m" if d.allowed else "\033[31m%s\033[0m") % verdict
    print("  %s  %-11s %-38s %6.1f ms  %s" % (verdict, tool, short, d.latency_ms, "; ".join(reasons)), flush=True)


client = Client(agent={"id": "robot-1", "model": "demo-arm"}, on_decision=show)


def tool(name):
    return governed(name, client=client)


@tool("scan")
def scan(range_m):
    return ["crate@1.5m", "person@4.0m"]


@tool("move")
def move(speed, heading):
    return "moving"


@tool("grip")
def grip(force):
    return "gripped"


@tool("write_file")
def write_file(path, text):
    return len(text)


@tool("read_file")
def read_file(path):
    return ""


@tool("shell")
def shell(cmd):
    return ""


def main():
    first = Client().decide("scan", {"range_m": 1})
    if not first.allowed and first.error and first.error.get("code", "").startswith("runtime_"):
        print("cannot reach the runtime (%s); run me with `autonomy run`" % first.error["message"], file=sys.stderr)
        return 2
    if DEV_MARK in first.reasons:
        print("  (policy: UNSIGNED directory, --dev mode)")
    steps = [
        (scan, dict(range_m=5)),
        (move, dict(speed=1.2, heading=90)),
        (grip, dict(force=20)),
        (move, dict(speed=3.5, heading=90)),
        (write_file, dict(path="/workspace/notes/run-1.txt", text="crate picked")),
        (write_file, dict(path="/etc/robot.conf", text="max_speed=10")),
        (write_file, dict(path="/workspace/../etc/passwd", text="x")),
        (read_file, dict(path="/workspace/notes/run-1.txt")),
        (shell, dict(cmd="rm -rf /")),
    ]
    denied = 0
    for fn, kw in steps:
        try:
            fn(**kw)
        except PermissionError:
            denied += 1  # the tool did not run; a real agent would re-plan here
    print("  %d tool calls, %d denied before they ran" % (len(steps), denied))
    return 0


if __name__ == "__main__":
    sys.exit(main())
