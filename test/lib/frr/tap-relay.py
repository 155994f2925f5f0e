#!/usr/bin/env python3
"""Point-to-point L2 link for hosts without veth: open two TAP devices and copy
each frame read on one to the other. The devices can then be moved into two
network namespaces; the open file descriptors keep working after the move.

usage: tap-relay.py NAME_A NAME_B     prints "ready" once both devices exist,
                                      runs until killed (SIGTERM).
"""
import fcntl
import os
import selectors
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main(name_a, name_b):
    fd_a, fd_b = open_tap(name_a), open_tap(name_b)
    sel = selectors.DefaultSelector()
    sel.register(fd_a, selectors.EVENT_READ, fd_b)
    sel.register(fd_b, selectors.EVENT_READ, fd_a)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in sel.select():
            frame = os.read(key.fd, 65535)
            try:
                os.write(key.data, frame)
            except OSError:
                # the other device is down (EIO): the frame is lost, as on a cable
                pass


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
