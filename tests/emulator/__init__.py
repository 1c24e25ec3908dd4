"""Tests of the embedded emulator, talking HTTP to it on loopback."""
