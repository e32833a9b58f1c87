#!/usr/bin/env python3
"""The dashboard driven in headless Chromium, as a person would use it.

Starts `agent-turbo serve --workers 2` on a free port with a home of its own, submits tasks through the API and
opens the dashboard in Chromium, talking the Chrome DevTools Protocol over a pipe (stdlib only). It checks that
the submitted tasks appear, that a click on Cancel cancels a running task, that a Claude stream-json transcript
renders (assistant text, tool calls and results, an API retry, the result) with the raw output one click away,
that a hold shows and its Clear button ends it, that an unknown task reads as such, and that the page runs without a script error or CSP violation. A screenshot
is written to ARTIFACTS/dashboard.png.

Usage: scripts/dashboard-test.py AGENT_TURBO_BINARY ARTIFACTS_DIR
Environment: DASHBOARD_BACKLOG=N first adds N tasks waiting 30 days (through `submit --file`, one transaction),
so the page is tried against a large table (the test script uses 100,000).
Waits are bounded (they fail the run when they run out); nothing is asserted about how long anything takes.
"""
import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

TRANSCRIPT = [
    {"type": "system", "subtype": "init", "cwd": "/work/app", "session_id": "s-1", "model": "claude-sonnet-4-5",
     "tools": ["Bash", "Read", "Edit"], "permissionMode": "default"},
    {"type": "assistant", "session_id": "s-1", "message": {"id": "msg_1", "type": "message", "role": "assistant",
     "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": "I'll read the failing test first."}],
     "usage": {"input_tokens": 120, "output_tokens": 12}}},
    {"type": "assistant", "session_id": "s-1", "message": {"id": "msg_1", "type": "message", "role": "assistant",
     "model": "claude-sonnet-4-5", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read",
     "input": {"file_path": "/work/app/auth_test.py"}}], "usage": {"input_tokens": 120, "output_tokens": 30}}},
    {"type": "user", "session_id": "s-1", "message": {"role": "user", "content": [{"tool_use_id": "toolu_1",
     "type": "tool_result", "content": "def test_login():\n    assert login('a', 'b') is not None\n"}]}},
    {"type": "system", "subtype": "api_retry", "attempt": 1, "max_retries": 2, "retry_delay_ms": 1200,
     "error_status": 529, "error": "overloaded_error"},
    {"type": "assistant", "session_id": "s-1", "message": {"id": "msg_2", "type": "message", "role": "assistant",
     "model": "claude-sonnet-4-5", "content": [{"type": "tool_use", "id": "toolu_2", "name": "Bash",
     "input": {"command": "pytest -q auth_test.py", "description": "Run the test"}}],
     "usage": {"input_tokens": 300, "output_tokens": 40}}},
    {"type": "user", "session_id": "s-1", "message": {"role": "user", "content": [{"tool_use_id": "toolu_2",
     "type": "tool_result", "is_error": True, "content": "F\n1 failed in 0.03s"}]}},
    {"type": "assistant", "session_id": "s-1", "message": {"id": "msg_3", "type": "message", "role": "assistant",
     "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": "<b>login()</b> returned None for a valid user; fixed the lookup."}],
     "usage": {"input_tokens": 400, "output_tokens": 80}}},
    {"type": "result", "subtype": "success", "is_error": False, "duration_ms": 8123, "num_turns": 4,
     "result": "Fixed the flaky login test.", "session_id": "s-1", "total_cost_usd": 0.0123,
     "usage": {"input_tokens": 400, "output_tokens": 80}},
]


class Failure(Exception):
    pass


def wait_for(what, check, timeout=60.0, every=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"waited {timeout:.0f} s for {what}")
        time.sleep(every)


