#!/usr/bin/env python3
"""Edit-to-updated-page latency of `baton serve`.

usage: serve_latency.py [--baton PATH] [--repo DIR | --releases N] [--runs N]
                        [--warmup N] [--atomic] [--markdown]

Starts `baton serve` on a records repository (generated with gen_repo.py,
1,000 releases by default, or an existing one with --repo), listens to the
server's live-reload events (/__baton/events), then --runs times: writes a
unique marker word into the body of one release record, and measures from
just before the write until the release page served over HTTP contains the
marker (the page is fetched after every `reload` event until it does).

Prints median and p90 in ms, the ratio against the 100 ms target, and the
server's own "rebuilt in N ms" times, which separate the rebuild from the
watcher's debounce and the HTTP round trips. The record is restored and the
server stopped at the end, also on errors and Ctrl-C.
"""
import argparse
import http.client
import math
import os
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_MS = 100.0


def die(msg):
    print(f"serve_latency: {msg}", file=sys.stderr)
    sys.exit(1)


def p90(xs):
    s = sorted(xs)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


class Server:
    """`baton serve` as a child process; stdout and stderr read by threads."""

    def __init__(self, baton, root):
        args = [baton, "serve", "--root", root, "--port", "0"]
        help_text = subprocess.run([baton, "serve", "--help"], capture_output=True, text=True).stdout
        if "--now" in help_text:  # judge deadlines at a fixed time, like check and build
            now = subprocess.run(["git", "-C", root, "log", "-1", "--format=%cI"],
                                 capture_output=True, text=True, check=True).stdout.strip()
            args += ["--now", now]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.url = None
        self.ready = threading.Event()
        self.rebuilds = queue.Queue()  # server-side rebuild times, ms
        self.stderr_tail = []
        threading.Thread(target=self._stdout, daemon=True).start()
        threading.Thread(target=self._stderr, daemon=True).start()

    def _stdout(self):
        for line in self.proc.stdout:
            m = re.search(r"on (http://\S+/)", line)
            if m and not self.url:
                self.url = m.group(1)
                self.ready.set()
        self.ready.set()  # exited: wake the waiter

    def _stderr(self):
        for line in self.proc.stderr:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-20:]
            m = re.search(r"rebuilt in (\d+) ms", line)
            if m:
                self.rebuilds.put(int(m.group(1)))

    def wait_ready(self, timeout):
        self.ready.wait(timeout)
        if not self.url:
            self.stop()
            tail = "\n".join(self.stderr_tail)
            die(f"`baton serve` did not print its address within {timeout:.0f} s "
                f"(exit code {self.proc.returncode}); its stderr:\n{tail}")
        m = re.match(r"http://([^/:]+|\[[^\]]+\]):(\d+)/", self.url)
        return m.group(1).strip("[]"), int(m.group(2))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # not SIGINT: a background job of a script starts with it ignored
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Events:
    """The server-sent event stream; each `reload` is queued with its arrival time."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(f"GET /__baton/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        self.sock.settimeout(None)
        self.reloads = queue.Queue()
        self.connected = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.connected.wait(10):
            die("no answer from /__baton/events")

    def _read(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if not self.connected.is_set():
                    if b"\r\n\r\n" not in buf:
                        continue
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    if b" 200 " not in head.split(b"\r\n")[0]:
                        break
                    self.connected.set()
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    if b"event: reload" in block or b"data: reload" in block:
                        self.reloads.put(time.perf_counter())
        except OSError:
            pass
        self.reloads.put(None)  # stream closed

    def drain(self):
        while True:
            try:
                self.reloads.get_nowait()
            except queue.Empty:
                return

    def next(self, timeout):
        try:
            t = self.reloads.get(timeout=timeout)
        except queue.Empty:
            die(f"no reload event within {timeout:.0f} s of the edit")
        if t is None:
            die("the event stream closed (did the server exit?)")
        return t

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def fetch(conn_box, host, port, path):
    for attempt in range(2):  # one reconnect if the keep-alive connection was dropped
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection(host, port, timeout=10)
            conn_box[0].request("GET", path)
            r = conn_box[0].getresponse()
            return r.status, r.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            if attempt:
                raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baton", default=os.environ.get("BATON") or os.path.join(HERE, "..", "target", "release", "baton"))
    ap.add_argument("--repo", help="an existing records repository to use (left as it was)")
    ap.add_argument("--releases", type=int, default=1000, help="size of the generated repository (default 1000)")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=1, help="edits made first and not counted (default 1)")
    ap.add_argument("--atomic", action="store_true",
                    help="write a temporary file and rename it over the record (as many editors save)")
    ap.add_argument("--timeout", type=float, default=30, help="seconds to wait for one updated page")
    ap.add_argument("--markdown", action="store_true", help="print one line for the bench.sh report only")
    a = ap.parse_args()
    baton = os.path.abspath(a.baton)
    if not os.access(baton, os.X_OK):
        die(f"no baton binary at {baton} (cargo build --release, or pass --baton / BATON=)")

    # SIGTERM (e.g. from bench.sh's cleanup) ends us like Ctrl-C, so the finally blocks run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = None
    server = events = None
    record = original = None
    try:
        if a.repo:
            root = os.path.abspath(a.repo)
            if not os.path.isdir(os.path.join(root, "content")):
                die(f"{root} has no content/ folder")
        else:
            tmp = tempfile.mkdtemp(prefix="baton-serve-")
            root = os.path.join(tmp, "repo")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), root, str(a.releases)],
                           check=True, stdout=subprocess.DEVNULL)
        rel_dir = os.path.join(root, "content", "releases")
        versions = sorted(d for d in os.listdir(rel_dir) if os.path.isfile(os.path.join(rel_dir, d, "release.md")))
        if not versions:
            die(f"no release records under {rel_dir}")
        version = versions[len(versions) // 2]
        record = os.path.join(rel_dir, version, "release.md")
        with open(record, encoding="utf-8") as f:
            original = f.read()
        page = f"/releases/{version}/"

        t_start = time.perf_counter()
        server = Server(baton, root)
        host, port = server.wait_ready(timeout=600)
        startup_s = time.perf_counter() - t_start
        conn = [None]
        status, body = fetch(conn, host, port, page)
        if status != 200:
            die(f"GET {page} answered {status} before any edit")
        events = Events(host, port)
        while not server.rebuilds.empty():
            server.rebuilds.get_nowait()

        def edit(marker):
            text = original.rstrip("\n") + f"\n\n{marker}\n"
            if a.atomic:
                tmp_path = os.path.join(os.path.dirname(record), ".release.md.tmp")
                with open(tmp_path, "w", encoding="utf-8") as f:
                    f.write(text)
                os.replace(tmp_path, record)
            else:
                with open(record, "w", encoding="utf-8") as f:
                    f.write(text)

        latencies, to_event, rebuilt, waited, fetched, gets = [], [], [], [], [], []
        for i in range(a.warmup + a.runs):
            time.sleep(0.3)  # let the previous burst settle
            events.drain()
            while not server.rebuilds.empty():
                server.rebuilds.get_nowait()
            marker = f"batonlatency{os.getpid()}x{i}"
            t0 = time.perf_counter()
            edit(marker)
            deadline = t0 + a.timeout
            n_get = 0
            first_event = None
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    die(f"{page} did not show the edit within {a.timeout:.0f} s "
                        f"(is the body of {os.path.relpath(record, root)} shown on it?)")
                t_ev = events.next(left)
                first_event = first_event or t_ev
                last_event = t_ev
                status, body = fetch(conn, host, port, page)
                n_get += 1
                if status == 200 and marker in body:
                    t1 = time.perf_counter()
                    break
            if i >= a.warmup:
                latencies.append((t1 - t0) * 1000)
                to_event.append((first_event - t0) * 1000)
                fetched.append((t1 - last_event) * 1000)
                gets.append(n_get)
                try:
                    rebuilt.append(server.rebuilds.get(timeout=1))
                    waited.append(to_event[-1] - rebuilt[-1])
                except queue.Empty:
                    pass
    finally:
        if events:
            events.close()
        if server:
            server.stop()
        if record and original is not None:
            with open(record, "w", encoding="utf-8") as f:
                f.write(original)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    med, hi = statistics.median(latencies), p90(latencies)
    ok = "✓" if med <= TARGET_MS else "✗"
    mid = lambda xs: f"{statistics.median(xs):.0f} ms" if xs else "n/a"
    line = (f"serve, edit to updated page at {len(versions):,} releases ({a.runs} edits"
            f"{', atomic rename' if a.atomic else ''}): median {med:.0f} ms, p90 {hi:.0f} ms, "
            f"{med / TARGET_MS:.2f}x the 100 ms target {ok} (medians: server rebuild {mid(rebuilt)}, "
            f"watcher debounce and event {mid(waited)}, page fetch {mid(fetched)})")
    if a.markdown:
        print(line)
        return
    print(line)
    print(f"  page {page}, record {os.path.relpath(record, root)}, first build + startup {startup_s:.1f} s")
    print(f"  latencies ms: {', '.join(f'{x:.0f}' for x in latencies)}")
    print(f"  edit→event ms: {', '.join(f'{x:.0f}' for x in to_event)}")
    print(f"  server rebuilt-in ms: {', '.join(str(x) for x in rebuilt)}")
    print(f"  page fetch ms: {', '.join(f'{x:.1f}' for x in fetched)}")
    if any(g > 1 for g in gets):
        print(f"  GETs per edit: {gets} (more than 1: a reload came before the edit was in the page)")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
