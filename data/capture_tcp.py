#!/usr/bin/env python3
"""Capture one whole TCP conversation on loopback, for the exercise tcp-header.

Rerun it on Linux, as root, with nothing listening on 127.0.0.1 ports 8888
and 8889:

    sudo python3 data/capture_tcp.py --pcap data/tcp-captures.pcap > data/tcp-captures.txt

It opens a packet socket (AF_PACKET) on the loopback interface `lo`, then, on
127.0.0.1 only, it connects a client to a server on port 8888, sends a line
each way, closes both ends, and finally connects to the closed port 8889,
which the kernel refuses with a reset. Then it prints every TCP segment it
saw: the Ethernet header (14 bytes) and the IPv4 header (IHL * 4 bytes) are
cut off, and what is left, the TCP header and its payload, is printed as hex,
one segment a line, each under a comment that names it. With `--pcap FILE` it
also writes the whole frames, with the kernel's timestamps, as a pcap file that
tcpdump (`tcpdump -r FILE -nn -S`) and Wireshark can read.

The server ports are fixed; the clients' ports are ephemeral (chosen by the
kernel), because reusing a client port still in TIME_WAIT from a previous run
would make the kernel derive the new SYN's sequence number and timestamp from
the old connection. Client ports, sequence numbers and timestamps change from
run to run: most tests check relations between segments (ack = seq + 1), but
the test of the SYN and the book page name this capture's own numbers, so
update them if you replace the capture.
"""

import argparse
import socket
import struct
import sys
import time

SERVER = ("127.0.0.1", 8888)
CLOSED = ("127.0.0.1", 8889)

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SO_TIMESTAMP = 29  # Linux; Python's socket module does not name it

# The segments expected, in order: (name, who sends it, tcpdump's flags).
EXPECTED = [
    ("syn", "client", "S"),
    ("syn-ack", "server", "S."),
    ("ack", "client", "."),
    ("hello", "client", "P."),
    ("hello-ack", "server", "."),
    ("hi", "server", "P."),
    ("hi-ack", "client", "."),
    ("client-fin", "client", "F."),
    ("client-fin-ack", "server", "."),
    ("server-fin", "server", "F."),
    ("server-fin-ack", "client", "."),
    ("refused-syn", "client", "S"),
    ("refused-rst", "server", "R."),
]


def converse():
    """The conversation to capture: handshake, a line each way, both closes, a reset."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(SERVER)
    listener.listen(1)

    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.connect(SERVER)  # SYN, SYN-ACK, ACK
    server, _ = listener.accept()

    client.sendall(b"hello\n")
    assert server.recv(100) == b"hello\n"
    server.sendall(b"hi!\n")
    assert client.recv(100) == b"hi!\n"

    client.close()  # FIN from the client
    assert server.recv(100) == b""  # the server reads end of file ...
    # ... and waits a moment before closing: the kernel acknowledges the
    # client's FIN on its own at once, so the capture shows all four segments
    # of the close. Close at once, and the ACK and the FIN often travel
    # together in one segment (a close in three segments).
    time.sleep(0.2)
    server.close()  # the server's own FIN
    listener.close()

    refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        refused.connect(CLOSED)  # SYN, answered by RST-ACK
        sys.exit(f"something listens on {CLOSED}: stop it and rerun")
    except ConnectionRefusedError:
        pass
    refused.close()


def tcp_segment(frame):
    """The TCP segment inside an Ethernet frame, or None if it is not ours."""
    if len(frame) < 14 + 20 or int.from_bytes(frame[12:14], "big") != ETH_P_IP:
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    total_length = int.from_bytes(ip[2:4], "big")
    if ip[9] != socket.IPPROTO_TCP:
        return None
    segment = ip[ihl:total_length]
    source = int.from_bytes(segment[0:2], "big")
    destination = int.from_bytes(segment[2:4], "big")
    if {source, destination}.isdisjoint({SERVER[1], CLOSED[1]}):
        return None
    return segment


def sender(segment):
    """"server" if the segment comes from one of our server ports, else "client"."""
    source = int.from_bytes(segment[0:2], "big")
    return "server" if source in (SERVER[1], CLOSED[1]) else "client"


def flag_names(segment):
    """tcpdump's flag letters: S, F, R, P, and `.` for ACK."""
    flags = segment[13]
    letters = [letter for bit, letter in [(0x02, "S"), (0x01, "F"), (0x04, "R"), (0x08, "P")] if flags & bit]
    return "".join(letters) + ("." if flags & 0x10 else "")


def write_pcap(path, frames):
    """Writes (seconds, microseconds, frame) records as a classic pcap file of Ethernet frames."""
    with open(path, "wb") as out:
        # magic, version 2.4, time zone, accuracy, snapshot length, link type 1 (Ethernet)
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for seconds, microseconds, frame in frames:
            out.write(struct.pack("<IIII", seconds, microseconds, len(frame), len(frame)))
            out.write(frame)


def main():
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--pcap", metavar="FILE", help="also write the frames as a pcap file")
    options = arguments.parse_args()

    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(ETH_P_ALL))
    sniffer.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)  # when each frame was seen
    sniffer.bind(("lo", 0))
    # The kernel queues what the sniffer sees while the conversation runs; we
    # read it all afterwards, until the interface has been quiet for a while.
    converse()
    sniffer.settimeout(0.5)
    segments, frames = [], []
    while True:
        try:
            frame, ancillary, _flags, address = sniffer.recvmsg(65536, 1024)
        except socket.timeout:
            break
        _ifname, _proto, packet_type, _hatype, _addr = address
        # On loopback every frame is seen twice: leaving and arriving. Keep one.
        if packet_type == PACKET_OUTGOING:
            continue
        segment = tcp_segment(frame)
        if segment is None:
            continue
        segments.append(segment)
        seconds, microseconds = 0, 0
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP:
                seconds, microseconds = struct.unpack("@ll", data[: struct.calcsize("@ll")])
        frames.append((seconds, microseconds, frame))

    seen = [(sender(segment), flag_names(segment)) for segment in segments]
    if seen != [(side, flags) for _, side, flags in EXPECTED]:
        sys.exit(f"the segments differ from those expected:\n  seen     {seen}\n  expected {EXPECTED}")

    if options.pcap:
        write_pcap(options.pcap, frames)

    print("# TCP segments captured on Linux loopback (lo) by data/capture_tcp.py; rerun:")
    print("#   sudo python3 data/capture_tcp.py --pcap data/tcp-captures.pcap > data/tcp-captures.txt")
    print("# Each line: a name, then the TCP header and its payload as hex (the Ethernet and")
    print(f"# IPv4 headers cut off). A client talks to a server on 127.0.0.1:{SERVER[1]}: the")
    print('# handshake, "hello\\n" and "hi!\\n", both closes; then a second client tries the')
    print(f"# closed port {CLOSED[1]} and the kernel resets it.")
    for (name, side, flags), segment in zip(EXPECTED, segments):
        print(f"# {name}: {side} [{flags}]")
        print(f"{name} {segment.hex()}")


if __name__ == "__main__":
    main()
