#!/usr/bin/env python3
"""Fixture web sites for the harvest tests and the README's run command, on 127.0.0.1 only.

    fixture_site.py [--hosts N] [--reports K] [--crawl-delay S] [--latency S] [--port P]

Prints the port on the first line of stdout, then serves until killed. Virtual hosts are chosen by
the Host header (the harvester maps the names to 127.0.0.1 with --resolve):

  site1.test … siteN.test  robots.txt (Disallow: /private/, optional Crawl-delay), a paginated 年报
                           listing (/nb/index.html → 下一页 → /nb/index_1.html → 2, 3 …), K report pages
                           (the HTML pages of Snapshots/, varied per host and number), ETag and
                           Last-Modified with 304s, and a /private/ report link robots.txt forbids
  gbk.test                 one listing and one report served as GBK with `charset=gbk`
  bad.test                 a listing linking to misbehaving pages: /500 (always 500), /429 (429 with
                           Retry-After: 1, then 200), /slow (drips one byte a second), /reset (closes
                           the connection), /loop (redirects to itself), /big (30 MB), /bomb (gzip
                           bomb: 100 MB of zeros), /wrong-charset (UTF-8 labelled gbk), /chunked (gzip
                           content in chunked transfer coding)
  storm.test               a listing of 12 report links that all answer 500 (a host to park)
  robots-big.test, robots-enc.test, robots-gzbad.test
                           a robots.txt of 5 MB, with an unknown Content-Encoding, or with gzip that
                           cannot be decoded, each saying Disallow: / (an unreadable robots.txt)
  raw.test                 /bogus-status (a status line that is not one), /huge-headers (10 MB of headers)

Control endpoints on any host: /__log (JSON list of every request: host, path, time received `t`, time answered `end`, headers),
/__edit?host=H&path=P (change that page's content and ETag), /__stop.
"""
import argparse, glob, gzip, hashlib, json, os, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = [open(p, "rb").read() for p in sorted(glob.glob(os.path.join(ROOT, "Snapshots", "*", "input.html"))) if "not-a-report" not in p]
LOG, EDITS, LOCK = [], {}, threading.Lock()
SEEN_429 = set()


