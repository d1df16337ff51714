#!/usr/bin/env python3
"""One line of outpost-hub state (from its /status JSON on stdin), for the quickstart."""
import json
import sys

status = json.load(sys.stdin)
queues = ", ".join("{}={}".format(q["name"], q["length"]) for q in status["queues"]) or "none"
clients = ",".join(status["connectedClients"]) or "none"
print("\033[2m   [hub] upstream {}; clients {}; queues {}; store {} B\033[0m".format(
    status["upstream"], clients, queues, status["storeBytes"]))
