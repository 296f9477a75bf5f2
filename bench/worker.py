"""A load process of ``--processes N``: its part on stdin, "ready", the window, its progress and samples on
stdout (the protocol is in ``bench.runner._Workers``)."""

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
    out = sys.stdout.buffer

    def report(requests: int) -> None:
        out.write(b"P" + struct.pack("<Q", requests))  # 9 bytes the parent reads at once
        out.flush()

    rec, cpu = trio.run(run_part_here, scenario, job["plan"], part, report)
    result = msgspec.msgpack.encode({"ops": recorder_to_wire(rec), "cpu": cpu})
    out.write(b"D" + struct.pack("<I", len(result)) + result)
    out.flush()


if __name__ == "__main__":
    main()
