"""Shared hash field names: HSET stores one object per common name, within the table's bounds."""

from __future__ import annotations

from twisted.trial.unittest import SynchronousTestCase

from pyredisd.core.names import SharedNames
from tests.core.test_lists import FamilyTestCase


def field_object(server_data: dict[bytes, dict[bytes, bytes]], key: bytes) -> bytes:
    """The field-name object the hash at ``key`` holds (it has one field)."""
    (name,) = server_data[key]
    return name


class SharedNamesTests(SynchronousTestCase):
    def test_equal_names_share_one_object(self) -> None:
        names = SharedNames()
        first = b"email"
        self.assertIs(names.share(first), first)
        self.assertIs(names.share(bytes(bytearray(b"email"))), first)

    def test_long_names_and_a_full_table_are_not_shared(self) -> None:
        names = SharedNames(max_names=2, max_len=4)
        long_name = b"toolong"
        self.assertIs(names.share(long_name), long_name)
        names.share(b"a")
        names.share(b"b")
        late = bytes(bytearray(b"c"))
        self.assertIs(names.share(late), late)
        self.assertEqual(len(names.table), 2)


class HsetSharesNamesTests(FamilyTestCase):
    def test_hashes_written_by_hset_share_field_names(self) -> None:
        """Two hashes given the same field by separate requests hold one name object."""
        self.call("HSET", "user:1", "email", "a@example.com")
        self.call("HMSET", "user:2", "email", "b@example.com")
        data = self.server.dbs[0].data
        self.assertIs(field_object(data, b"user:1"), field_object(data, b"user:2"))
        self.assertEqual(self.call("HGET", "user:2", "email"), b"b@example.com")