def listing(host, k, page, per_page):
    start, end = page * per_page, min(k, (page + 1) * per_page)
    items = "".join(f'<li><a href="/nb/r{j}.html">{host} {2000 + j}年政府信息公开工作年度报告</a></li>' for j in range(start, end))
    items += '<li><a href="/private/secret.html">内部年度报告</a></li><li><a href="/news/1.html">新闻动态</a></li>'
    nxt = f'<a href="/nb/index_{page + 1}.html">下一页</a>' if end < k else ""
    return f'<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul>{items}</ul>{nxt}</body></html>'.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle(self):
        try:
            super().handle()
        except OSError:
            pass  # the /reset route closed the descriptor under the handler

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def page(self, body, ctype="text/html; charset=utf-8"):
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, b"", [("ETag", etag)])
        self.send(200, body, [("Content-Type", ctype), ("ETag", etag), ("Last-Modified", "Mon, 22 Jan 2024 08:00:00 GMT")])

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        url = urlparse(self.path)
        path = url.path
        entry = {"host": host, "path": self.path, "t": time.time(), "headers": dict(self.headers)}
        with LOCK:
            LOG.append(entry)
        try:
            return self.route(host, url, path)
        finally:
            entry["end"] = time.time()  # the reply written: the time a polite client's delay starts from

    def route(self, host, url, path):
        if path == "/__log":
            with LOCK:
                return self.send(200, json.dumps(LOG).encode(), [("Content-Type", "application/json")])
        if path == "/__edit":
            q = parse_qs(url.query)
            with LOCK:
                EDITS[(q["host"][0], q["path"][0])] = EDITS.get((q["host"][0], q["path"][0]), 0) + 1
            return self.send(200, b"ok")
        if path == "/__stop":
            self.send(200, b"bye")
            threading.Thread(target=self.server.shutdown).start()
            return
        if host.startswith("site") and self.server.latency:
            time.sleep(self.server.latency)  # a slow server: a worker's concurrency, not the delay, bounds its rate
        if host.startswith("site"):
            return self.site(host, path)
        if host == "gbk.test":
            if path == "/robots.txt":
                return self.send(404, b"")
            if path == "/nb/index.html":
                return self.page('<html><body><a href="/nb/gbk.html">2023年政府信息公开工作年度报告</a></body></html>'.encode("gbk"), "text/html; charset=gbk")
            if path == "/nb/gbk.html":
                return self.page(PAGES[0].decode("utf-8", "replace").replace("utf-8", "gbk").encode("gbk", "replace"), "text/html; charset=gbk")
            return self.send(404, b"")
        if host == "bad.test":
            return self.bad(path)
        if host.startswith("robots-"):
            return self.hostile_robots(host, path)
        if host == "raw.test":
            return self.raw_replies(path)
        if host == "storm.test":
            if path == "/nb/index.html":
                body = "".join(f'<a href="/s{j}.html">{2010 + j}年度报告</a>' for j in range(12))
                return self.page(f"<html><body>{body}</body></html>".encode())
            if path == "/robots.txt":
                return self.send(404, b"")
            return self.send(500, b"storm")
        self.send(404, b"no such host")

    def site(self, host, path):
        k, per_page = self.server.reports, max(1, self.server.reports // 3 + 1)
        if path == "/robots.txt":
            rules = "User-agent: *\nDisallow: /private/\n"
            if self.server.crawl_delay > 0 and host == "site1.test":
                rules += f"Crawl-delay: {self.server.crawl_delay}\n"
            return self.send(200, rules.encode(), [("Content-Type", "text/plain")])
        if path == "/nb/index.html" or path.startswith("/nb/index_"):
            page = 0 if path == "/nb/index.html" else int(path[len("/nb/index_"):-len(".html")])
            return self.page(listing(host, k, page, per_page))
        if path.startswith("/nb/r") and path.endswith(".html"):
            j = int(path[len("/nb/r"):-len(".html")])
            n = int(host[4:-5]) if host[4:-5].isdigit() else 0
            body = PAGES[(j + n) % len(PAGES)]
            edits = EDITS.get((host, path), 0)
            if edits:
                body = body.replace(b"</body>", f"<p>修订 {edits}</p></body>".encode())
            # a distinct URL per page: the page names its host and number in a comment
            return self.page(body + f"<!-- {host} {j} -->".encode())
        if path.startswith("/private/"):
            return self.page("<html><body>不应抓取</body></html>".encode())
        self.send(404, b"")

    def raw_replies(self, path):
        # replies that are not well-formed HTTP, written to the socket as they are
        if path == "/robots.txt":
            return self.send(404, b"")
        if path == "/nb/index.html":
            return self.page('<html><body><a href="/bogus-status">2023年政府信息公开工作年度报告</a><a href="/huge-headers">2022年政府信息公开工作年度报告</a></body></html>'.encode())
        self.close_connection = True
        if path == "/bogus-status":
            self.wfile.write(b"HTTP/1.1 abc Not a status\r\nContent-Length: 2\r\n\r\nok")
        elif path == "/huge-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * (10 << 20) + b"\r\n\r\nok")
        else:
            self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    def hostile_robots(self, host, path):
        # robots.txt that a careless parser would read as "allow all"; every one of them says Disallow: /
        if path == "/robots.txt":
            if host == "robots-big.test":  # 5 MB: Disallow: / first, then comments
                return self.send(200, b"User-agent: *\nDisallow: /\n" + b"# padding\n" * 520000, [("Content-Type", "text/plain")])
            if host == "robots-enc.test":  # an unknown Content-Encoding
                return self.send(200, b"User-agent: *\nDisallow: /\n", [("Content-Type", "text/plain"), ("Content-Encoding", "x-unknown")])
            if host == "robots-gzbad.test":  # gzip that cannot be decoded
                return self.send(200, b"\x1f\x8b\x08\x00garbage-not-deflate", [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")])
            return self.send(404, b"")
        if path == "/nb/index.html":
            return self.page('<html><body><a href="/nb/r.html">2023年政府信息公开工作年度报告</a></body></html>'.encode())
        if path == "/nb/r.html":
            return self.page(PAGES[0])
        self.send(404, b"")

    def bad(self, path):
        if path == "/robots.txt":
            return self.send(404, b"")
        if path == "/nb/index.html":
            links = ["500", "429", "slow", "reset", "loop", "big", "bomb", "wrong-charset", "chunked"]
            body = "".join(f'<a href="/{l}">{l} 年度报告</a>' for l in links)
            return self.page(f"<html><body>{body}</body></html>".encode())
        if path == "/500":
            return self.send(500, b"error")
        if path == "/429":
            if "429" not in SEEN_429:
                SEEN_429.add("429")
                return self.send(429, b"slow down", [("Retry-After", "1")])
            return self.page(PAGES[1])
        if path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            return
        if path == "/reset":
            # SO_LINGER 0 then close the descriptor itself: the client gets a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            os.close(self.connection.detach())
            self.close_connection = True
            return
        if path == "/loop":
            return self.send(302, b"", [("Location", "/loop")])
        if path == "/big":
            return self.send(200, b"<p>" + b"x" * (30 << 20), [("Content-Type", "text/html")])
        if path == "/bomb":
            return self.send(200, self.server.bomb, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
        if path == "/chunked":
            # Transfer-Encoding: chunked, gzip content: both codings must be undone, the WARC keeps them.
            body = gzip.compress(PAGES[2])
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 4000):
                part = body[i:i + 4000]
                self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if path == "/wrong-charset":
            return self.page(PAGES[1], "text/html; charset=gbk")
        self.send(404, b"")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--reports", type=int, default=6)
    ap.add_argument("--crawl-delay", type=float, default=0)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0, help="seconds siteN.test takes to answer each request")
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.reports, server.crawl_delay, server.latency = a.reports, a.crawl_delay, a.latency
    server.bomb = gzip.compress(b"\0" * (100 << 20), 9)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
