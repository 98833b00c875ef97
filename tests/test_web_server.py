"""The web chat page's server (scripts/web.py, scripts/connections.py) under
abuse: half-sent and trickled requests time out without taking the page down,
a client that stops reading is cut off, clients that go away early or send
garbage leave no log line, every route answers as before with its security
headers, a busy port is an error, and connections beyond the cap are closed
while the page stays up. And the page's texts (content/web.yml,
scripts/web_texts.py): every text in every language, rendered into the page;
unusable texts stop the server at start, and a broken edit keeps the last good page.

Each server is a real `python -m scripts.web` process on a free loopback port; every
socket goes to 127.0.0.1, in bounded numbers, and is closed at the end.
"""

from __future__ import annotations

import contextlib
import json
import re
import resource
import selectors
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
import yaml

from bot.languages import LANGUAGES
from bot.paths import ROOT
from bot.paths import WEB_CHAT_SCRIPT as SCRIPT
from bot.paths import WEB_PAGE as PAGE
from bot.paths import WEBCHAT_BUNDLE as BUNDLE
from scripts import connections, web, web_texts
from tools.support.processes import Server, free_port, server_env, wait_ready

# The bot's address as the page names it (nothing needs to listen there).
RASA_URL = "http://127.0.0.1:5005"
HEADERS = web.security_headers(RASA_URL)
START_LINE = "Web chat on http://localhost:{port}/ (bot at " + RASA_URL + ")"
# A request whose head never ends.
HALF_REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n"
HALF_SENT = 1000
# Sanic checks timeouts every min(timeouts) / 2 seconds; then some slack for 1,000 sockets.
TIMEOUT_SLACK_S = web.REQUEST_TIMEOUT_S / 2 + 3
TCP_ESTABLISHED = 1  # include/net/tcp_states.h
# The soft limit on open files of many systems, below what MAX_CONNECTIONS needs:
# the server raises it.
COMMON_SOFT_FD_LIMIT = 1024
# A hard limit low enough that the server must lower its cap to fit.
LOW_FD_LIMIT = 200
# The page's texts, every language side by side.
WEB_TEXTS = ROOT / "content" / "web.yml"


def rendered_page() -> bytes:
    """The page as scripts/web_texts.py renders it: web/index.html with content/web.yml."""
    return web_texts.render(PAGE.read_text(encoding="utf-8"), web_texts.load(WEB_TEXTS))


def start_page_server(
    workdir: Path, name: str, fd_limits: tuple[int, int], **extra_env: str
) -> Server:
    """`python -m scripts.web` on a free loopback port, under ``fd_limits``
    (RLIMIT_NOFILE soft and hard), ready."""
    port = free_port()
    env = server_env(
        WEB_HOST="127.0.0.1", WEB_PORT=str(port), RASA_PUBLIC_URL=RASA_URL, **extra_env
    )
    log = workdir / f"{name}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.web"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=partial(resource.setrlimit, resource.RLIMIT_NOFILE, fd_limits),
        )
    server = Server(
        name, process, log, f"http://127.0.0.1:{port}", time.monotonic(), ready_path="/health"
    )
    try:
        wait_ready(server)
    except Exception:
        server.stop()
        raise
    return server


def tcp_state(sock: socket.socket) -> int:
    """The socket's TCP state as Linux sees it (the first byte of TCP_INFO): it
    leaves ESTABLISHED when the server closes or resets the connection, whether
    or not this side has read what came before."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]


def log_lines(server: Server) -> list[str]:
    return server.log.read_text(errors="replace").splitlines()


def start_line(server: Server) -> str:
    return START_LINE.format(port=server.url.rsplit(":", 1)[1])


def need_fds(count: int) -> None:
    """Let this test process hold ``count`` more sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"the hard limit on open files ({hard}) is below {wanted}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


@pytest.fixture(scope="module")
def page_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = connections.MAX_CONNECTIONS + connections.FD_RESERVE
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the hard limit on open files ({hard}) is below the connection cap")
    workdir = tmp_path_factory.mktemp("web-server")
    server = start_page_server(workdir, "web", (COMMON_SOFT_FD_LIMIT, hard))
    yield server
    server.stop()