class Chromium:
    """A headless Chromium and one page, driven over --remote-debugging-pipe (fd 3 in, fd 4 out, NUL-framed)."""

    def __init__(self, binary, profile_dir):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def wire():
            # Through fds above 9 first, so that neither end is overwritten before it is moved to 3 and 4.
            read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.log = open(os.path.join(profile_dir + ".log"), "w")
        self.process = subprocess.Popen(
            [binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
             f"--user-data-dir={profile_dir}", "about:blank"],
            pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=wire,
            stdout=self.log, stderr=subprocess.STDOUT)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1500, "height": 1100, "deviceScaleFactor": 1, "mobile": False}, session=True)

    def _read_message(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise Failure("Chromium closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            raise Failure(f"evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector):
        """A real mouse click in the middle of the element (pressed and released), as a person makes it."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            f" e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();"
            f" return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        if not box:
            raise Failure(f"nothing to click at {selector}")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1}, session=True)

    def problems(self, expected_urls=()):
        """Script exceptions, console errors and CSP violations the page reported so far (a failed load of one of
        `expected_urls` aside)."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                if params["entry"].get("url", "").endswith(tuple(expected_urls)):
                    continue
                found.append(f'{params["entry"]["text"]} ({params["entry"].get("url", "")})')
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(str(params.get("args")))
        return found

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Server:
    def __init__(self, binary, home, config):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TURBO_")}
        environment["AGENT_TURBO_HOME"] = home
        self.log_path = os.path.join(home, "serve.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--workers", "2", "--config", config, "--log-format", "json"],
            env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = wait_for("serve to listen", self._port)

    def _port(self):
        if self.process.poll() is not None:
            raise Failure(f"serve exited: {open(self.log_path).read()}")
        for line in open(self.log_path):
            if '"serving the API and dashboard"' in line:
                return int(json.loads(line)["port"])
        return None

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def main():
    binary, artifacts = sys.argv[1], sys.argv[2]
    chromium_binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium_binary:
        raise Failure("no chromium on PATH: apt-get install -y chromium")
    os.makedirs(artifacts, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="agent-turbo-dashboard.")
    home = os.path.join(scratch, "home")
    os.makedirs(home)
    transcript = os.path.join(scratch, "transcript.jsonl")
    with open(transcript, "w") as file:
        file.write("\n".join(json.dumps(event) for event in TRANSCRIPT) + "\n")
    config = os.path.join(scratch, "config.json")
    with open(config, "w") as file:
        # A profile that replays a recorded Claude Code stream-json run: `cat` of the file named by the prompt.
        json.dump({"profiles": {"replay": {"executable": "/bin/cat", "arguments": ["{prompt}"], "style": "plain",
                                           "output_format": "claude-stream-json"}}}, file)
    backlog = int(os.environ.get("DASHBOARD_BACKLOG", "0"))
    if backlog > 0:
        lines = os.path.join(scratch, "backlog.jsonl")
        with open(lines, "w") as file:
            for n in range(backlog):
                file.write(json.dumps({"prompt": f"backlog task {n}: tidy module {n % 97}", "run_after": "+30d",
                                       "agent": "simulate", "task_type": ("review", "general")[n % 2]}) + "\n")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_TURBO_")}
        environment["AGENT_TURBO_HOME"] = home
        subprocess.run([binary, "submit", "--file", lines], env=environment, check=True, stdout=subprocess.DEVNULL)
    server = Server(binary, home, config)
    browser = None
    try:
        replay = server.request("POST", "/v1/tasks", {"task_id": "replayed-run", "prompt": transcript, "agent": "replay"})
        wait_for("the replayed run to complete",
                 lambda: server.request("GET", "/v1/tasks/replayed-run")["status"] == "completed")
        long_tasks = server.request("POST", "/v1/tasks", [
            {"task_id": f"long-{n}", "prompt": f"sleep=300 long task {n}", "agent": "simulate"} for n in (1, 2)])
        waiting = server.request("POST", "/v1/tasks", {"task_id": "waiting", "prompt": "result=never", "agent": "simulate"})
        ids = [replay["task_id"], "long-1", "long-2", waiting["task_id"]]
        wait_for("both long tasks to run", lambda: all(
            server.request("GET", f"/v1/tasks/long-{n}")["status"] == "running" for n in (1, 2)))
        assert len(long_tasks) == 2

        browser = Chromium(chromium_binary, os.path.join(scratch, "chromium"))
        base = f"http://127.0.0.1:{server.port}/"
        browser.call("Page.navigate", {"url": base}, session=True)
        wait_for("the submitted tasks to appear in the list", lambda: browser.evaluate(
            f"(() => {{ const shown = [...document.querySelectorAll('#tasks tr')].map(r => r.dataset.task);"
            f" return {json.dumps(ids)}.every(id => shown.includes(id)); }})()"))
        wait_for("the charts to draw the finished run", lambda: browser.evaluate(
            "document.querySelectorAll('#throughput-chart rect.bar-completed').length > 0"))
        if backlog > 0:
            # Paged by cursor through the backlog, and back.
            browser.click("#older")
            wait_for("page 2: fifty backlog tasks", lambda: browser.evaluate(
                "(() => { const rows = [...document.querySelectorAll('#tasks tr[data-task]')];"
                " return document.getElementById('page-note').textContent.startsWith('page 2') && rows.length === 50"
                " && rows.every(r => r.textContent.includes('backlog task')); })()"))
            browser.click("#newer")
            wait_for("page 1 again, with the submitted tasks", lambda: browser.evaluate(
                f"(() => {{ const shown = [...document.querySelectorAll('#tasks tr')].map(r => r.dataset.task);"
                f" return document.getElementById('page-note').textContent.startsWith('page 1')"
                f" && {json.dumps(ids)}.every(id => shown.includes(id)); }})()"))

        # Cancel a running task with a click in its detail, opened from the list.
        browser.click("#tasks tr[data-task='long-1'] button.link")
        wait_for("the detail of long-1 beside the list, addressed by the URL",
                 lambda: browser.evaluate("location.hash === '#task=long-1' && !document.getElementById('cancel-task').disabled"))
        browser.click("#cancel-task")
        wait_for("the click to cancel long-1",
                 lambda: server.request("GET", "/v1/tasks/long-1")["status"] == "cancelled", timeout=90)
        wait_for("the detail to show it cancelled", lambda: browser.evaluate(
            "document.querySelector('#detail-fields dd.status') && document.querySelector('#detail-fields dd.status').textContent === 'cancelled'"))

        # The recorded Claude run as a transcript, opened by its address.
        browser.call("Page.navigate", {"url": base + "#task=replayed-run"}, session=True)
        wait_for("the transcript to render", lambda: browser.evaluate(
            "document.querySelectorAll('#transcript .entry.result').length === 1"))
        transcript_view = browser.evaluate("""(() => {
            const entries = [...document.querySelectorAll('#transcript .entry')];
            return {
              assistant: entries.filter(e => e.classList.contains('assistant')).map(e => e.querySelector('p').textContent),
              tools: entries.filter(e => e.classList.contains('tool')).map(e => e.dataset.tool),
              toolError: entries.some(e => e.classList.contains('tool-result') && e.classList.contains('error')),
              retry: entries.some(e => e.classList.contains('retry')),
              result: document.querySelector('#transcript .entry.result p').textContent,
              markup: document.querySelectorAll('#transcript b').length,
            };
        })()""")
        expected_text = ["I'll read the failing test first.", "<b>login()</b> returned None for a valid user; fixed the lookup."]
        if transcript_view["assistant"] != expected_text:
            raise Failure(f"assistant text: {transcript_view['assistant']}")
        if transcript_view["tools"] != ["Read", "Bash"]:
            raise Failure(f"tool calls: {transcript_view['tools']}")
        if not transcript_view["toolError"] or not transcript_view["retry"]:
            raise Failure(f"tool error and API retry not shown: {transcript_view}")
        if transcript_view["result"] != "Fixed the flaky login test.":
            raise Failure(f"result: {transcript_view['result']}")
        if transcript_view["markup"] != 0:
            raise Failure("text from the agent was rendered as HTML")
        browser.click("#show-raw")
        wait_for("the raw output one click away", lambda: browser.evaluate(
            "!document.getElementById('raw-output').hidden && document.getElementById('raw-output').textContent.includes('\"type\": \"assistant\"')"))
        browser.click("#show-transcript")
        browser.evaluate("window.scrollTo(0, 0); const detail = document.getElementById('detail');"
                         " detail.scrollTo(0, document.getElementById('show-transcript').offsetTop - 60); true")
        browser.screenshot(os.path.join(artifacts, "dashboard.png"))

        # A usage limit holds the profile back; the hold shows with a Clear button that ends it.
        server.request("POST", "/v1/tasks", {"task_id": "limited", "prompt": "rate-limit=3600", "agent": "simulate"})
        wait_for("the hold to show", lambda: browser.evaluate(
            "document.querySelector('#holds button.clear-hold[data-agent=\"simulate\"]') !== null"), timeout=90)
        browser.click("#holds button.clear-hold")
        wait_for("the click to clear the hold", lambda: server.request("GET", "/v1/workers")["holds"] == [])
        wait_for("the hold to leave the page", lambda: browser.evaluate("document.querySelectorAll('#holds li').length === 0"))

        # A task that does not exist reads as such; the rest of the page keeps working.
        browser.call("Page.navigate", {"url": base + "#task=no-such-task"}, session=True)
        wait_for("a missing task to be named", lambda: browser.evaluate(
            "document.getElementById('detail-note').textContent.includes('no task with id no-such-task')"))
        if browser.evaluate("!document.getElementById('cancel-task').disabled"):
            raise Failure("Cancel is offered for a task that does not exist")

        problems = browser.problems(expected_urls=["/v1/tasks/no-such-task"])
        if problems:
            raise Failure(f"the page reported errors: {problems}")
        print(f"dashboard: tasks listed, Cancel took effect, transcript rendered; screenshot in {artifacts}/dashboard.png")
    finally:
        if browser:
            browser.close()
        server.stop()
        shutil.copy(server.log_path, os.path.join(artifacts, "dashboard-serve.log"))
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"error: dashboard test: {failure}", file=sys.stderr)
        sys.exit(1)
