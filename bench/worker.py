"""A load process of ``--processes N``: its part on stdin, "ready", the window, its samples on stdout."""

from __future__ import annotations

import struct
import sys

import msgspec
import trio


def main() -> None:
    from .runner import Window, part_from_wire, recorder_to_wire, run_part_here
    from .scenarios import SCENARIOS

    stdin = sys.stdin.buffer
    (size,) = struct.unpack("<I", stdin.read(4))
    job = msgspec.msgpack.decode(stdin.read(size))
    scenario = SCENARIOS[job["scenario"]]()
    part = part_from_wire(job["part"])
    sys.stdout.buffer.write(b"R")  # ready: imports done
    sys.stdout.buffer.flush()
    part.window = Window(*struct.unpack("<3d", stdin.read(24)))
    rec, cpu = trio.run(run_part_here, scenario, job["plan"], part)
    sys.stdout.buffer.write(msgspec.msgpack.encode({"ops": recorder_to_wire(rec), "cpu": cpu}))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