def open_half_sent(url: str, count: int) -> list[socket.socket]:
    port = int(url.rsplit(":", 1)[1])
    sockets = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(sock)
            sock.sendall(HALF_REQUEST)
    except BaseException:
        close_all(sockets)
        raise
    return sockets


def close_all(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def read_until_closed(
    sockets: list[socket.socket], deadline: float
) -> tuple[dict[socket.socket, bytes], set[socket.socket]]:
    """What each socket received, and which the server closed (end of stream or a
    reset), by ``deadline`` (time.monotonic)."""
    received = {sock: b"" for sock in sockets}
    closed: set[socket.socket] = set()
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while len(closed) < len(sockets) and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(timeout=left):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if data:
                    received[sock] += data
                else:
                    closed.add(sock)
                    selector.unregister(sock)
    return received, closed


def closed_now(sockets: list[socket.socket]) -> set[socket.socket]:
    """The sockets the server has closed (what they received is discarded)."""
    return read_until_closed(sockets, time.monotonic() + 0.5)[1] if sockets else set()


def response_head(raw: bytes) -> tuple[str, dict[str, str]]:
    """The status line and the headers (names lower-cased) of a raw HTTP response."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return head[0], {name.lower(): value for name, value in headers.items()}


def security_headers_of(headers: dict[str, str]) -> dict[str, str | None]:
    """The security headers as sent (None when missing), whatever the case of their names."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered.get(name.lower()) for name in HEADERS}


def raw_exchange(url: str, request: bytes) -> bytes:
    """Send ``request`` on a new connection; what comes back until the server closes
    it, or for 3 s."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(request)
        received, _ = read_until_closed([sock], time.monotonic() + 3)
        return received[sock]


def run_web_server(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m scripts.web` run to its end (a refusal to start)."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.web"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_half_sent_requests_do_not_take_the_page_down_and_are_closed_after_the_timeout(
    page_server,
):
    need_fds(HALF_SENT)
    sockets = open_half_sent(page_server.url, HALF_SENT)
    try:
        sent_at = time.monotonic()
        page = requests.get(page_server.url + "/", timeout=5)
        answered_after_s = time.monotonic() - sent_at
        assert page.status_code == 200
        assert page.content == rendered_page()
        assert security_headers_of(page.headers) == HEADERS
        assert answered_after_s < 2

        received, closed = read_until_closed(
            sockets, sent_at + web.REQUEST_TIMEOUT_S + TIMEOUT_SLACK_S
        )
        assert len(closed) == HALF_SENT
        # Each was held until its time ran out (none dropped for want of room),
        # then told so, with the security headers, and closed.
        replies = [response_head(received[sock]) for sock in sockets]
        assert {status for status, _ in replies} == {"HTTP/1.1 408 Request Timeout"}
        assert all(security_headers_of(headers) == HEADERS for _, headers in replies)
    finally:
        close_all(sockets)
    assert requests.get(page_server.url + "/health", timeout=5).status_code == 200
    assert log_lines(page_server) == [start_line(page_server)]


def test_a_request_sent_a_byte_at_a_time_is_cut_off_when_its_time_is_up(page_server):
    port = int(page_server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX-Slow: ")
        started = time.monotonic()
        deadline = started + web.REQUEST_TIMEOUT_S + TIMEOUT_SLACK_S
        closed_after_s = None
        while closed_after_s is None and time.monotonic() < deadline:
            # A byte every half second: never idle for long, never finished.
            try:
                sock.sendall(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed_after_s = time.monotonic() - started
                break
            _, closed = read_until_closed([sock], time.monotonic() + 0.5)
            if closed:
                closed_after_s = time.monotonic() - started
        assert closed_after_s is not None, "still open after the request timeout"
        # Not before its time (the server's clock starts a moment before ours).
        assert web.REQUEST_TIMEOUT_S - 0.5 <= closed_after_s
    assert log_lines(page_server) == [start_line(page_server)]


def test_a_client_that_stops_reading_is_cut_off_even_when_it_asks_for_a_websocket(page_server):
    port = int(page_server.url.rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        # Requests that fill the server's buffers with answers nobody reads. Each
        # asks for a websocket, for which Sanic would stop checking the
        # connection's timeouts (CappedHttpProtocol.check_timeouts).
        request = b"GET /nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"
        with contextlib.suppress(BlockingIOError):
            sock.send(request * 20000)
        started = time.monotonic()
        deadline = started + web.RESPONSE_TIMEOUT_S + TIMEOUT_SLACK_S
        while tcp_state(sock) == TCP_ESTABLISHED and time.monotonic() < deadline:
            time.sleep(0.5)
        assert tcp_state(sock) != TCP_ESTABLISHED, "still open after the response timeout"
    assert log_lines(page_server) == [start_line(page_server)]


def test_clients_that_go_away_early_leave_no_traceback_and_the_page_answers(page_server):
    port = int(page_server.url.rsplit(":", 1)[1])
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(HALF_REQUEST)
    for _ in range(50):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /webchat.js HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(100).split(b" ", 2)[1] == b"200"  # then it goes away
    for request in (b"GARBAGE\r\n\r\n", b"GET /\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\r\n\r\n"):
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(request)
    time.sleep(1)  # the server notices the last of them
    page = requests.get(page_server.url + "/", timeout=5)
    assert page.status_code == 200
    assert page.content == rendered_page()
    assert log_lines(page_server) == [start_line(page_server)]


@pytest.mark.parametrize(
    ("path", "content_type", "cache_control", "body"),
    [
        ("/", "text/html; charset=utf-8", "no-cache", rendered_page),
        ("/index.html", "text/html; charset=utf-8", "no-cache", rendered_page),
        ("/chat.js", "application/javascript", "no-cache", SCRIPT.read_bytes),
        ("/webchat.js", "application/javascript", "max-age=3600", BUNDLE.read_bytes),
        (
            "/config.js",
            "application/javascript",
            "no-cache",
            lambda: f"window.FAQ_BOT = {json.dumps({'socketUrl': RASA_URL})};\n".encode(),
        ),
        ("/health", "application/json", "no-cache", lambda: b'{"status": "ok"}'),
    ],
)
def test_each_route_answers_with_its_file_and_the_security_headers(
    page_server, path, content_type, cache_control, body
):
    reply = requests.get(page_server.url + path, timeout=10)
    assert reply.status_code == 200
    assert reply.content == body()
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Cache-Control"] == cache_control
    assert security_headers_of(reply.headers) == HEADERS
    assert requests.get(page_server.url + path + "?v=2", timeout=10).content == body()


def test_anything_else_is_a_4xx_with_the_security_headers(page_server):
    for path in ("/nope", "/chat.js/", "/index.htm", "/web/chat.js", "/build/webchat/index.js"):
        reply = requests.get(page_server.url + path, timeout=10)
        assert (reply.status_code, security_headers_of(reply.headers)) == (404, HEADERS), path
    for method, path in (("POST", "/"), ("POST", "/health"), ("PUT", "/chat.js"), ("DELETE", "/")):
        reply = requests.request(method, page_server.url + path, data=b"x" * 100, timeout=10)
        assert (reply.status_code, security_headers_of(reply.headers)) == (405, HEADERS), path
    # The page takes no request bodies, not even on its own routes.
    reply = requests.get(page_server.url + "/", data=b"x", timeout=10)
    assert (reply.status_code, security_headers_of(reply.headers)) == (413, HEADERS)
    # A request line that is not HTTP.
    status, headers = response_head(raw_exchange(page_server.url, b"GARBAGE\r\n\r\n"))
    assert (status, security_headers_of(headers)) == ("HTTP/1.1 400 Bad Request", HEADERS)
    # A head over the cap.
    long_head = b"GET / HTTP/1.1\r\nX-Long: " + b"a" * web.REQUEST_MAX_BYTES + b"\r\n\r\n"
    status, headers = response_head(raw_exchange(page_server.url, long_head))
    assert (status, security_headers_of(headers)) == (
        "HTTP/1.1 413 Request Entity Too Large",
        HEADERS,
    )
    assert log_lines(page_server) == [start_line(page_server)]


def test_a_second_server_on_the_same_port_exits_with_an_error_and_no_traceback(page_server):
    port = page_server.url.rsplit(":", 1)[1]
    env = server_env(WEB_HOST="127.0.0.1", WEB_PORT=port, RASA_PUBLIC_URL=RASA_URL)
    second = run_web_server(env)
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == f"Cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert requests.get(page_server.url + "/health", timeout=5).status_code == 200


def test_beyond_the_connection_cap_the_oldest_waiting_connections_are_closed(tmp_path):
    # The server lowers its cap to fit a low limit on open files.
    cap = web.connection_cap(LOW_FD_LIMIT)
    assert cap < connections.MAX_CONNECTIONS
    extra = 50
    need_fds(cap + extra)
    server = start_page_server(tmp_path, "web-capped", (LOW_FD_LIMIT, LOW_FD_LIMIT))
    sockets: list[socket.socket] = []
    try:
        sockets = open_half_sent(server.url, cap)
        assert closed_now(sockets) == set()  # up to the cap, all are held
        sockets += open_half_sent(server.url, extra)
        started = time.monotonic()
        page = requests.get(server.url + "/", timeout=5)
        assert page.status_code == 200
        assert page.content == rendered_page()
        assert time.monotonic() - started < 2
        closed = closed_now(sockets)
        # Well before the request timeout, the oldest were closed to make room for
        # the newer ones and the page's request, a tenth of the cap at a time.
        assert time.monotonic() - started < web.REQUEST_TIMEOUT_S - 1
        assert closed == set(sockets[: len(closed)])
        held = len(sockets) - len(closed)
        assert cap - cap // connections.EVICT_FRACTION <= held < cap
    finally:
        server.stop()  # with the half-sent requests still open
        close_all(sockets)
    lines = log_lines(server)
    assert lines[0] == start_line(server)
    assert len(lines) == 2
    assert " WARNING " in lines[1]
    assert lines[1].endswith(
        f"{cap} connections open, the cap: new ones replace the oldest waiting ones"
    )


class PageParts(HTMLParser):
    """What a page says: its <html lang>, the text of its title, h1 and p, the
    switch's label and buttons, the text names of its data-text and data-label
    attributes, and its block of texts (web_texts.TEXTS_BLOCK_ID)."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.text: dict[str, str] = {}
        self.switch_label: str | None = None
        self.buttons: list[dict[str, str | None]] = []
        self.names: list[str] = []
        self.texts_block = ""
        self._inside: str | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.names += [attributes[a] or "" for a in ("data-text", "data-label") if a in attributes]
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "nav":
            self.switch_label = attributes.get("aria-label")
        elif tag == "button":
            self.buttons.append({**attributes, "label": ""})
        elif tag == "script" and attributes.get("id") == web_texts.TEXTS_BLOCK_ID:
            tag = "block"
        self._inside = tag

    def handle_endtag(self, tag: str) -> None:
        self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "button":
            self.buttons[-1]["label"] += data
        elif self._inside == "block":
            self.texts_block += data
        elif self._inside in ("title", "h1", "p"):
            self.text[self._inside] = self.text.get(self._inside, "") + data


def web_yml() -> dict[str, dict[str, str]]:
    """content/web.yml's texts, as the file has them."""
    return yaml.safe_load(WEB_TEXTS.read_text(encoding="utf-8"))["texts"]


def test_every_page_text_is_in_every_language():
    texts = web_yml()
    assert sorted(texts) == sorted(web_texts.TEXT_NAMES)
    for name, by_language in texts.items():
        # Side by side, in the order of bot/languages.py.
        assert list(by_language) == list(LANGUAGES), name
        for code, text in by_language.items():
            assert isinstance(text, str) and text.strip(), f"{name}.{code}"
        # Translated: no language left with another's text.
        assert len(set(by_language.values())) == len(LANGUAGES), name
    # Every text the page and its script name is there.
    named = PageParts(PAGE.read_text(encoding="utf-8")).names
    named += re.findall(r'\btext\("(\w+)"\)', SCRIPT.read_text(encoding="utf-8"))
    assert named
    assert set(named) <= set(texts)


def test_the_page_carries_its_texts_in_every_language(page_server):
    reply = requests.get(page_server.url + "/", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert security_headers_of(reply.headers) == HEADERS
    assert "${" not in reply.text
    texts = web_yml()
    page = PageParts(reply.text)
    # In English until web/chat.js shows the page's language (tests/test_webchat.py).
    assert page.lang == "en"
    assert page.text == {
        "title": texts["title"]["en"],
        "h1": texts["title"]["en"],
        "p": texts["description"]["en"],
    }
    assert page.switch_label == texts["language_switch"]["en"]
    # A button per language of bot/languages.py, named in its own language.
    assert page.buttons == [
        {
            "type": "button",
            "data-language": code,
            "lang": code,
            "title": texts["language_name"][code],
            "label": code.upper(),
        }
        for code in LANGUAGES
    ]
    assert json.loads(page.texts_block) == {
        "languages": list(LANGUAGES),
        "default": "en",
        "texts": texts,
    }


def test_a_text_cannot_break_out_of_its_place_in_the_page():
    template = PAGE.read_text(encoding="utf-8")
    hostile = '</script><script src="x.js"></script><!-- "quoted" & <b>'
    texts = {name: {code: hostile for code in LANGUAGES} for name in web_texts.TEXT_NAMES}
    rendered = web_texts.render(template, texts).decode()
    page = PageParts(rendered)
    assert rendered.count("<script") == template.count("<script")
    assert page.text == {"title": hostile, "h1": hostile, "p": hostile}
    assert page.switch_label == hostile
    assert [button["title"] for button in page.buttons] == [hostile] * len(LANGUAGES)
    assert json.loads(page.texts_block)["texts"] == texts


def test_unusable_page_texts_stop_the_server_at_start(tmp_path):
    data = yaml.safe_load(WEB_TEXTS.read_text(encoding="utf-8"))
    del data["texts"]["title"]["ru"]
    broken = tmp_path / "web.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = server_env(
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(free_port()),
        RASA_PUBLIC_URL=RASA_URL,
        FAQ_CONTENT_DIR=str(tmp_path),
    )
    done = run_web_server(env)
    assert (done.returncode, done.stdout) == (1, "")
    expected = ", ".join(LANGUAGES)
    assert done.stderr == f"{broken}: texts.title must give exactly {expected} (missing: ru)\n"


def test_a_broken_edit_of_the_page_texts_keeps_the_last_good_page(tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    copy = folder / "web.yml"
    shutil.copy(WEB_TEXTS, copy)
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    server = start_page_server(tmp_path, "web-texts", limits, FAQ_CONTENT_DIR=str(folder))
    try:
        good = requests.get(server.url + "/", timeout=10).content
        assert good == rendered_page()
        copy.write_text("texts: [not, a, mapping]\n", encoding="utf-8")
        for _ in range(2):  # one ERROR line for the edit, not one per request
            reply = requests.get(server.url + "/", timeout=10)
            assert (reply.status_code, reply.content) == (200, good)
        # A valid edit is served at once.
        data = yaml.safe_load(WEB_TEXTS.read_text(encoding="utf-8"))
        data["texts"]["title"]["ko"] = "새 제목"
        copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        page = PageParts(requests.get(server.url + "/", timeout=10).text)
        assert json.loads(page.texts_block)["texts"] == data["texts"]
    finally:
        server.stop()
    lines = log_lines(server)
    assert lines[0] == start_line(server)
    assert len(lines) == 2, lines
    assert lines[1].endswith(
        f" ERROR scripts.web - {copy}: the file must have a 'texts' mapping, not a list."
        " Serving the last good page until it is fixed."
    )
