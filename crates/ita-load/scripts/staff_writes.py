"""Staff writes at a steady rate beside a survey load run (BENCHMARKS.md, "Submissions under load").

Signs in as a staff account and saves the result form of the first agency of a `prepare-load` database again and
again, RATE times a second for SECONDS, then prints the answers' status codes. Cookies are kept by hand: the
server marks them Secure, which Python's cookie jar does not send over plain HTTP to 127.0.0.1.

    python3 crates/ita-load/scripts/staff_writes.py --server 127.0.0.1:18091 --db /tmp/load/ita.db \
        --user staff --password "$PASSWORD" --rate 100 --seconds 22
"""

import argparse
import http.client
import re
import sqlite3
import sys
import time
import urllib.parse
import uuid

parser = argparse.ArgumentParser()
parser.add_argument("--server", default="127.0.0.1:18091")
parser.add_argument("--db", required=True, help="the SQLite file the server runs on (to find an agency and round)")
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--rate", type=float, default=20.0)
parser.add_argument("--seconds", type=float, default=22.0)
args = parser.parse_args()

host, port = args.server.rsplit(":", 1)
connection = http.client.HTTPConnection(host, int(port))
cookies = {}


def request(method, path, fields=None):
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name] = rest.split(";")[0]
    return response.status, text


def csrf(page):
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


_, page = request("GET", "/sign-in")
status, _ = request("POST", "/sign-in", {"csrf": csrf(page), "username": args.user, "password": args.password})
if status != 303:
    sys.exit(f"sign-in answered {status}")
database = sqlite3.connect(args.db)
agency = uuid.UUID(bytes=database.execute("SELECT id FROM agencies ORDER BY code LIMIT 1").fetchone()[0])
round_id = uuid.UUID(bytes=database.execute("SELECT id FROM rounds LIMIT 1").fetchone()[0])
form = f"/agencies/{agency}/rounds/{round_id}/result"
_, page = request("GET", form)
scores = ["100", "100", "100", "99.34", "97.77", "89.70", "88.91", "86.09", "85.29", "25.00"]
fields = {"csrf": csrf(page), **{f"indicator_{number}": score for number, score in enumerate(scores, 1)}}
started, sent, statuses = time.time(), 0, {}
while time.time() - started < args.seconds:
    status, _ = request("POST", form, fields)
    statuses[status] = statuses.get(status, 0) + 1
    sent += 1
    time.sleep(max(0.0, started + sent / args.rate - time.time()))
print("staff writes:", statuses)
