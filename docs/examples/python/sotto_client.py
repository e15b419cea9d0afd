#!/usr/bin/env python3
"""A Sotto client from Python, through the local JSON API of `sotto client serve`.

Standard library only (urllib, json, socket): no pip install. The WebSocket part is a minimal RFC 6455
client (handshake, unmasked text frames from the server, masked close) — enough for /v1/subscribe.

    export SOTTO_API_URL=http://127.0.0.1:7300
    export SOTTO_API_TOKEN=$(python3 -c 'import json;print(json.load(open("'$HOME'/.sotto/client.json"))["api"]["token"])')
    python3 sotto_client.py address                      # this client's sotto1… address
    python3 sotto_client.py send sotto1… "hello"         # send, wait for the delivery receipt
    python3 sotto_client.py inbox                        # messages received so far
    python3 sotto_client.py channels                     # channels and what they can still pay
    python3 sotto_client.py fund 0xRelay… 1000           # open / top up a channel
    python3 sotto_client.py listen [count]               # print messages as they arrive (WebSocket)

Every command prints one JSON document (listen: one per message) on stdout.
"""

import base64
import json
import os
import socket
import struct
import sys
import urllib.error
import urllib.parse
import urllib.request


class SottoApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body.get('error')}: {body.get('message')}")
        self.status = status
        self.body = body


class SottoClient:
    """Thin wrapper over the local API; amounts are decimal strings, bytes are base64."""

    def __init__(self, url=None, token=None, timeout=120):
        self.url = (url or os.environ.get("SOTTO_API_URL", "http://127.0.0.1:7300")).rstrip("/")
        self.token = token or os.environ.get("SOTTO_API_TOKEN", "")
        self.timeout = timeout

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                payload = json.loads(error.read())
            except ValueError:
                payload = {"error": "http_error", "message": str(error)}
            raise SottoApiError(error.code, payload) from None

    def health(self):
        with urllib.request.urlopen(self.url + "/healthz", timeout=self.timeout) as response:
            return json.loads(response.read())

    def address(self, new=False):
        return self._request("POST", "/v1/address", {}) if new else self._request("GET", "/v1/address")

    def send(self, to, message, wait_for_receipt=True):
        body = {"to": to, "waitForReceipt": wait_for_receipt}
        if isinstance(message, (bytes, bytearray)):
            body["messageBase64"] = base64.b64encode(message).decode()
        else:
            body["message"] = message
        return self._request("POST", "/v1/send", body)

    def inbox(self):
        return self._request("GET", "/v1/inbox")["messages"]

    def channels(self):
        return self._request("GET", "/v1/channels")["channels"]

    def fund(self, relay, amount, permit=False):
        return self._request("POST", "/v1/channels", {"relay": relay, "amount": str(amount), "permit": permit})

    def subscribe(self):
        """Yields each message pushed on WS /v1/subscribe (dicts with message, messageBase64, from, replyable)."""
        parsed = urllib.parse.urlparse(self.url)
        sock = socket.create_connection((parsed.hostname, parsed.port or 80), timeout=self.timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = "/v1/subscribe?token=" + urllib.parse.quote(self.token)
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        reader = sock.makefile("rb")
        status = reader.readline().decode()
        if " 101 " not in status:
            raise SottoApiError(int(status.split()[1]) if len(status.split()) > 1 else 0, {"error": "websocket", "message": status.strip()})
        while reader.readline() not in (b"\r\n", b""):
            pass  # response headers
        try:
            while True:
                opcode, payload = _read_frame(reader)
                if opcode == 0x8:  # close
                    return
                if opcode == 0x9:  # ping → pong (masked, as a client must)
                    sock.sendall(_client_frame(0xA, payload))
                    continue
                if opcode == 0x1:
                    event = json.loads(payload)
                    if event.get("type") == "message":
                        yield event
                    elif event.get("type") == "hello":
                        print(json.dumps({"subscribed": True, "nodeId": event.get("nodeId")}), flush=True)
        finally:
            try:
                sock.sendall(_client_frame(0x8, b""))
            except OSError:
                pass
            sock.close()


def _read_exact(reader, n):
    data = reader.read(n)
    if len(data) != n:
        raise ConnectionError("websocket closed")
    return data


def _read_frame(reader):
    first, second = _read_exact(reader, 2)
    opcode = first & 0x0F
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack(">H", _read_exact(reader, 2))
    elif length == 127:
        (length,) = struct.unpack(">Q", _read_exact(reader, 8))
    mask = _read_exact(reader, 4) if second & 0x80 else None
    payload = _read_exact(reader, length)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return opcode, payload


def _client_frame(opcode, payload):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
    else:
        header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def main(argv):
    client = SottoClient()
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 2 if len(argv) < 2 else 0
    command, args = argv[1], argv[2:]
    try:
        if command == "health":
            result = client.health()
        elif command == "address":
            result = client.address(new="--new" in args)
        elif command == "send" and len(args) >= 2:
            result = client.send(args[0], " ".join(args[1:]))
        elif command == "inbox":
            result = client.inbox()
        elif command == "channels":
            result = client.channels()
        elif command == "fund" and len(args) == 2:
            result = client.fund(args[0], int(args[1]))
        elif command == "listen":
            count = int(args[0]) if args else None
            for n, message in enumerate(client.subscribe(), start=1):
                print(json.dumps(message), flush=True)
                if count is not None and n >= count:
                    break
            return 0
        else:
            print(f"unknown command or missing arguments: {' '.join(argv[1:])}\n{__doc__}", file=sys.stderr)
            return 2
    except SottoApiError as error:
        print(json.dumps({"error": error.body.get("error"), "message": error.body.get("message"), "status": error.status}), file=sys.stderr)
        return 1
    except (urllib.error.URLError, ConnectionError) as error:
        print(f"cannot reach the Sotto API at {client.url}: {error}; is `sotto client serve` running?", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
