#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host side of scripts/guest.sh --monitor.

    monitor.py QMP-SOCKET CONSOLE-LOG

Follows the guest's console log as QEMU writes it; for each line that is
"vccw-monitor: device_del ID" or "vccw-monitor: device_add DRIVER,PROP=V,..."
runs that command on QEMU's QMP socket (through human-monitor-command, so the
arguments are HMP's) and reports it on stderr. No other command is run. The
guest cannot read the reply: it waits for the effect (a subchannel leaving or
appearing in sysfs). Runs until killed or its parent exits.
"""
import json
import os
import re
import socket
import sys
import time

REQUEST = re.compile(r"^vccw-monitor: (device_del [\w.-]+|device_add [\w.,=-]+)\s*$")


class Qmp:
    """A QMP connection: the greeting and capabilities negotiation done."""

    def __init__(self, path):
        deadline = time.monotonic() + 30
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.file = self.sock.makefile("rw")
        self.reply()  # the greeting
        self.execute("qmp_capabilities")

    def reply(self):
        """The next message that is not an event."""
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QMP socket closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def execute(self, command, **arguments):
        self.file.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
        self.file.flush()
        return self.reply()


def follow(path):
    """The lines of a file that another process appends to, as they come;
    ends when the process that started this one (scripts/guest.sh) is gone."""
    parent = os.getppid()
    with open(path, errors="replace") as f:
        buf = ""
        while True:
            chunk = f.readline()
            if not chunk:
                if os.getppid() != parent:
                    return
                time.sleep(0.1)
                continue
            buf += chunk
            if buf.endswith("\n"):
                yield buf.replace("\r", "").rstrip("\n")
                buf = ""


def main():
    sock, log = sys.argv[1:3]
    qmp = None
    for line in follow(log):
        m = REQUEST.match(line)
        if not m:
            continue
        command = m.group(1)
        try:
            qmp = qmp or Qmp(sock)
            reply = qmp.execute("human-monitor-command", **{"command-line": command})
            # HMP prints nothing on success, the error otherwise.
            if "error" in reply:
                result = f"error: {reply['error'].get('desc')}"
            else:
                result = reply["return"].strip() or "ok"
            print(f"vccw-monitor: {command}: {result}", file=sys.stderr, flush=True)
        except (OSError, EOFError, ValueError) as e:
            print(f"vccw-monitor: {command}: failed: {e}", file=sys.stderr, flush=True)
            qmp = None


if __name__ == "__main__":
    main()
