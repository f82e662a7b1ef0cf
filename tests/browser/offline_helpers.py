"""A FieldOps server the tests can take away for real: stopped, its port then
refuses connections (the browser's offline emulation does not cover a service
worker's own requests), and started again on the same port, so the tablet's
service worker and storage (tied to the origin) carry on."""
import socket
import threading
import time

from werkzeug.serving import make_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FlakyServer:
    def __init__(self, app):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread = None

    @property
    def up(self) -> bool:
        return self._server is not None

    def start(self):
        if self._server is None:
            server = make_server("127.0.0.1", self.port, self.app, threaded=True)
            self._connections = []
            accept = server.get_request

            def get_request():
                # Kept to be cut on stop: the browser keeps connections alive.
                connection, address = accept()
                self._connections.append(connection)
                return connection, address

            server.get_request = get_request
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, daemon=True)
            self._thread.start()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # closed already
            self._thread.join(timeout=5)
            self._server = self._thread = None


CHROMIUM_PROFILE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def until(page, script, timeout=20.0):
    """Polls `script` (evaluated, as the page's CSP forbids wait_for_function's eval) until truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script[:80]}")
        time.sleep(0.1)


def wait_for_worker(page):
    """Until the service worker controls the page (it installs the offline kit)."""
    until(page, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)")


def wait_for_sync(page):
    """Until the district is kept on the tablet."""
    until(
        page,
        """() => new Promise(resolve => {
            const req = indexedDB.open('fieldops-offline', 1);
            req.onsuccess = () => {
              const db = req.result;
              if (!db.objectStoreNames.contains('meta')) { resolve(false); return; }
              const get = db.transaction('meta').objectStore('meta').get('sync');
              get.onsuccess = () => resolve(!!get.result);
              get.onerror = () => resolve(false);
            };
            req.onerror = () => resolve(false);
          })""",
    )


def outbox(page):
    """The items of the outbox, as the page holds them."""
    return page.evaluate("() => window.FieldOpsOutbox.ready.then(() => window.FieldOpsOutbox.entries())")
