"""The key ring: rotation with a grace period on the mock's clock."""

from __future__ import annotations

import pytest

from tokenkit.mock.keys import KeyRing, SigningKey, shared_test_key


@pytest.fixture(scope="module")
def second_key() -> SigningKey:
    return SigningKey.generate()


def test_a_rotated_key_is_trusted_and_published_until_its_grace_ends(second_key: SigningKey) -> None:
    first = shared_test_key()
    ring = KeyRing(first)
    ring.rotate(second_key, grace_period=60, now=1000.0)
    assert ring.current is second_key
    assert [key["kid"] for key in ring.jwks(now=1059.0)["keys"]] == [second_key.kid, first.kid]
    assert ring.key_for(first.kid, now=1059.0) is first and ring.key_for(second_key.kid, now=1059.0) is second_key
    assert ring.key_for(first.kid, now=1060.0) is None
    assert [key["kid"] for key in ring.jwks(now=1060.0)["keys"]] == [second_key.kid]
    assert len(ring) == 2 and ring.forget_retired(now=1060.0) == 1 and len(ring) == 1


def test_odd_kids_and_a_negative_grace_are_refused(second_key: SigningKey) -> None:
    ring = KeyRing(second_key)
    assert ring.key_for(None, 0.0) is None and ring.key_for(["x"], 0.0) is None and ring.key_for("other", 0.0) is None
    with pytest.raises(ValueError):
        ring.rotate(shared_test_key(), grace_period=-1, now=0.0)


def test_the_shared_test_key_is_made_once() -> None:
    assert shared_test_key() is shared_test_key()
