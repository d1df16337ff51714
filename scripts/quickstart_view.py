#!/usr/bin/env python3
"""What `make run` shows once the device runs: the modules as the agent reports them (a small
table, printed again whenever it changes) and the telemetry arriving in the cloud, one compact
line per message, until Ctrl-C. Reads outpost-cloud's REST API only (as any tool could).

usage: quickstart_view.py <REST base URL> <owner connection string> <device id>
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import urllib.request

BASE, CONNECTION_STRING, DEVICE = sys.argv[1:4]
FIELDS = dict(part.split("=", 1) for part in CONNECTION_STRING.split(";") if "=" in part)
BOLD, RED, DIM, RESET = ("\033[1m", "\033[31m", "\033[2m", "\033[0m") if sys.stdout.isatty() else ("",) * 4


def token(ttl=600):
    resource = urllib.parse.quote(FIELDS["HostName"], safe="").lower()
    expiry = int(time.time()) + ttl
    key = base64.b64decode(FIELDS["SharedAccessKey"])
    signature = base64.b64encode(hmac.new(key, f"{resource}\n{expiry}".encode(), hashlib.sha256).digest()).decode()
    return (f"SharedAccessSignature sr={resource}&sig={urllib.parse.quote(signature, safe='')}"
            f"&se={expiry}&skn={FIELDS['SharedAccessKeyName']}")


def get(path, query=""):
    url = f"{BASE}{path}?api-version=2021-04-12{('&' + query) if query else ''}"
    request = urllib.request.Request(url, headers={"Authorization": token()})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def module_rows():
    reported = get(f"/twins/{DEVICE}/modules/%24edgeAgent")["properties"]["reported"]
    rows = []
    for group in ("systemModules", "modules"):
        for name, module in sorted((reported.get(group) or {}).items()):
            image = ((module.get("settings") or {}).get("image")) or ""
            rows.append((name, module.get("runtimeStatus", "?"), str(module.get("restartCount", 0)), image))
    status = reported.get("lastDesiredStatus") or {}
    return rows, status.get("code")


def print_table(rows, code):
    print(f"{BOLD}   {'MODULE':<28}{'STATUS':<11}{'RESTARTS':<10}IMAGE{RESET}")
    for name, state, restarts, image in rows:
        colour = "" if state == "running" else RED
        print(f"   {name:<28}{colour}{state:<11}{RESET}{restarts:<10}{DIM}{image}{RESET}")
    if code not in (None, 200):
        print(f"   {RED}deployment refused: lastDesiredStatus {code}{RESET}")
    sys.stdout.flush()


def telemetry_line(event):
    when = (event.get("enqueuedTime") or "")[11:19]
    module = event.get("moduleId") or "(device)"
    body = event.get("body")
    props = event.get("applicationProperties") or {}
    alert = props.get("MessageType") == "Alert"
    if isinstance(body, dict) and isinstance(body.get("machine"), dict):
        machine = body["machine"].get("temperature")
        ambient = (body.get("ambient") or {}).get("temperature")
        text = f"machine {machine:6.2f} °C   ambient {ambient:5.2f} °C" if isinstance(machine, (int, float)) and isinstance(ambient, (int, float)) else json.dumps(body)
    else:
        text = json.dumps(body)[:80]
    if alert:
        return f"   {DIM}{when}{RESET}  {module:<28}{RED}{BOLD}ALERT{RESET} {text.split('   ')[0]}"
    return f"   {DIM}{when}{RESET}  {module:<28}{text}"


def main():
    shown_rows = None
    next_event = "start"
    last_table = 0.0
    print(f"{BOLD}== modules (as {DEVICE}'s agent reports them) and telemetry in the cloud — Ctrl-C stops everything{RESET}")
    while True:
        now = time.monotonic()
        if now - last_table > 2:
            last_table = now
            try:
                rows, code = module_rows()
                if rows and (rows, code) != shown_rows:
                    shown_rows = (rows, code)
                    print_table(rows, code)
            except Exception:  # the agent has not reported yet
                pass
        try:
            page = get("/events", f"from={next_event}&deviceId={DEVICE}&limit=100")
            for event in page.get("events", []):
                print(telemetry_line(event))
            sys.stdout.flush()
            next_event = page.get("next", next_event)
        except Exception as error:
            print(f"   (cloud not answering: {error})")
        time.sleep(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
